/**
 * Starting one worker thread on a module: a JavaScript module (a bundle: dist/, build/run/) as it is; a TypeScript
 * module (the library's sources, as tests run them) through tsx, with one resolve hook more: tfjs-core's ESM files
 * import each other without file extensions, which Node's ESM resolver refuses (see ../../docs/architecture.md).
 * Only that case needs tsx (a development dependency): bundles never do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A module's file URL: a URL as it is, a path resolved against the working directory. */
export function moduleUrl(module: URL | string): URL {
  if (module instanceof URL) return module;
  return /^file:/.test(module) ? new URL(module) : pathToFileURL(module);
}

/** Whether the module is TypeScript (run through tsx). */
function isTypeScript(url: URL): boolean {
  return /\.[cm]?ts$/.test(url.pathname);
}

/**
 * Retries extension-less imports inside tfjs packages (relative ones, and deep imports of a tfjs package's `dist`
 * folder) with `.js` and `/index.js`, as bundlers resolve them.
 */
const TFJS_EXTENSIONLESS_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    const fromTfjs = relative && typeof context.parentURL === 'string' && context.parentURL.includes('/node_modules/@tensorflow/');
    if (!fromTfjs && !/^@tensorflow\\/tfjs-[a-z-]+\\/dist\\//.test(specifier)) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // the next suffix
      }
    }
    throw error;
  }
}
`;

/** The script a TypeScript module's worker runs first: the hooks, then the module. */
const TYPESCRIPT_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { register } = require('node:module');
const boot = workerData.traxTypeScriptModule;
register('data:text/javascript,' + encodeURIComponent(boot.hook));
import(boot.tsx)
  .then((tsx) => {
    tsx.register();
    return import(boot.module);
  })
  .catch((error) => {
    setImmediate(() => {
      throw error;
    });
  });
`;

/** The URL of tsx's ESM API as seen from `url`, or an error saying why a TypeScript worker needs it. */
function tsxApi(url: URL): string {
  try {
    const manifest = createRequire(url).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
    return new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(manifest)).href;
  } catch (error) {
    throw new Error(
      `a worker on the TypeScript module ${fileURLToPath(url)} needs tsx (npm install --save-dev tsx), which was not found from there; ` +
        'or start the pool on a JavaScript build of the module',
      { cause: error },
    );
  }
}

/** Starts a worker thread on `module` with `workerData` (shared memory in it stays shared). */
export function startWorkerThread(module: URL, workerData: Record<string, unknown>, name: string): Worker {
  if (module.protocol !== 'file:') throw new Error(`a worker module must be a file, got ${module.href}`);
  if (!existsSync(fileURLToPath(module))) throw new Error(`the worker module ${fileURLToPath(module)} does not exist`);
  if (!isTypeScript(module)) return new Worker(module, { workerData, name });
  const boot = { hook: TFJS_EXTENSIONLESS_HOOK, tsx: tsxApi(module), module: module.href };
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: { ...workerData, traxTypeScriptModule: boot }, name });
}

/**
 * Where a worker entry of the library is: beside its TypeScript source (`source`, relative to `here`) while the
 * library runs from its sources (tests), or beside the bundle (`bundled`, relative to `here`, the bundle's own URL)
 * when it runs bundled (dist/, or the bundles scripts/run.mjs makes; both build the worker entries of
 * scripts/esbuild_options.mjs beside themselves).
 */
export function libraryWorkerModule(here: string, source: string, bundled: string): URL {
  // `here` is the calling module's URL: `import.meta.url` in an ES module (in a bundle, the bundle's), and where the
  // sources run as CommonJS (jest), `pathToFileURL(__filename)`: each caller computes its own.
  return new URL(isTypeScript(new URL(here)) ? source : bundled, here);
}
