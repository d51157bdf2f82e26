/**
 * Worker threads for Node: a pool of long-lived workers, each running one module with its own tfjs engine, and
 * the worker's side of it. Node-only (node:worker_threads).
 */
export { WorkerPool, type WorkerPoolOptions, type RunOptions } from './worker_pool.js';
export { serveWorker, type WorkerHandler, type WorkerInfo } from './serve_worker.js';
export { WorkerError, WorkerPoolClosedError } from './worker_errors.js';
export { Transfer, withTransfer, type SerializedError } from './worker_protocol.js';
export { DataParallelTrainer, type DataParallelOptions } from './data_parallel_trainer.js';
export { serveGradients, type GradientReplica } from './serve_gradients.js';
