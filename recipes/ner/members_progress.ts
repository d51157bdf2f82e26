/**
 * The live progress of ensemble members trained at the same time: one line per running member (step, steps per
 * second, ETA, last loss), drawn with cli-progress when stdout is a terminal; log lines print above the lines.
 */
import cliProgress from 'cli-progress';

interface MemberBar {
  bar: cliProgress.SingleBar;
  started: number;
  firstStep: number;
}

export class MembersProgress {
  private multibar: cliProgress.MultiBar | undefined;
  private readonly bars = new Map<number, MemberBar>();

  private constructor(private readonly enabled: boolean) {}

  /** Progress lines that are drawn only when `enabled` and stdout is a terminal. */
  static create(enabled = true): MembersProgress {
    return new MembersProgress(enabled && Boolean(process.stdout.isTTY));
  }

  /** Member `member` has run step `step` of `total`, with loss `loss`. */
  update(member: number, step: number, total: number, loss: number): void {
    if (!this.enabled) return;
    this.multibar ??= new cliProgress.MultiBar(
      {
        format: 'member {member} [{bar}] {value}/{total} | {rate} steps/s | ETA {eta_formatted} | loss {loss}',
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        stream: process.stdout,
      },
      cliProgress.Presets.shades_classic,
    );
    let entry = this.bars.get(member);
    if (!entry) {
      entry = { bar: this.multibar.create(total, step, { member, rate: '-', loss: '-' }), started: performance.now(), firstStep: step };
      this.bars.set(member, entry);
    }
    const seconds = (performance.now() - entry.started) / 1000;
    entry.bar.update(step, { member, rate: seconds > 0 ? ((step - entry.firstStep) / seconds).toFixed(2) : '-', loss: loss.toFixed(4) });
  }

  /** Member `member` has ended: its line goes. */
  done(member: number): void {
    const entry = this.bars.get(member);
    if (!entry) return;
    this.multibar?.remove(entry.bar);
    this.bars.delete(member);
  }

  /** Prints a line above the progress lines (or with `fallback` when none are shown). */
  log(line: string, fallback: (line: string) => void): void {
    if (!this.multibar) return fallback(line);
    this.multibar.log(`${line}\n`);
    this.multibar.update();
  }

  stop(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bars.clear();
  }
}
