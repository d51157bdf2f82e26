/**
 * Ctrl-C for the CLI: the first SIGINT asks the run to stop after the current step (with a checkpoint; before
 * training has started, at once, with nothing written), the second quits at once (exit 130). Installed by the
 * entry point before anything slow is loaded, so an early Ctrl-C is never the default kill. No imports beyond
 * Node's: this module must load in an instant.
 */

/** What the training run reads after every step. */
export interface StopSignal {
  readonly requested: boolean;
}

const state = { requested: false };
let installed = false;

/**
 * Where a launcher (the package's bin) leaves its early Ctrl-C handler, installed before it imports the CLI: a
 * bundle evaluates its imports (tfjs: a noticeable moment) before any of its code runs, so only a file that loads
 * first can catch a Ctrl-C then. The launcher does, before `await import(...)` of the CLI:
 *
 * ```js
 * const early = { requested: false, handler: () => { if (early.requested) process.exit(130); early.requested = true; } };
 * globalThis[Symbol.for('trax-ts.ner.earlyStop')] = early;
 * process.on('SIGINT', early.handler);
 * ```
 *
 * {@link installStopSignal} then removes that handler and takes over its request.
 */
export const EARLY_STOP_KEY = Symbol.for('trax-ts.ner.earlyStop');

interface EarlyStop {
  requested: boolean;
  handler: () => void;
}

function onSigint(): void {
  if (state.requested) process.exit(130);
  state.requested = true;
  process.stderr.write('\nStopping after this step (Ctrl-C again to quit at once)...\n');
}

/** Installs the SIGINT handler (once) and returns the signal it raises. */
export function installStopSignal(): StopSignal {
  if (!installed) {
    process.on('SIGINT', onSigint);
    installed = true;
    const early = (globalThis as Record<symbol, EarlyStop | undefined>)[EARLY_STOP_KEY];
    if (early) {
      process.off('SIGINT', early.handler);
      delete (globalThis as Record<symbol, unknown>)[EARLY_STOP_KEY];
      if (early.requested) {
        state.requested = true;
        process.stderr.write('\nStopping (Ctrl-C during start-up; Ctrl-C again to quit at once)...\n');
      }
    }
  }
  return state;
}

/** Removes the handler and clears the request (the CLI run in-process, as tests do, ends with this). */
export function releaseStopSignal(): void {
  if (installed) process.off('SIGINT', onSigint);
  installed = false;
  state.requested = false;
}
