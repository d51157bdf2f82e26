/**
 * Safetensors files on disk (Node only; the browser-safe functions work on bytes, see `layer_safetensors.ts`).
 */
import { promises as fs } from 'node:fs';
import type { Layer } from '../core/base.js';
import { writeFileAtomic } from '../training/atomic_fs.js';
import { exportSafetensors, importSafetensors } from './layer_safetensors.js';
import { SafetensorsError } from './safetensors.js';

/**
 * Writes an initialised layer's weights to a safetensors file (see {@link exportSafetensors}), atomically: the
 * file is written under a temporary name and renamed into place. Returns the file's path.
 * @public
 */
export async function saveSafetensors(layer: Layer, file: string, metadata: Readonly<Record<string, string>> = {}): Promise<string> {
  await writeFileAtomic(file, await exportSafetensors(layer, metadata));
  return file;
}

/**
 * Loads a safetensors file into an initialised layer of the same architecture (see {@link importSafetensors});
 * returns the file's metadata. A file that cannot be read, is malformed or does not fit is refused with a
 * {@link SafetensorsError} that names the file.
 * @public
 */
export async function loadSafetensors(layer: Layer, file: string): Promise<Record<string, string>> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new SafetensorsError(`${file}: cannot read the safetensors file (${(error as Error).message})`, { cause: error });
  }
  try {
    return importSafetensors(layer, bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}
