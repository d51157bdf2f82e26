/**
 * A training process that is killed: the data-parallel test's tagging loop with 2 workers, checkpointing every 4
 * steps, killed with SIGKILL (no cleanup of any kind) once step 9 has run.
 * Usage: node scripts/run.mjs test/parallel/helpers/killed_child.ts <outputDir> <worker module>
 */
import { useBackend } from '../../../src/backend/backends.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import { Adam } from '../../../src/optimizers/index.js';
import { Loop, TrainTask } from '../../../src/training/index.js';
import { taggerModel, taggingData } from '../../training/helpers/tagging.js';

const [outputDir, module] = process.argv.slice(2) as [string, string];
await useBackend('wasm');
const task = new TrainTask({
  labeledData: taggingData(21, { batchSize: 16 }),
  lossLayer: CrossEntropyLoss(),
  optimizer: new Adam({ learningRate: 0.01 }),
  nStepsPerCheckpoint: 4,
});
const loop = await Loop(taggerModel(), task, {
  seed: 3,
  progress: false,
  logger: () => undefined,
  outputDir,
  dataParallel: { workers: 2, module },
  callbacks: [
    {
      onStepEnd: ({ step }) => {
        if (step === 9) process.kill(process.pid, 'SIGKILL');
      },
    },
  ],
});
await loop.run(20);
