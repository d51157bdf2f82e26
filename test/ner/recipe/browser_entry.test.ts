/** src/ner/browser.ts must bundle for the browser without any Node built-in (fs, zlib, ...). */
import { build } from 'esbuild';
import { builtinModules } from 'node:module';

test('the browser entry of ner imports no Node built-in module', async () => {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const imported: string[] = [];
  const result = await build({
    entryPoints: ['src/ner/browser.ts'],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    metafile: true,
    plugins: [
      {
        name: 'watch-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (builtins.has(args.path)) imported.push(`${args.path} (from ${args.importer})`);
            return undefined;
          });
        },
      },
    ],
  });
  // Dependencies map their optional built-ins away through their "browser" fields; our sources must have none.
  expect(imported.filter((i) => !/node_modules\//.test(i))).toEqual([]);
  const sources = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('src/'));
  expect(sources).toContain('src/ner/export/load.ts');
  expect(sources.filter((p) => /corpus\/(read_|source_bytes)|node_files|training\//.test(p))).toEqual([]);
});
