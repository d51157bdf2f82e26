/**
 * Checkpoints on disk: a directory holding `checkpoint.json` (a manifest plus training metadata) and one binary
 * file per group of tensors (`weights.bin`, `slots.bin`, `state.bin`), written with tfjs's own
 * `tf.io.encodeWeights` and described by its `WeightsManifest` entries.
 *
 * Tensors are keyed by their path through the layer tree (`Serial/0/Dense_4/w`, see `namedTensors`), never by
 * position, so a checkpoint fits any model with the same paths and shapes, and a mismatch is reported by path.
 *
 * Writing is atomic: the directory is written under a temporary name, every file is flushed, the directory is
 * renamed into place, and only then is the `latest` pointer file replaced (itself by a rename). A crash at any
 * point leaves `latest` naming a complete checkpoint. Each binary file's size and SHA-256 are recorded, so a
 * damaged file is refused instead of read.
 */
import { readyBackend } from '../backend/backends.js';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_GROUPS as GROUPS,
  CheckpointError,
  type CheckpointContents,
  type CheckpointInfo,
  type CheckpointTensors,
  LATEST_POINTER,
  ROLLING_CHECKPOINT as ROLLING,
  type TensorGroup,
  type WriteCheckpointOptions,
} from './checkpoint_format.js';
import { makeDirectory, syncDirectory, temporaryName, writeDurably, writeFileAtomic } from './atomic_fs.js';

interface FileRecord {
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: string;
  step: number;
  weightsManifest: Array<{ group: TensorGroup; paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  files: Record<string, FileRecord>;
  meta: unknown;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function expectedBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (BYTES_PER[s.dtype] ?? NaN), 0);
}

/**
 * Writes a checkpoint directory `name` inside `outputDir`, atomically (see the module notes). With
 * `updateLatest`, the `latest` pointer then names it and older rolling checkpoints are removed.
 * @public
 */
export async function writeCheckpoint<M>(
  outputDir: string,
  name: string,
  contents: CheckpointContents<M>,
  options: WriteCheckpointOptions = {},
): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`writeCheckpoint: '${name}' is not a valid checkpoint name`);
  await makeDirectory(outputDir);
  const manifest: Manifest = { format: CHECKPOINT_FORMAT, step: contents.step, weightsManifest: [], files: {}, meta: contents.meta };
  const encoded: Array<[string, Uint8Array]> = [];
  for (const group of GROUPS) {
    const named: tf.NamedTensorMap = Object.fromEntries(contents.tensors[group]);
    const { data, specs } = await tf.io.encodeWeights(named, group === 'slots' ? 'optimizer' : 'model');
    const file = `${group}.bin`;
    const bytes = new Uint8Array(data);
    encoded.push([file, bytes]);
    manifest.weightsManifest.push({ group, paths: [file], weights: specs });
    manifest.files[file] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }

  const tmp = temporaryName(path.join(outputDir, name));
  await fs.mkdir(tmp);
  try {
    for (const [file, bytes] of encoded) await writeDurably(path.join(tmp, file), bytes);
    await writeDurably(path.join(tmp, 'checkpoint.json'), JSON.stringify(manifest));
    await syncDirectory(tmp);
    await options.hooks?.beforeCommit?.(tmp);
    const target = path.join(outputDir, name);
    const trash = await moveAside(target);
    await fs.rename(tmp, target);
    await syncDirectory(outputDir);
    if (trash) await fs.rm(trash, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }

  if (options.updateLatest) {
    await options.hooks?.beforeLatest?.();
    await writeFileAtomic(path.join(outputDir, LATEST_POINTER), JSON.stringify({ checkpoint: name, step: contents.step }) + '\n');
    for (const entry of await fs.readdir(outputDir)) {
      if (ROLLING.test(entry) && entry !== name) await fs.rm(path.join(outputDir, entry), { recursive: true, force: true });
    }
  }
  return path.join(outputDir, name);
}

/** Moves an existing directory out of the way (to be removed once its replacement is in place). */
async function moveAside(target: string): Promise<string | undefined> {
  try {
    await fs.access(target);
  } catch {
    return undefined;
  }
  const trash = temporaryName(target);
  await fs.rename(target, trash);
  return trash;
}

/** Removes what interrupted writes left behind (temporary files and directories). @public */
export async function removeStaleTemporaries(outputDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(outputDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.startsWith('.tmp-')) await fs.rm(path.join(outputDir, entry), { recursive: true, force: true });
  }
}

/** The directory the `latest` pointer of `outputDir` names, or undefined when there is no checkpoint. @public */
export async function latestCheckpoint(outputDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(outputDir, LATEST_POINTER), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let pointer: { checkpoint?: unknown };
  try {
    pointer = JSON.parse(text) as { checkpoint?: unknown };
  } catch (error) {
    throw new CheckpointError(`${path.join(outputDir, LATEST_POINTER)} is not valid JSON`, { cause: error });
  }
  if (typeof pointer.checkpoint !== 'string' || !/^[\w.-]+$/.test(pointer.checkpoint)) {
    throw new CheckpointError(`${path.join(outputDir, LATEST_POINTER)} does not name a checkpoint`);
  }
  return path.join(outputDir, pointer.checkpoint);
}

async function readManifest(dir: string): Promise<Manifest> {
  const manifestPath = path.join(dir, 'checkpoint.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    throw new CheckpointError(`checkpoint ${dir}: cannot read checkpoint.json (${(error as Error).message})`, { cause: error });
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`checkpoint ${dir}: unknown format '${String(manifest.format)}', expected '${CHECKPOINT_FORMAT}'`);
  }
  return manifest;
}

/**
 * The step and metadata of a checkpoint directory, from its manifest alone (no tensor is read, so it is cheap:
 * use it to ask how far a run got). Throws a {@link CheckpointError} when the manifest is missing or not a
 * checkpoint's.
 * @public
 */
export async function readCheckpointInfo<M = unknown>(dir: string): Promise<CheckpointInfo<M>> {
  const manifest = await readManifest(dir);
  return { step: manifest.step, meta: manifest.meta as M };
}

/**
 * Reads and checks a checkpoint directory: the manifest must parse, and each binary file must have the recorded
 * size and SHA-256 (else a {@link CheckpointError} names the file). The caller owns the returned tensors.
 * @public
 */
export async function readCheckpoint<M = unknown>(dir: string): Promise<CheckpointContents<M>> {
  await readyBackend();
  const manifest = await readManifest(dir);
  const tensors: CheckpointTensors = { weights: new Map(), slots: new Map(), state: new Map() };
  try {
    for (const group of GROUPS) {
      const entry = manifest.weightsManifest.find((e) => e.group === group);
      if (!entry) throw new CheckpointError(`checkpoint ${dir}: the manifest has no '${group}' group`);
      const file = entry.paths[0]!;
      const record = manifest.files[file];
      const want = expectedBytes(entry.weights);
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(path.join(dir, file));
      } catch (error) {
        throw new CheckpointError(`checkpoint ${dir}: cannot read ${file} (${(error as Error).message})`, { cause: error });
      }
      if (!record || bytes.byteLength !== want || record.bytes !== want || sha256(bytes) !== record.sha256) {
        throw new CheckpointError(
          `checkpoint ${dir}: ${file} is damaged (${bytes.byteLength} bytes, the manifest describes ${want}` +
            (record && bytes.byteLength === want ? ', checksum mismatch' : '') +
            ')',
        );
      }
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      for (const [name, t] of Object.entries(tf.io.decodeWeights(data, entry.weights))) tensors[group].set(name, t);
    }
  } catch (error) {
    for (const group of GROUPS) tf.dispose([...tensors[group].values()]);
    throw error;
  }
  return { step: manifest.step, tensors, meta: manifest.meta as M };
}
