#!/usr/bin/env node
// Builds the browser bundle of trax-ts into build/browser/ (a self-contained static site):
//   trax.js        ESM bundle of browser/entry.ts: src/index.ts with tfjs-core, its gradient and chained-op
//                  registration and the cpu, wasm and webgl backends (webgl split into chunks/, loaded on
//                  useBackend('webgl'))
//   checks.js      the page-side checks (browser/checks.ts) the browser tests run; it takes the library as an argument
//                  and bundles none of it
//   *.wasm         tfjs-backend-wasm's binaries, which trax.js points setWasmPaths at (relative to its own URL)
//   *.html         the pages of browser/ (the test harness)
//   demo/          the NER demo page of recipes/demo/: index.html, demo.css, sample.json, demo.js (the page) and
//                  worker.js (the module worker that computes), which import the library from ../trax.js (they
//                  bundle none of it: one copy of trax-ts and tfjs per context); code they share (the engine, which
//                  the page also runs on its main thread as a fallback) is in demo/chunk-*.js
// Usage: node scripts/build_browser.mjs [--minify] [--outdir DIR]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const minify = args.includes('--minify');
const outdirArg = args.indexOf('--outdir');
const outdir = resolve(root, outdirArg >= 0 ? args[outdirArg + 1] : 'build/browser');

const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

/**
 * Node's built-in modules have no browser counterpart, yet the library's root module also exports Node-only parts
 * (checkpoint files, corpus readers, the progress bar, the chart renderer). Rather than fail the build, each built-in
 * imported outside tfjs (whose packages map their few built-ins away through their "browser" fields) resolves to a
 * stub with the real module's export names, every one a proxy that throws "<module>.<name> is Node-only ..." when
 * called or constructed. The Node-only features fail on use, with that message; everything else loads.
 */
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const nodeBuiltinStubs = {
  name: 'node-builtin-stubs',
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => {
      if (!builtins.has(args.path) || /[\\/]node_modules[\\/]@tensorflow[\\/]/.test(args.importer)) return undefined;
      return { path: args.path.replace(/^node:/, ''), namespace: 'node-builtin-stub' };
    });
    b.onResolve({ filter: /^node-builtin-stub-runtime$/ }, () => ({ path: 'runtime', namespace: 'node-builtin-stub-runtime' }));
    // CommonJS, so that `require('events')` gets the stub itself (a constructor: `class extends EventEmitter` must
    // still load) and ES imports get its properties, which are the real module's export names.
    b.onLoad({ filter: /.*/, namespace: 'node-builtin-stub-runtime' }, () => ({
      loader: 'js',
      contents: `function nodeOnly(name, names) {
  const fail = () => { throw new Error(name + ' is Node-only: it is not available in the browser build of trax-ts'); };
  const target = function () { fail(); };
  for (const key of names || []) Object.defineProperty(target, key, { value: nodeOnly(name + '.' + key), enumerable: true });
  return new Proxy(target, {
    get(t, key) {
      if (Object.prototype.hasOwnProperty.call(t, key)) return t[key];
      if (typeof key === 'symbol' || key === 'then' || key === '__esModule') return undefined;
      return nodeOnly(name + '.' + key);
    },
    apply: fail,
    construct: fail,
  });
}
module.exports = { nodeOnly };`,
    }));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin-stub' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const names = Object.keys(real).filter((k) => k !== 'default' && !['length', 'name', 'prototype', 'caller', 'arguments'].includes(k));
      return {
        loader: 'js',
        contents: `const { nodeOnly } = require('node-builtin-stub-runtime');\nmodule.exports = nodeOnly('node:${args.path}', ${JSON.stringify(names)});`,
      };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  // Layer names default to the class name (src/core/base.ts) and checkpoints name weights by paths made of layer
  // names, so identifiers are never minified. esbuild's keepNames cannot be used instead: it inserts calls to a
  // bundle-level __name helper into tfjs-backend-wasm's threaded module factory, which tfjs re-evaluates from its
  // source text inside a worker, where __name does not exist (ReferenceError, and useBackend('wasm') never settles).
  minifyWhitespace: minify,
  minifySyntax: minify,
  minifyIdentifiers: false,
  logLevel: 'warning',
  outdir,
  plugins: [nodeBuiltinStubs],
  // csv-parse's main entry uses Node's Buffer at load time; its browser build carries its own.
  alias: { 'csv-parse': 'csv-parse/browser/esm' },
};

// The library. Splitting keeps the webgl backend (imported dynamically by useBackend) out of the main file.
await build({
  ...common,
  entryPoints: { trax: 'browser/entry.ts' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// The page-side checks: the library reaches them as an argument, so nothing of src/ (or tfjs) is bundled here.
await build({ ...common, entryPoints: { checks: 'browser/checks.ts' } });

/**
 * The demo imports the library as `browser/entry.js` (so TypeScript checks it against the sources); in the bundle
 * that import becomes `../trax.js`, the library bundle beside it. Any other way into src/ or tfjs would bundle a
 * second copy of them (two tfjs engines in one page), so it fails the build; so does any other package, except those
 * of DEMO_PACKAGES.
 */
/** Packages the demo may bundle itself: small, and neither trax-ts nor tfjs. */
const DEMO_PACKAGES = ['ts-pattern'];
const libraryFromTraxJs = {
  name: 'library-from-trax-js',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (/(^|\/)browser\/entry(\.js|\.ts)?$/.test(args.path)) return { path: '../trax.js', external: true };
      if (/^\.\.?\//.test(args.path)) {
        const target = resolve(dirname(args.importer), args.path);
        if (!target.startsWith(join(root, 'recipes', 'demo'))) {
          return {
            errors: [{ text: `the demo must reach the library through browser/entry.js (bundled as ../trax.js), not ${args.path}` }],
          };
        }
        return undefined;
      }
      if (DEMO_PACKAGES.some((p) => args.path === p || args.path.startsWith(`${p}/`))) return undefined;
      return {
        errors: [
          { text: `the demo must reach the library through browser/entry.js (bundled as ../trax.js), not the package ${args.path}` },
        ],
      };
    });
  },
};
// The page and its worker in one build: splitting puts the code they share in chunks beside them (in demo/, so
// that their import of ../trax.js resolves the same), and keeps the engine out of demo.js until the page needs to
// run it on its own thread (a dynamic import). The page creates the worker as new URL('./worker.js', import.meta.url).
await build({
  ...common,
  entryPoints: { 'demo/demo': 'recipes/demo/main.ts', 'demo/worker': 'recipes/demo/worker.ts' },
  splitting: true,
  chunkNames: 'demo/[name]-[hash]',
  plugins: [libraryFromTraxJs],
});

const require = createRequire(join(root, 'package.json'));
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
const copied = [];
for (const file of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) {
  copyFileSync(join(wasmDist, file), join(outdir, file));
  copied.push(file);
}
for (const file of readdirSync(join(root, 'browser')).filter((f) => f.endsWith('.html'))) {
  copyFileSync(join(root, 'browser', file), join(outdir, file));
  copied.push(file);
}
mkdirSync(join(outdir, 'demo'), { recursive: true });
for (const file of ['index.html', 'demo.css', 'sample.json']) {
  copyFileSync(join(root, 'recipes', 'demo', file), join(outdir, 'demo', file));
  copied.push(`demo/${file}`);
}
console.log(`built ${outdir} in ${Date.now() - started} ms (trax.js, checks.js, demo/demo.js, demo/worker.js, ${copied.join(', ')})`);
