#!/usr/bin/env node
// npm run test:stress [-- jest arguments]: runs jest while two busy-loop processes keep two cores fully taken, as a
// loaded CI machine would, to show that no test depends on the machine's speed. The loops end with jest (and on
// Ctrl-C); the exit code is jest's. Without arguments it runs the whole suite (type check excluded).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const BUSY_LOOPS = 2;
const loops = Array.from({ length: BUSY_LOOPS }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopLoops = () => {
  for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
};
process.on('exit', stopLoops);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });

const started = performance.now();
console.error(
  `test:stress: ${BUSY_LOOPS} busy loops running (pids ${loops.map((l) => l.pid).join(', ')}); jest ${process.argv.slice(2).join(' ')}`,
);
const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
const jest = spawn(process.execPath, [jestBin, ...process.argv.slice(2)], { stdio: 'inherit' });
jest.on('close', (code, signal) => {
  stopLoops();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.error(`test:stress: jest ended (${signal ?? `exit ${code}`}) after ${seconds} s with ${BUSY_LOOPS} busy loops`);
  process.exit(code ?? 1);
});
