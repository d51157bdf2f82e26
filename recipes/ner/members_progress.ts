/**
 * The live progress of ensemble members trained at the same time: one line per running member (step, steps per
 * second, ETA, last loss), drawn with cli-progress when stdout is a terminal; log lines print above the lines.
 */
import { type ProgressBarLine, ProgressBars, stepRate } from '../../src/index.js';

export class MembersProgress extends ProgressBars {
  private readonly bars = new Map<number, { bar: ProgressBarLine; started: number; firstStep: number }>();

  private constructor(enabled: boolean) {
    super(enabled, 'member {member} [{bar}] {value}/{total} | {rate} steps/s | ETA {eta_formatted} | loss {loss}');
  }

  /** Progress lines that are drawn only when `enabled` and stdout is a terminal. */
  static create(enabled = true): MembersProgress {
    return new MembersProgress(enabled);
  }

  /** Member `member` has run step `step` of `total`, with loss `loss`. */
  update(member: number, step: number, total: number, loss: number): void {
    let entry = this.bars.get(member);
    if (!entry) {
      const bar = this.addBar(total, step, { member, rate: '-', loss: '-' });
      if (!bar) return;
      entry = { bar, started: performance.now(), firstStep: step };
      this.bars.set(member, entry);
    }
    entry.bar.update(step, { member, rate: stepRate(step - entry.firstStep, entry.started), loss: loss.toFixed(4) });
  }

  /** Member `member` has ended: its line goes. */
  done(member: number): void {
    const entry = this.bars.get(member);
    if (!entry) return;
    this.removeBar(entry.bar);
    this.bars.delete(member);
  }

  override stop(): void {
    super.stop();
    this.bars.clear();
  }
}
