/**
 * Runs every ```ts block of the guide and the README against the library, and checks that what each block prints
 * is what its `// prints:` comments say, so the documentation cannot rot.
 */
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import * as trax from '../../src/index.js';

const ROOT = join(__dirname, '..', '..');

interface Block {
  file: string;
  index: number;
  code: string;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, index) => ({ file, index, code: m[1]! }));
}

function expectedOutput(code: string): string[] {
  return [...code.matchAll(/^\s*\/\/ prints: ?(.*)$/gm)].map((m) => m[1]!);
}

/** Type-strips a block and replaces its `import ... from 'trax-ts'` lines by reads from the library object. */
function runnable(code: string): string {
  const js = transformSync(code, { loader: 'ts', format: 'esm' }).code;
  return js.replace(
    /import\s*\{([^}]*)\}\s*from\s*["']trax-ts["'];?/g,
    (_, names: string) => `const {${names.replace(/\bas\b/g, ':')}} = __trax;`,
  );
}

beforeAll(async () => {
  await trax.useBackend('wasm');
});

const blocks = ['docs/guide.md', 'README.md'].flatMap(blocksOf).filter((b) => expectedOutput(b.code).length > 0);

test('the documentation has runnable examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(8);
});

test.each(blocks.map((b) => [`${b.file} block ${b.index + 1}`, b] as const))('%s prints what it says', async (_, block) => {
  const printed: string[] = [];
  // `console.log`'s own formatting (util.format), so that the comments say what node prints.
  const fakeConsole = { log: (...args: unknown[]) => printed.push(...format(...args).split('\n')) };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...a: unknown[]) => Promise<void>;
  await new AsyncFunction('__trax', 'console', runnable(block.code))(trax, fakeConsole);
  expect(printed).toEqual(expectedOutput(block.code));
});
