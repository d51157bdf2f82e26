/**
 * Progress lines of a training run: steps, loss, speed and the ETA, one line each (readable in a log file too).
 */

/** `75`, `4m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * `step 150/1200  loss 2.1340 (3.08 bits/char)  2.10 steps/s  elapsed 1m11s  ETA 8m20s`: `done` steps in `seconds`
 * in this invocation set the speed and the ETA of the steps left.
 */
export function progressLine(p: { step: number; total: number; done: number; seconds: number; loss: number }): string {
  const rate = p.seconds > 0 ? p.done / p.seconds : 0;
  const eta = rate > 0 ? formatDuration((p.total - p.step) / rate) : '?';
  return (
    `step ${p.step}/${p.total}  loss ${p.loss.toFixed(4)} (${(p.loss / Math.LN2).toFixed(2)} bits/char)  ` +
    `${rate.toFixed(2)} steps/s  elapsed ${formatDuration(p.seconds)}  ETA ${eta}`
  );
}
