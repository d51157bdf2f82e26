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
  }
  return state;
}

/** Removes the handler and clears the request (the CLI run in-process, as tests do, ends with this). */
export function releaseStopSignal(): void {
  if (installed) process.off('SIGINT', onSigint);
  installed = false;
  state.requested = false;
}
