/**
 * The architecture as the import graph of src/ shows it (read by madge from the TypeScript sources, type-only
 * imports included): no import cycle, and a stack of layers where each imports only from itself and the layers
 * below it. The layer contract (src/core) stands on tfjs (src/backend) and the keys (src/rng) alone.
 */
import { join } from 'node:path';
import madge from 'madge';

const ROOT = join(__dirname, '..', '..');

/**
 * The layers of the stack, lowest first: a module of one may import modules of the same layer and of those before
 * it, never of those after it. The folders above the stack (ner, training, io) and the entries (index.ts,
 * browser.ts) are not ranked.
 */
const STACK = [
  'backend',
  'rng',
  'core',
  'layers',
  'combinators',
  'optimizers',
  'data',
  'decoding',
  'rnn',
  'metrics',
  'reversible',
  'attention',
  'models',
] as const;

/** The only modules outside src/core that src/core imports: tfjs and the kernels a layer's init installs, the keys. */
const CORE_IMPORTS_OUTSIDE = ['backend/tf.ts', 'backend/install_kernels.ts', 'rng/key.ts'];

const folderOf = (module: string): string => module.split('/')[0]!;

let graph: Record<string, string[]>;
let cycles: string[][];
let skipped: string[];

beforeAll(async () => {
  const result = await madge(join(ROOT, 'src'), { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json') });
  graph = result.obj();
  cycles = result.circular();
  skipped = result.warnings().skipped;
});

test('madge reads every module of src and resolves every import', () => {
  expect(skipped).toEqual([]);
  expect(Object.keys(graph)).toEqual(expect.arrayContaining(['index.ts', 'browser.ts', 'core/base.ts', 'training/loop.ts']));
  expect(graph['core/base.ts']).toEqual(expect.arrayContaining(['core/tensor_tree.ts', 'core/types.ts']));
});

test('src has no import cycle', () => {
  expect(cycles.map((cycle) => cycle.join(' -> '))).toEqual([]);
});

test('each layer of the stack imports only from itself and the layers below it', () => {
  const rank = new Map<string, number>(STACK.map((folder, i) => [folder, i]));
  const upward: string[] = [];
  for (const [module, imports] of Object.entries(graph)) {
    const from = rank.get(folderOf(module));
    if (from === undefined) continue;
    for (const imported of imports) {
      const to = rank.get(folderOf(imported));
      if (to === undefined || to > from) upward.push(`${module} -> ${imported}`);
    }
  }
  expect(upward).toEqual([]);
});

test('src/core imports nothing outside src/core but tfjs, the kernel installer and the keys', () => {
  const outside = Object.entries(graph)
    .filter(([module]) => folderOf(module) === 'core')
    .flatMap(([module, imports]) => imports.filter((m) => folderOf(m) !== 'core').map((m) => `${module} -> ${m}`));
  expect(outside.filter((edge) => !CORE_IMPORTS_OUTSIDE.includes(edge.split(' -> ')[1]!))).toEqual([]);
});

test('src/layers never imports the combinators', () => {
  const combinators = Object.entries(graph)
    .filter(([module]) => folderOf(module) === 'layers')
    .flatMap(([module, imports]) => imports.filter((m) => folderOf(m) === 'combinators').map((m) => `${module} -> ${m}`));
  expect(combinators).toEqual([]);
});
