// Shared esbuild settings. tfjs-core's gradient and chained-op registration files are ESM with extension-less
// imports that plain Node cannot load, so they are bundled; the tfjs packages themselves (and every other
// dependency) stay external. tfjs keeps its engine and registries on globalThis, so the bundled registration
// registers into the same engine as the package.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const dependencies = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });

/** Marks dependencies external, except the tfjs-core files that must be bundled. */
export const externalDependencies = {
  name: 'external-dependencies',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@tensorflow/tfjs-core/dist/')) return undefined;
      const isDependency = dependencies.some((d) => args.path === d || args.path.startsWith(`${d}/`));
      return isDependency || args.path.startsWith('node:') ? { path: args.path, external: true } : undefined;
    });
  },
};

export const nodeOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [externalDependencies],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

/**
 * The library's worker entries: each is bundled beside the library's own bundle, under this name, by build.mjs
 * (dist/) and by run.mjs (build/run/, beside every bundle it runs), where the library finds them
 * (src/parallel/worker_thread.ts, libraryWorkerModule).
 */
export const workerEntries = {
  ner_tagger_worker: 'src/ner/tagger/tagger_worker.ts',
  ner_gradient_worker: 'src/ner/model/ner_gradient_worker.ts',
};
