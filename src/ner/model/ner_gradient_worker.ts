/**
 * The worker entry of the NER tagger's data-parallel training (`nerDataParallel`): a gradient worker whose replica
 * is the tagger model and its loss. Bundled beside the library as `ner_gradient_worker.js`; run from this
 * TypeScript source in tests.
 */
import { serveGradients } from '../../parallel/serve_gradients.js';
import { nerReplica, type NerReplicaInit } from './ner_replica.js';

serveGradients<NerReplicaInit>(nerReplica);
