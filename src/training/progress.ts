import cliProgress from 'cli-progress';

/**
 * The live progress line of a run (steps, steps per second, ETA, last loss), drawn with cli-progress when
 * stdout is a terminal. Log lines are printed above it while it is shown.
 */
export class ProgressLine {
  private multibar: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private started = 0;

  constructor(private readonly enabled: boolean) {}

  /** A progress line that is drawn only when `enabled` and stdout is a terminal (cli-progress needs one). */
  static create(enabled = true): ProgressLine {
    return new ProgressLine(enabled && Boolean(process.stdout.isTTY));
  }

  get active(): boolean {
    return this.bar !== undefined;
  }

  start(total: number, firstStep: number): void {
    if (!this.enabled || total <= 0) return;
    this.started = performance.now();
    this.multibar = new cliProgress.MultiBar(
      {
        format: 'Step {step} [{bar}] {value}/{total} | {rate} steps/s | ETA {eta_formatted} | loss {loss}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        stream: process.stdout,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multibar.create(total, 0, { step: firstStep, rate: '-', loss: '-' });
  }

  tick(done: number, step: number, loss: number): void {
    if (!this.bar) return;
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.update(done, { step, rate: seconds > 0 ? (done / seconds).toFixed(2) : '-', loss: loss.toFixed(4) });
  }

  /** Prints a line above the progress line (or plainly when none is shown). */
  log(line: string, fallback: (line: string) => void): void {
    if (!this.multibar) return fallback(line);
    this.multibar.log(`${line}\n`);
    this.multibar.update();
  }

  stop(): void {
    this.multibar?.update();
    this.multibar?.stop();
    this.multibar = undefined;
    this.bar = undefined;
  }
}
