/**
 * Splittable, deterministic random keys, in the style of JAX.
 *
 * A key is a pair of unsigned 32-bit words. It is never mutated: `split` and `foldIn` derive new keys from it,
 * and drawing random numbers from a key always gives the same numbers. The bits come from the Threefry-2x32
 * block cipher (20 rounds, Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), computed in
 * JavaScript, so the same key gives bit-identical numbers on every tfjs backend.
 */

/** A random key: two unsigned 32-bit words. @public */
export type Key = readonly [number, number];

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
const DOMAIN_SPLIT = 0;
const DOMAIN_FOLD = 0x40000000;
const DOMAIN_BITS = 0x80000000;

/** Threefry-2x32, 20 rounds: encrypts the counter (x0, x1) under the key (k0, k1). */
export function threefry2x32(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = (x0 + ks[0]!) >>> 0;
  let b = (x1 + ks[1]!) >>> 0;
  for (let block = 0; block < 5; block++) {
    const offset = (block & 1) * 4;
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[offset + r]!;
      a = (a + b) >>> 0;
      b = (((b << rot) | (b >>> (32 - rot))) ^ a) >>> 0;
    }
    a = (a + ks[(block + 1) % 3]!) >>> 0;
    b = (b + ks[(block + 2) % 3]! + block + 1) >>> 0;
  }
  return [a, b];
}

function checkKey(key: Key, op: string): void {
  if (!Array.isArray(key) || key.length !== 2 || !key.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw new TypeError(`${op}: expected a random key (two unsigned 32-bit integers), got ${JSON.stringify(key)}`);
  }
}

/**
 * Makes a key from an integer seed. Seeds up to 2^53 are used whole.
 * @public
 */
export function makeKey(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`makeKey: the seed must be a non-negative safe integer, got ${seed}`);
  }
  return [Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0];
}

/**
 * Derives `n` independent keys from `key`.
 * @public
 */
export function splitKey(key: Key, n = 2): Key[] {
  checkKey(key, 'splitKey');
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) keys.push(threefry2x32(key[0], key[1], i, DOMAIN_SPLIT));
  return keys;
}

/**
 * Derives a key from `key` and an integer, such as a step number or a layer index.
 * @public
 */
export function foldIn(key: Key, data: number): Key {
  checkKey(key, 'foldIn');
  return threefry2x32(key[0], key[1], data >>> 0, (DOMAIN_FOLD | Math.floor(data / 2 ** 32)) >>> 0);
}

/**
 * `n` random 32-bit words from `key`.
 * @public
 */
export function randomBits(key: Key, n: number): Uint32Array {
  checkKey(key, 'randomBits');
  const out = new Uint32Array(n);
  // threefry2x32(key, (c, DOMAIN_BITS)) for each counter c, inlined with its rounds unrolled (no arrays made per
  // pair: dropout masks draw hundreds of thousands of words a training step). The same words as threefry2x32.
  // The words as int32 (the same bits): additions wrap with `| 0`.
  const k0 = key[0] | 0;
  const k1 = key[1] | 0;
  const k2 = k0 ^ k1 ^ 0x1bd11bda;
  const b0 = (DOMAIN_BITS + k1) | 0;
  for (let c = 0; 2 * c < n; c++) {
    let a = (c + k0) | 0;
    let b = b0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k1) | 0;
    b = (b + k2 + 1) | 0;
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k2) | 0;
    b = (b + k0 + 2) | 0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k0) | 0;
    b = (b + k1 + 3) | 0;
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + k1) | 0;
    b = (b + k2 + 4) | 0;
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + k2) | 0;
    b = (b + k0 + 5) | 0;
    out[2 * c] = a;
    if (2 * c + 1 < n) out[2 * c + 1] = b;
  }
  return out;
}

/** `n` floats uniform in [0, 1), with 24 random bits each (exactly representable in float32). */
export function uniformFloats(key: Key, n: number): Float32Array {
  const bits = randomBits(key, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (bits[i]! >>> 8) * 2 ** -24;
  return out;
}

/** `n` standard normal floats (Box-Muller on pairs of uniforms). */
export function normalFloats(key: Key, n: number): Float32Array {
  const u = uniformFloats(key, n + (n % 2));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - u[i]!));
    const angle = 2 * Math.PI * u[i + 1]!;
    out[i] = radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/**
 * A seeded permutation of 0..n-1 (Fisher-Yates driven by `key`).
 * @public
 */
export function permutation(key: Key, n: number): number[] {
  const bits = randomBits(key, n);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((bits[i]! / 2 ** 32) * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
