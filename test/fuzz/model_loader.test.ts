/**
 * Fuzz (property-based, fast-check) over the exported-model loader: 500 random mutations of a valid exported
 * tagger directory (bytes flipped, files truncated, extended, removed or swapped, JSON values replaced or
 * removed). Every case ends in a loaded tagger or a `TaggerLoadError`, never another exception or a hang; a damaged
 * vocabs.json or weights.bin is never loaded; an edited tagger.json that still loads is loaded as it says (its
 * configuration) and tags without error. Seeded: the same cases every run.
 */
import fc from 'fast-check';
import { useBackend } from '../../src/backend/backends.js';
import { tf } from '../../src/backend/tf.js';
import { TaggerLoadError } from '../../src/ner/export/format.js';
import { loadTagger } from '../../src/ner/export/load.js';
import { taggerFiles } from '../../src/ner/export/save.js';
import { NerTagger } from '../../src/ner/tagger/ner_tagger.js';
import { randomMember } from '../ner/tagger/helpers.js';
import { HANG_GUARD_MS } from '../helpers/hang_guard.js';

const RUNS = 500;
const CASE_TIMEOUT_MS = 120_000; // hang guard: a case loads a tiny model in milliseconds
jest.setTimeout(HANG_GUARD_MS);

const TEXT = 'George Bush visited Iraq in 2005. Thousands marched in London.';
let original: Map<string, Uint8Array>;
let expected: string;

beforeAll(async () => {
  await useBackend('wasm');
  const tagger = new NerTagger(randomMember(11, { crf: true }));
  const files = await taggerFiles(tagger, { note: 'fuzz' });
  original = new Map([...files].map(([name, data]) => [name, typeof data === 'string' ? new TextEncoder().encode(data) : data]));
  expected = JSON.stringify(tagger.tag(TEXT));
  tagger.dispose();
});

type Mutation =
  | { kind: 'flip'; file: number; at: number; bit: number }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'append'; file: number; bytes: Uint8Array }
  | { kind: 'remove'; file: number }
  | { kind: 'swap'; file: number; other: number }
  | { kind: 'json-set'; file: number; path: number[]; value: unknown }
  | { kind: 'json-delete'; file: number; path: number[] };

const fileIndex = fc.nat({ max: 2 });
const path = fc.array(fc.nat(), { minLength: 1, maxLength: 5 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), file: fileIndex, at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), file: fileIndex, at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), file: fileIndex, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('remove' as const), file: fileIndex }),
  fc.record({ kind: fc.constant('swap' as const), file: fileIndex, other: fileIndex }),
  fc.record({ kind: fc.constant('json-set' as const), file: fc.constantFrom(0, 1), path, value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('json-delete' as const), file: fc.constantFrom(0, 1), path }),
);

/** The JSON node reached by choosing, at each level, child `i mod count`: [parent, key] of the last step. */
function walk(root: unknown, steps: readonly number[]): [Record<string, unknown> | unknown[], string | number] | undefined {
  let node = root;
  let last: [Record<string, unknown> | unknown[], string | number] | undefined;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    last = [node as Record<string, unknown>, key];
    node = (node as Record<string | number, unknown>)[key];
  }
  return last;
}

const NAMES = ['tagger.json', 'vocabs.json', 'weights.bin'];

/** Applies mutations; returns the files and whether a vocabs/weights file's bytes were changed. */
function apply(mutations: readonly Mutation[]): { files: Map<string, Uint8Array>; dataChanged: boolean } {
  const files = new Map([...original].map(([n, d]) => [n, new Uint8Array(d)]));
  let dataChanged = false;
  for (const m of mutations) {
    const name = NAMES[m.file]!;
    const data = files.get(name);
    if (!data && m.kind !== 'remove') continue;
    switch (m.kind) {
      case 'flip':
        if (data!.length > 0) data![m.at % data!.length]! ^= 1 << m.bit;
        break;
      case 'truncate':
        files.set(name, data!.subarray(0, m.at % (data!.length + 1)));
        break;
      case 'append':
        files.set(name, new Uint8Array([...data!, ...m.bytes]));
        break;
      case 'remove':
        files.delete(name);
        break;
      case 'swap': {
        const other = files.get(NAMES[m.other]!);
        if (other) {
          files.set(NAMES[m.other]!, data!);
          files.set(name, other);
        }
        break;
      }
      case 'json-set':
      case 'json-delete': {
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(data));
        } catch {
          break;
        }
        const at = walk(json, m.path);
        if (!at) break;
        const [parent, key] = at;
        if (m.kind === 'json-set') (parent as Record<string | number, unknown>)[key] = m.value;
        else if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        files.set(name, new TextEncoder().encode(JSON.stringify(json)));
        break;
      }
    }
  }
  for (const n of ['vocabs.json', 'weights.bin']) {
    const a = files.get(n);
    const b = original.get(n)!;
    if (!a || a.length !== b.length || a.some((v, i) => v !== b[i])) dataChanged = true;
  }
  return { files, dataChanged };
}

describe('fuzz: the exported-model loader', () => {
  test(`${RUNS} mutations of a valid model directory: a tagger or a TaggerLoadError, never a wrong load`, async () => {
    const tensorsBefore = tf.memory().numTensors;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const { files, dataChanged } = apply(mutations);
        const reader = async (name: string): Promise<Uint8Array> => {
          const data = files.get(name);
          if (!data) throw new Error(`no such file: ${name}`);
          return data;
        };
        let tagger: NerTagger;
        try {
          tagger = await loadTagger(reader, 'fuzz');
        } catch (error) {
          if (!(error instanceof TaggerLoadError)) throw error;
          return;
        }
        loaded++;
        try {
          // Damaged vocabularies or weights never load.
          expect(dataChanged).toBe(false);
          // An edited tagger.json that loads is loaded as it says, and tags without error.
          const manifest = JSON.parse(new TextDecoder().decode(files.get('tagger.json')));
          expect(tagger.config).toEqual(
            expect.objectContaining(Object.fromEntries(Object.entries(manifest.config).filter(([, v]) => v !== undefined))),
          );
          const tagged = tagger.tag(TEXT);
          if (
            JSON.stringify(manifest.config) === JSON.stringify(JSON.parse(new TextDecoder().decode(original.get('tagger.json'))).config) &&
            manifest.decoding === 'constrained'
          ) {
            expect(JSON.stringify(tagged)).toBe(expected);
          }
        } finally {
          tagger.dispose();
        }
      }),
      { numRuns: RUNS, seed: 1806, timeout: CASE_TIMEOUT_MS },
    );
    // Refused loads free what they made.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(loaded).toBeGreaterThan(0);
  });
});
