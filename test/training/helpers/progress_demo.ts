/**
 * Runs a short training with the live progress line, to look at in a terminal:
 * `node scripts/run.mjs test/training/helpers/progress_demo.ts [off]`.
 */
import { useBackend } from '../../../src/backend/backends.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import { WeightedCategoryAccuracy } from '../../../src/metrics/accuracy.js';
import { Adam } from '../../../src/optimizers/index.js';
import { EvalTask, Loop, TrainTask } from '../../../src/training/index.js';
import { taggerModel, taggingData } from './tagging.js';

await useBackend('wasm');
const loop = await Loop(
  taggerModel(),
  new TrainTask({
    labeledData: taggingData(1),
    lossLayer: CrossEntropyLoss(),
    optimizer: new Adam({ learningRate: 0.01 }),
    nStepsPerCheckpoint: 100,
  }),
  { evalTasks: new EvalTask({ labeledData: taggingData(2), metrics: [WeightedCategoryAccuracy()] }), progress: process.argv[2] !== 'off' },
);
await loop.run(300);
