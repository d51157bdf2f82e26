/** Receives the training loop's log lines (Trax's format); `console.log` by default. @public */
export type Logger = (line: string) => void;

/** `Step    100: <message>`: the step right-aligned in 6 columns, as Trax prints it. */
export function stepLine(step: number, message: string): string {
  return `Step ${String(step).padStart(6)}: ${message}`;
}

/** `% .8f`: eight decimals, a space where a minus sign would go. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return ' nan';
  if (!Number.isFinite(value)) return value > 0 ? ' inf' : '-inf';
  return value < 0 || Object.is(value, -0) ? `-${Math.abs(value).toFixed(8)}` : ` ${value.toFixed(8)}`;
}

/** `train CrossEntropyLoss |  0.12345678`: mode padded to 5, name right-aligned to `width`. */
export function metricLine(mode: 'train' | 'eval', name: string, value: number, width: number): string {
  return `${mode.padEnd(5)} ${name.padStart(width)} | ${formatValue(value)}`;
}
