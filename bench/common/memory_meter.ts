/**
 * Peak-memory meter for tfjs: the high-water mark of live tensor data while a function runs.
 *
 * Method: every tensor object tfjs makes passes through `engine.trackTensor` (kernel outputs, views such as
 * `reshape`, tensors from host data, variables) and every disposal through `engine.disposeTensor`. The meter wraps
 * both on the engine instance and keeps its own count of tensor objects per data buffer (data id), so that a buffer
 * shared by several tensor objects is counted once: `tf.memory().numBytes` counts bytes per tensor object, which
 * counts shared buffers several times (every `reshape` is a view on cpu and wasm). It samples the live total each
 * time a new buffer appears, which is when memory can reach a new high. Memory a backend uses inside a kernel
 * without making tensors is not counted. Install the meter before creating the tensors to be measured: buffers
 * made before it are not seen.
 */
// tfjs-core itself, not src/backend/tf.ts: a benchmark peer uses the meter without trax-ts's kernel changes.
import * as tf from '@tensorflow/tfjs-core';

interface TensorLike {
  dataId: object;
  size: number;
  dtype: string;
}

interface EngineInternals {
  trackTensor: (a: TensorLike, backend?: unknown) => void;
  disposeTensor: (a: TensorLike) => void;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** Live data buffers seen by the meter: tensor objects and bytes per data id. */
const buffers = new Map<object, { objects: number; bytes: number }>();
let liveBytes = 0;
let peakBytes = 0;
let installed = false;
let limitBytes = Infinity;

/**
 * Thrown by the meter when a new buffer takes the live tensor bytes above the limit set by
 * {@link setTensorMemoryLimit}: the step that made it is abandoned (tfjs disposes its scopes' tensors as the error
 * unwinds). Catch it where a configuration may not fit, and report it as out of memory.
 */
export class TensorMemoryLimitError extends Error {
  constructor(
    /** The live tensor bytes with the buffer that crossed the limit. */
    readonly liveBytes: number,
    /** The limit, in bytes. */
    readonly limitBytes: number,
  ) {
    super(`live tensors reached ${(liveBytes / 2 ** 20).toFixed(1)} MiB, above the limit of ${(limitBytes / 2 ** 20).toFixed(1)} MiB`);
    this.name = 'TensorMemoryLimitError';
  }
}

/**
 * Refuses to go above `bytes` of live tensor data (undefined: no limit): once installed, the meter throws a
 * {@link TensorMemoryLimitError} as soon as a new buffer takes the live total above it. On wasm, whose heap
 * corrupts data silently near 2 GiB of live tensors (../shared/TFJS-NOTES.md), this turns a configuration that
 * does not fit into an error before it can compute garbage or abort the process. At most the one allocation that
 * crosses the limit is made beyond it.
 */
export function setTensorMemoryLimit(bytes: number | undefined): void {
  if (bytes !== undefined && !(bytes > 0)) throw new RangeError(`setTensorMemoryLimit: expected a positive number of bytes, got ${bytes}`);
  limitBytes = bytes ?? Infinity;
}

/** Starts counting (once); tensors made before this are not seen. */
export function installMemoryMeter(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const track = engine.trackTensor.bind(engine);
  const dispose = engine.disposeTensor.bind(engine);
  engine.trackTensor = (a, backend) => {
    track(a, backend);
    const entry = buffers.get(a.dataId);
    if (entry) {
      entry.objects++;
    } else {
      const bytes = a.size * (BYTES[a.dtype] ?? 0);
      buffers.set(a.dataId, { objects: 1, bytes });
      liveBytes += bytes;
      if (liveBytes > peakBytes) peakBytes = liveBytes;
      if (liveBytes > limitBytes) throw new TensorMemoryLimitError(liveBytes, limitBytes);
    }
  };
  engine.disposeTensor = (a) => {
    const entry = buffers.get(a.dataId);
    dispose(a);
    if (entry && --entry.objects === 0) {
      buffers.delete(a.dataId);
      liveBytes -= entry.bytes;
    }
  };
}

/** The result of {@link measurePeak}. */
export interface PeakMeasurement<T> {
  value: T;
  /** Live tensor bytes just before `f` ran. */
  baselineBytes: number;
  /** The most live tensor bytes at any moment while `f` ran. */
  peakBytes: number;
}

/** Runs `f` and reports the high-water mark of live tensor bytes during it (see the module notes). */
export function measurePeak<T>(f: () => T): PeakMeasurement<T> {
  installMemoryMeter();
  const baselineBytes = liveBytes;
  peakBytes = liveBytes;
  const value = f();
  return { value, baselineBytes, peakBytes };
}
