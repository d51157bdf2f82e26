import cliProgress from 'cli-progress';
import type { ProgressDisplay } from './loop_options.js';

/**
 * One line that {@link ProgressBars} draws: its value and the fields of its format move with `update`. (Its own
 * interface, so that the declarations need no cli-progress types.) @public
 */
export interface ProgressBarLine {
  /** Sets the line's value (steps done) and the payload fields of its format. */
  update(value: number, payload?: Record<string, unknown>): void;
}

/**
 * Live progress lines drawn with cli-progress when stdout is a terminal, with log lines printed above them while
 * they are shown. The loop's single line (`ProgressLine`) and the NER recipe's line per ensemble member build on it.
 * @public
 */
export class ProgressBars {
  private multibar: cliProgress.MultiBar | undefined;

  /** `format`: cli-progress's line format (payload fields in braces). Drawn only when `enabled` and stdout is a TTY. */
  constructor(
    enabled: boolean,
    private readonly format: string,
  ) {
    this.enabled = enabled && typeof process !== 'undefined' && Boolean(process.stdout?.isTTY);
  }

  /** Whether lines are drawn: asked for, and stdout is a terminal. */
  protected readonly enabled: boolean;

  /** A new line of `total` steps at `value`, or undefined when nothing is drawn. */
  protected addBar(total: number, value: number, payload: Record<string, unknown>): ProgressBarLine | undefined {
    if (!this.enabled) return undefined;
    this.multibar ??= new cliProgress.MultiBar(
      { format: this.format, hideCursor: true, clearOnComplete: true, stopOnComplete: false, etaBuffer: 50, stream: process.stdout },
      cliProgress.Presets.shades_classic,
    );
    return this.multibar.create(total, value, payload);
  }

  /** Removes a line. */
  protected removeBar(bar: ProgressBarLine): void {
    this.multibar?.remove(bar as cliProgress.SingleBar);
  }

  /** Prints a line above the progress lines (or with `fallback` when none are shown). */
  log(line: string, fallback: (line: string) => void): void {
    if (!this.multibar) return fallback(line);
    this.multibar.log(`${line}\n`);
    this.multibar.update();
  }

  /** Stops drawing (the lines are cleared). */
  stop(): void {
    this.multibar?.update();
    this.multibar?.stop();
    this.multibar = undefined;
  }
}

/** Steps per second of `done` steps since `started` (a `performance.now()`), for a progress line. @public */
export function stepRate(done: number, started: number): string {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? (done / seconds).toFixed(2) : '-';
}

/**
 * The live progress line of a run (steps, steps per second, ETA, last loss), drawn with cli-progress when
 * stdout is a terminal. Log lines are printed above it while it is shown. The Node `Loop`'s default display.
 * @public
 */
export class ProgressLine extends ProgressBars implements ProgressDisplay {
  private bar: ProgressBarLine | undefined;
  private started = 0;

  /** Drawn only when `enabled` and stdout is a terminal. */
  constructor(enabled: boolean) {
    super(enabled, 'Step {step} [{bar}] {value}/{total} | {rate} steps/s | ETA {eta_formatted} | loss {loss}');
  }

  /** A progress line that is drawn only when `enabled` and stdout is a terminal (cli-progress needs one). */
  static create(enabled = true): ProgressLine {
    return new ProgressLine(enabled);
  }

  /** Whether the line is drawn now. */
  get active(): boolean {
    return this.bar !== undefined;
  }

  /** A run of `total` steps starts at step `firstStep`. */
  start(total: number, firstStep: number): void {
    if (total <= 0) return;
    this.started = performance.now();
    this.bar = this.addBar(total, 0, { step: firstStep, rate: '-', loss: '-' });
  }

  /** `done` steps of the run are done; the last was `step`, with this loss. */
  tick(done: number, step: number, loss: number): void {
    this.bar?.update(done, { step, rate: stepRate(done, this.started), loss: loss.toFixed(4) });
  }

  /** The run ended: the line is cleared. */
  override stop(): void {
    super.stop();
    this.bar = undefined;
  }
}
