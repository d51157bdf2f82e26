/**
 * The gradient worker of the data-parallel tests: a replica of the tagging test model (no dropout), or, when the
 * init says so, one whose forward pass throws (a worker that fails mid-run) or whose thread exits (a worker that dies).
 */
import { serveGradients } from '../../../src/parallel/serve_gradients.js';
import { CrossEntropyLoss } from '../../../src/metrics/losses.js';
import { taggerModel } from '../../training/helpers/tagging.js';

export interface TaggingReplicaInit {
  fail?: 'throw' | 'exit';
}

serveGradients<TaggingReplicaInit | undefined>((init) => {
  const model = taggerModel();
  if (init?.fail === 'throw') {
    model.pureFn = () => {
      throw new Error('the replica failed on purpose');
    };
  }
  if (init?.fail === 'exit') {
    model.pureFn = () => process.exit(7);
  }
  return { model, lossLayer: CrossEntropyLoss() };
});
