#!/usr/bin/env node
// Builds the package into dist/ (what `npm pack` ships; `prepack` runs this):
//   index.js      the Node entry (src/index.ts): an ESM bundle of src/, dependencies external, tfjs-core's
//                 gradient and chained-op registration files bundled so that plain Node can load it
//   browser.js    the browser-safe entry (src/browser.ts), for bundlers: no Node built-in anywhere in it
//   ner_tagger_worker.js  the worker threads of ner.NerTaggerPool (src/ner/tagger/tagger_worker.ts), which the
//                 library starts from beside index.js (and cli-main.js)
//   cli.js        the `trax-ner` command: a launcher that catches Ctrl-C from its first moment, then imports
//   cli-main.js   the CLI itself (recipes/ner.ts), dependencies external; ensemble members are forked from it
//   require.cjs   what `require('trax-ts')` loads: an error saying the package is ESM-only, with the import() line
//   types/        TypeScript declarations of every module under src/ (index.d.ts, browser.d.ts), emitted by tsc
//                 file by file so that tfjs's chained-op declarations (`x.square()`) reach the package's users
// API Extractor (npm run api) reads dist/types/index.d.ts for the API report.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { externalDependencies, nodeOptions, workerEntries } from './esbuild_options.mjs';

rmSync('dist', { recursive: true, force: true });

const shared = { ...nodeOptions, sourcemap: false };

await build({
  ...shared,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  banner: undefined,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
});

// The worker entries, as Node bundles beside index.js (where the library looks for them).
await build({ ...shared, entryPoints: workerEntries, outdir: 'dist' });

await build({
  ...shared,
  platform: 'browser',
  target: 'es2022',
  banner: undefined,
  entryPoints: ['src/browser.ts'],
  outfile: 'dist/browser.js',
  // Any Node built-in reaching the browser entry is a bug: refuse it instead of marking it external.
  plugins: [
    {
      name: 'no-node-builtins',
      setup(b) {
        b.onResolve({ filter: /^node:/ }, (args) => ({
          errors: [{ text: `the browser entry must not import ${args.path} (imported by ${args.importer})` }],
        }));
      },
    },
    externalDependencies,
  ],
});

await build({
  ...shared,
  entryPoints: ['recipes/ner.ts'],
  outfile: 'dist/cli-main.js',
});
// The bin: a bundle evaluates all its imports (tfjs, a noticeable moment) before any of its own code runs, so a
// Ctrl-C then would be the default kill. This file has no imports: it installs the early handler of
// recipes/ner/stop_signal.ts (EARLY_STOP_KEY), which the CLI takes over once loaded, and then loads the CLI.
writeFileSync(
  'dist/cli.js',
  `#!/usr/bin/env node
// trax-ner: Ctrl-C is caught from here on (the CLI takes the request over once loaded: recipes/ner/stop_signal.ts).
const early = {
  requested: false,
  handler: () => {
    if (early.requested) process.exit(130);
    early.requested = true;
  },
};
globalThis[Symbol.for('trax-ts.ner.earlyStop')] = early;
process.on('SIGINT', early.handler);
await import('./cli-main.js');
`,
);
chmodSync('dist/cli.js', 0o755);

writeFileSync(
  'dist/require.cjs',
  `'use strict';
// trax-ts is an ES module package (its entry uses top-level await through tfjs's wasm backend and ES imports).
throw new Error(
  "trax-ts is ESM-only and cannot be loaded with require(). In CommonJS, load it with dynamic import:\\n" +
    "  const trax = await import('trax-ts');\\n" +
    "or write your module as ESM (\\"type\\": \\"module\\" in package.json, or a .mjs file) and use: import { Serial } from 'trax-ts';",
);
`,
);
writeFileSync(
  'dist/require.d.cts',
  `/** trax-ts is ESM-only: from CommonJS, load it with \`const trax = await import('trax-ts')\`. */\ndeclare const esmOnly: never;\nexport = esmOnly;\n`,
);

execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
console.log(
  `built trax-ts ${version}: dist/index.js, dist/browser.js, dist/cli.js (+ cli-main.js), ${Object.keys(workerEntries)
    .map((n) => `dist/${n}.js`)
    .join(', ')}, dist/require.cjs, dist/types/`,
);
