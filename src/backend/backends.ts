import { tf } from './tf.js';
import { installKernelFixes } from './kernel_fixes.js';

export { installKernelFixes };

/** A tfjs backend trax-ts knows how to run on. @public */
export type BackendName = 'wasm' | 'webgl' | 'cpu';

const KNOWN: readonly BackendName[] = ['wasm', 'webgl', 'cpu'];

/**
 * Switches the active tfjs backend, at any time, and installs trax-ts's kernel replacements
 * ({@link installKernelFixes}) if they are not installed yet.
 *
 * Tensors and layer weights created before the switch keep working after it: tfjs moves their data to the new
 * backend on first use. Throws (instead of silently staying on the old backend) when the backend cannot start,
 * for example `webgl` in Node.
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * ```
 * @public
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (!KNOWN.includes(name)) {
    throw new Error(`useBackend: unknown backend '${String(name)}'; expected one of ${KNOWN.join(', ')}`);
  }
  installKernelFixes();
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`useBackend: the '${name}' backend failed to initialise on this platform`);
  await tf.ready();
}

/** The name of the active backend. @public */
export function currentBackend(): string {
  return tf.getBackend();
}

/**
 * Waits until tfjs's active backend (the one `useBackend` chose, or tfjs's default: wasm where it is registered)
 * is initialised, installs trax-ts's kernel replacements, and returns the backend's name. Loaders call it before
 * they create tensors, so that loading works without a prior `useBackend`.
 *
 * @example
 * ```ts
 * import { readyBackend } from 'trax-ts';
 * console.log(`running on ${await readyBackend()}`);
 * ```
 * @public
 */
export async function readyBackend(): Promise<string> {
  installKernelFixes();
  await tf.ready();
  return tf.getBackend();
}
