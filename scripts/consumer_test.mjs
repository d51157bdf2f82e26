#!/usr/bin/env node
// The consumer test: trax-ts as its users get it. Packs the tarball, installs it into a fresh temporary project
// (its own package.json, outside the repository: no access to the repo's node_modules or src) and there:
//   1. measures the install (packages and MB of node_modules, the tarball alone);
//   2. runs the CLI from the package: `trax-ner --help`, `--version`, an unknown command (exit 2), a tiny `train`
//      on the shipped corpus, `predict` on a sentence, `eval`; tags with `ner.NerTaggerPool` on 2 worker threads
//      (the package's dist/ner_tagger_worker.js) as the tagger does in one;
//   3. type-checks every ```ts block of README.md and docs/guide.md with `tsc --strict` (Node16 module resolution,
//      declarations checked too) and runs each with node (TAGGER_DIR: the tagger trained in 2), comparing what it
//      prints with its `// prints:` lines;
//   4. bundles a browser consumer (`import { Serial, Dense, useBackend } from 'trax-ts'`) with esbuild for the
//      browser platform, type-checks it with bundler resolution and the browser condition, and runs the bundle in
//      headless Chromium on wasm, webgl and cpu;
//   5. checks CommonJS: `require('trax-ts')` fails with the ESM-only message and the import() line; import() works.
// Exits non-zero when any check fails. Usage: node scripts/consumer_test.mjs [--keep] (--keep: leave the project).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
/** The version of a dev dependency the repository is locked to, so that the consumer uses the same tools. */
const locked = (name) => lock.packages[`node_modules/${name}`].version;

const work = mkdtempSync(join(tmpdir(), 'trax-ts-consumer-'));
const app = join(work, 'app');
const failures = [];
let checks = 0;
let failedChecks = 0;

function step(title) {
  console.log(`\n== ${title}`);
}

function check(title, ok, detail = '') {
  checks++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${title}${detail ? `: ${detail}` : ''}`);
  if (!ok) {
    failedChecks++;
    failures.push(title);
  }
}

/** Runs a command in the app; returns { status, stdout, stderr }. */
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: app, encoding: 'utf8', maxBuffer: 64 << 20, ...options, env: { ...process.env, ...options.env } });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function mustRun(title, cmd, args, options) {
  const r = run(cmd, args, options);
  check(title, r.status === 0, r.status === 0 ? '' : `exit ${r.status}\n${(r.stdout + r.stderr).trim().slice(-3000)}`);
  return r;
}

function duBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

function countPackages(dir) {
  // Every installed package has node_modules/<name>/package.json or node_modules/@scope/<name>/package.json,
  // possibly nested under another package's node_modules.
  let n = 0;
  const walk = (modules) => {
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dirs = entry.name.startsWith('@')
        ? readdirSync(join(modules, entry.name)).map((s) => join(modules, entry.name, s))
        : [join(modules, entry.name)];
      for (const d of dirs) {
        try {
          statSync(join(d, 'package.json'));
        } catch {
          continue;
        }
        n++;
        try {
          if (statSync(join(d, 'node_modules')).isDirectory()) walk(join(d, 'node_modules'));
        } catch {
          /* no nested modules */
        }
      }
    }
  };
  walk(dir);
  return n;
}

/**
 * Serves the bundle (with tfjs's wasm binaries beside it) over HTTP and runs it in headless Chromium (Debian's
 * /usr/bin/chromium through the repository's playwright-core: the test's harness, not the consumer's code); the
 * page computes one small model on wasm, webgl (SwiftShader) and cpu, which must agree.
 */
async function runInChromium(dir) {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    check(`the bundle runs in Chromium (no Chromium at ${chromiumPath}${process.env.CI ? '' : ': skipped outside CI'})`, !process.env.CI);
    return;
  }
  const wasmDist = join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(dir, f));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="browser-main.js"></script>');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const file = join(dir, new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    // A hang guard, not a speed check: the page sets `results` when done, or reports an error.
    await page
      .waitForFunction(() => globalThis.results !== undefined, undefined, { timeout: 10 * 60_000, polling: 200 })
      .catch((e) => errors.push(String(e)));
    const results = errors.length ? [] : await page.evaluate(() => globalThis.results);
    const backends = results.map((r) => r.backend).join(', ');
    const agree = results.length === 3 && results.every((r) => r.output.every((v, i) => Math.abs(v - results[0].output[i]) < 1e-5));
    check(
      'the bundle runs in Chromium on wasm, webgl and cpu, with the same outputs',
      agree && backends === 'wasm, webgl, cpu',
      errors.join('; ') || `${backends}: ${JSON.stringify(results.map((r) => r.output))}`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}

try {
  step('pack');
  // `npm pack` runs `prepack` (the build), whose output would mix with --json: build first, then pack without scripts.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  console.log(
    `${packed[0].filename}: ${(packed[0].size / 1e6).toFixed(2)} MB packed, ${(packed[0].unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files`,
  );
  check(
    'the tarball has the entries, declarations, CLI and corpus',
    [
      'dist/index.js',
      'dist/browser.js',
      'dist/cli.js',
      'dist/cli-main.js',
      'dist/require.cjs',
      'dist/types/index.d.ts',
      'dist/types/browser.d.ts',
      'data/gmb/ner_dataset.csv.gz',
      'LICENSE',
    ].every((f) => files.includes(f)),
  );
  const unwanted = files.filter((f) => /(^|\/)(test|src|build|temp)\//.test(f) || /\.map$|\.tsbuildinfo$|\.test\./.test(f));
  check('the tarball has no sources, tests, maps or build scratch', unwanted.length === 0, unwanted.slice(0, 5).join(', '));

  step('install into a fresh project');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'trax-ts-consumer', private: true, type: 'module' }, null, 2));
  mustRun('npm install the tarball', 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
  const packages = countPackages(join(app, 'node_modules'));
  const megabytes = duBytes(join(app, 'node_modules')) / 1e6;
  console.log(`install size: ${packages} packages, ${megabytes.toFixed(1)} MB of node_modules`);
  writeFileSync(join(work, 'install-size.json'), JSON.stringify({ packages, megabytes: Number(megabytes.toFixed(1)) }) + '\n');
  mustRun('npm install the tools (typescript, esbuild, @types/node)', 'npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--save-dev',
    `typescript@${locked('typescript')}`,
    `esbuild@${locked('esbuild')}`,
    `@types/node@${locked('@types/node')}`,
  ]);

  step('the trax-ner command');
  const help = mustRun('trax-ner --help', 'npx', ['trax-ner', '--help']);
  check('--help shows the usage line', /^Usage: trax-ner /m.test(help.stdout));
  const version = mustRun('trax-ner --version', 'npx', ['trax-ner', '--version']);
  check('--version prints the package version', version.stdout.trim() === pkg.version, version.stdout.trim());
  const unknown = run('npx', ['trax-ner', 'frobnicate']);
  check(
    'an unknown command exits 2 and names it',
    unknown.status === 2 && /frobnicate/.test(unknown.stderr),
    `exit ${unknown.status}: ${unknown.stderr.trim().split('\n')[0]}`,
  );
  // Ctrl-C while the CLI's modules load (a module-loading hook sends SIGINT when tfjs-core is loaded, an event,
  // not a time): the bin's launcher catches it and the run stops before training, writing nothing.
  writeFileSync(
    join(app, 'sigint_hooks.mjs'),
    `let sent = false;
export async function load(url, context, nextLoad) {
  if (!sent && url.includes('/@tensorflow/tfjs-core/')) { sent = true; process.kill(process.pid, 'SIGINT'); }
  return nextLoad(url, context);
}
`,
  );
  writeFileSync(
    join(app, 'sigint_register.mjs'),
    "import { register } from 'node:module';\nregister('./sigint_hooks.mjs', import.meta.url);\n",
  );
  const early = run('node', [
    '--import',
    './sigint_register.mjs',
    'node_modules/trax-ts/dist/cli.js',
    'train',
    '-o',
    'stopped',
    '--limit',
    '600',
    '--steps',
    '12',
    '--no-progress',
  ]);
  const stoppedFiles = existsSync(join(app, 'stopped')) ? readdirSync(join(app, 'stopped')) : [];
  check(
    'Ctrl-C while the CLI loads stops the run cleanly, nothing written',
    early.signal === null && /Stopping \(Ctrl-C during start-up/.test(early.stderr) && stoppedFiles.length === 0,
    `exit ${early.status}, signal ${early.signal}, files ${stoppedFiles.join(',')}: ${(early.stdout + early.stderr).trim().slice(-500)}`,
  );
  const trainArgs = [
    'trax-ner',
    'train',
    '-o',
    'run',
    '--limit',
    '600',
    '--steps',
    '12',
    '--eval-every',
    '6',
    '--dev-sentences',
    '40',
    '--batch-tokens',
    '512',
    '--no-progress',
    '--no-bilstm',
  ];
  mustRun('trax-ner train (shipped corpus, tiny)', 'npx', trainArgs, { timeout: 900_000 });
  const sentence = 'Thousands of demonstrators have marched through London to protest the war in Iraq.';
  const predicted = mustRun('trax-ner predict', 'npx', ['trax-ner', 'predict', '-m', 'run', sentence]);
  let parsed;
  try {
    parsed = JSON.parse(predicted.stdout.trim().split('\n')[0]);
  } catch {
    parsed = undefined;
  }
  check(
    'predict prints a JSON line with tokens and entities',
    parsed !== undefined && Array.isArray(parsed.entities),
    predicted.stdout.slice(0, 200),
  );
  const evaluated = mustRun('trax-ner eval', 'npx', ['trax-ner', 'eval', '-m', 'run', '--limit', '600', '--split', 'test']);
  check('eval prints the conlleval table', /processed \d+ tokens with \d+ phrases/.test(evaluated.stdout), evaluated.stdout.slice(0, 200));
  writeFileSync(
    join(app, 'pool.mjs'),
    `import { ner, useBackend } from 'trax-ts';
await useBackend('wasm');
const tagger = await ner.loadTaggerFromDirectory('run/model');
const sentences = Array.from({ length: 300 }, (_, i) => ['Thousands', 'marched', 'in', i % 2 ? 'London' : 'Paris', 'on', 'Sunday', '.']);
const pool = new ner.NerTaggerPool(tagger, { workers: 2 });
await pool.start();
const pooled = await pool.tagTokens(sentences, { batchSize: 32 });
await pool.close();
console.log(JSON.stringify({ workers: 2, same: JSON.stringify(pooled) === JSON.stringify(tagger.tagTokens(sentences, { batchSize: 32 })) }));
`,
  );
  const pooled = mustRun('ner.NerTaggerPool on 2 worker threads', 'node', ['pool.mjs']);
  check(
    "the pool's workers (dist/ner_tagger_worker.js) tag as the tagger does",
    pooled.stdout.trim() === JSON.stringify({ workers: 2, same: true }),
    (pooled.stdout + pooled.stderr).trim().slice(-500),
  );

  step('documentation blocks: tsc --strict, then node');
  const blocks = ['README.md', 'docs/guide.md'].flatMap((file) =>
    [...readFileSync(join(repo, file), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({
      name: `${file.replace(/\W+/g, '-').replace(/-md$/, '')}-${i + 1}`,
      file,
      code: m[1],
    })),
  );
  check('the documentation has TypeScript blocks', blocks.length >= 8, `${blocks.length} blocks`);
  mkdirSync(join(app, 'docs'));
  for (const b of blocks) writeFileSync(join(app, 'docs', `${b.name}.ts`), b.code);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'Node16',
      moduleResolution: 'Node16',
      types: ['node'],
      rootDir: 'docs',
      outDir: 'out',
      skipLibCheck: true,
      lib: ['ES2022', 'DOM'],
    },
    include: ['docs'],
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  mustRun('tsc --strict over every block', 'npx', ['tsc', '-p', 'tsconfig.json']);
  // The package's own declarations, checked too (skipLibCheck off; errors of other packages' declarations, such as
  // @webgpu/types against TypeScript's DOM library, are theirs and ignored).
  const libCheck = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit', '--skipLibCheck', 'false']);
  const ownErrors = (libCheck.stdout + libCheck.stderr).split('\n').filter((l) => /node_modules\/trax-ts\//.test(l) || /^docs\//.test(l));
  check("trax-ts's declarations type-check (skipLibCheck false)", ownErrors.length === 0, ownErrors.slice(0, 10).join('\n'));
  for (const b of blocks) {
    const expected = [...b.code.matchAll(/^\s*\/\/ prints: ?(.*)$/gm)].map((m) => m[1]);
    const r = run('node', [join('out', `${b.name}.js`)], { timeout: 600_000, env: { TAGGER_DIR: 'run/model' } });
    const printed = r.stdout.replace(/\n$/, '').split('\n');
    const ok = r.status === 0 && (expected.length === 0 || JSON.stringify(printed) === JSON.stringify(expected));
    check(
      `${b.file} block ${b.name.split('-').pop()} runs${expected.length ? ' and prints what it says' : ''}`,
      ok,
      ok ? '' : `exit ${r.status}\nprinted: ${JSON.stringify(printed)}\nexpected: ${JSON.stringify(expected)}\n${r.stderr.slice(-2000)}`,
    );
  }

  step('a browser consumer');
  writeFileSync(
    join(app, 'browser-main.ts'),
    `import { Serial, Dense, Relu, useBackend, currentBackend, setWasmPaths, shapeDtype, tf } from 'trax-ts';

setWasmPaths(new URL('./', import.meta.url).href);
const results: { backend: string; output: number[] }[] = [];
for (const backend of ['wasm', 'webgl', 'cpu'] as const) {
  await useBackend(backend);
  const model = Serial(Dense(4), Relu());
  model.init(shapeDtype([2, 3]), { seed: 1 });
  const y = model.call(tf.tensor([[1, 2, 3], [-1, 0, 1]])) as tf.Tensor;
  results.push({ backend: currentBackend(), output: Array.from(y.dataSync()) });
}
(globalThis as unknown as { results: typeof results }).results = results;
`,
  );
  writeFileSync(
    join(app, 'tsconfig.browser.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          customConditions: ['browser'],
          lib: ['ES2022', 'DOM'],
          types: [],
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['browser-main.ts'],
      },
      null,
      2,
    ),
  );
  mustRun('tsc --strict with bundler resolution and the browser condition', 'npx', ['tsc', '-p', 'tsconfig.browser.json']);
  mustRun('esbuild --platform=browser bundles it', 'npx', [
    'esbuild',
    'browser-main.ts',
    '--bundle',
    '--platform=browser',
    '--format=esm',
    '--outdir=bundle',
    '--log-level=error',
  ]);
  const bundled = readdirSync(join(app, 'bundle'))
    .map((f) => readFileSync(join(app, 'bundle', f), 'utf8'))
    .join('\n');
  check('the browser bundle imports no Node built-in', !/from\s*["']node:|require\(["']node:|import\(["']node:/.test(bundled));
  await runInChromium(join(app, 'bundle'));
  step('CommonJS');
  writeFileSync(
    join(app, 'cjs-check.cjs'),
    `let message = '';\ntry { require('trax-ts'); } catch (e) { message = e.message; }\nif (!/ESM-only/.test(message) || !message.includes("await import('trax-ts')")) { console.error('unexpected: ' + message); process.exit(1); }\nimport('trax-ts').then((trax) => { if (typeof trax.Serial !== 'function') process.exit(1); console.log('import() from CommonJS works'); });\n`,
  );
  mustRun("require('trax-ts') says ESM-only with the import() line; import() works", 'node', ['cjs-check.cjs']);
} catch (error) {
  failures.push(`unexpected error: ${error.stack ?? error}`);
  console.error(error);
} finally {
  console.log(`\n${checks - failedChecks}/${checks} consumer checks passed${failures.length ? `; FAILED: ${failures.join('; ')}` : ''}`);
  if (keep) console.log(`project kept in ${app}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(failures.length > 0 ? 1 : 0);
