/** The command-line reading the benchmarks share: flags, some followed by a value. */

/** The value after the flag being read, taken from the arguments when asked for. */
export interface FlagValue {
  /** The next argument as it is; throws `<flag> needs a value` when there is none. */
  text(): string;
  /** The next argument as an integer >= 1; throws `<flag> needs a positive integer` otherwise. */
  positiveInt(): number;
}

/**
 * Hands each flag of `argv` to `onFlag`, in order, with a reader of its value: a flag that reads its value consumes
 * the argument after it. `onFlag` throws on a flag it does not know.
 */
export function forEachFlag(argv: readonly string[], onFlag: (flag: string, value: FlagValue) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const text = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const positiveInt = (): number => {
      const v = Number(text());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive integer`);
      return v;
    };
    onFlag(flag, { text, positiveInt });
  }
}
