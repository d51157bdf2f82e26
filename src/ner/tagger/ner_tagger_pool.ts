/**
 * A tagger on every core (Node): the tagger's batches spread over worker threads, each with its own tfjs engine and
 * a copy of the tagger. The tags are the tagger's own, bit for bit, in input order, whatever the number of workers:
 * the batches are planned here exactly as {@link NerTagger.tagTokens} plans them and each is tagged whole by one
 * worker on the same backend.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type BackendName, currentBackend } from '../../backend/backends.js';
import { WorkerPool } from '../../parallel/worker_pool.js';
import { libraryWorkerModule } from '../../parallel/worker_thread.js';
import type { EntityScore } from '../eval/entity_score.js';
import type { EntityScorerOptions } from '../eval/entity_scorer.js';
import { taggerFiles } from '../export/save.js';
import type { DecodedTags } from './decode.js';
import type { NerTagger, TaggedSentence, TagOptions, TagTokensOptions, TokenTags } from './ner_tagger.js';
import { evaluationInput, type GoldSentence, scoreTags, taggedText, textToTag } from './tag_steps.js';
import type { TaggerWorkerInit } from './tagger_worker_handler.js';
import type { TaggingPiece, TaggingPlan } from './tagging_plan.js';

/** Options of {@link NerTaggerPool}. @public */
export interface NerTaggerPoolOptions {
  /** The most worker threads (default: the machine's cores, `os.availableParallelism()`). 1 tags in this thread. */
  readonly workers?: number;
  /** The workers' backend (default: this thread's active backend when the workers start, `currentBackend()`). */
  readonly backend?: BackendName;
  /** Stops the pool when aborted (as on Ctrl-C): the job running fails with a `WorkerPoolClosedError`. */
  readonly signal?: AbortSignal;
  /**
   * The workers' module (default: the library's, `ner_tagger_worker.js` beside the bundle). Give it when you bundle
   * trax-ts into your own program: build `ner_tagger_worker.js` from the package's `dist/` beside your bundle, or
   * point this at the package's copy.
   */
  readonly workerModule?: URL | string;
}

type TaggerWorkers = WorkerPool<readonly TaggingPiece[], DecodedTags[]>;

/** This module's URL: `import.meta.url`, or where the sources run as CommonJS (jest) its file's. */
const here = (): string => (typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url);

/**
 * Tags with a {@link NerTagger} on several worker threads: `tagTokens`, `tag` and `evaluate` as the tagger's, but
 * asynchronous, with the batches spread over the workers; the results are the tagger's own (the same tags and
 * confidences, in input order).
 *
 * The workers start with the first job of more than one batch (at most one worker per batch of that job, up to
 * `workers`) and stay for later jobs until {@link NerTaggerPool.close}; while they start, this thread tags the
 * job's first batches itself, so that the pool is never slower than the tagger alone by their start. A job of one
 * batch (`batchSize` sentences or fewer) runs in this thread. Each worker loads a copy of the tagger as it is when
 * they start (its exported files). Idle workers do not keep the process alive.
 *
 * @example
 * ```ts
 * const pool = new ner.NerTaggerPool(tagger, { workers: 2 });
 * try {
 *   const tags = await pool.tagTokens(sentences.map((s) => s.words));
 * } finally {
 *   await pool.close();
 * }
 * ```
 * @public
 */
export class NerTaggerPool {
  /** The most workers the pool starts. */
  readonly maxWorkers: number;
  private workers: Promise<TaggerWorkers> | undefined;
  private started: TaggerWorkers | undefined;
  private closed = false;

  constructor(
    /** The tagger whose tags the pool gives (planning runs here; each worker has a copy). */
    readonly tagger: NerTagger,
    private readonly options: NerTaggerPoolOptions = {},
  ) {
    const n = options.workers ?? availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`NerTaggerPool: workers must be an integer >= 1, got ${String(n)}`);
    this.maxWorkers = n;
  }

  /** The workers running now (0 before the first job that needs them, and after `close`). */
  get size(): number {
    return this.started?.size ?? 0;
  }

  /**
   * Starts all `maxWorkers` workers now, rather than with the first job of more than one batch, and resolves once
   * they are ready (rejects with a worker's error when one cannot start): for a long-lived pool whose jobs should
   * all run on the workers.
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error('NerTaggerPool: the pool was closed');
    this.workers ??= this.startWorkers(this.maxWorkers);
    await this.workers;
  }

  /** Tags tokenized sentences, as {@link NerTagger.tagTokens}. */
  async tagTokens(sentences: readonly (readonly string[])[], options: TagTokensOptions = {}): Promise<TokenTags[]> {
    if (this.closed) throw new Error('NerTaggerPool: the pool was closed');
    const plan = this.tagger.planTagging(sentences, options);
    return this.tagger.tagsFromPlan(plan, await this.run(plan));
  }

  /** Splits raw text into sentences and tokens and tags them, as {@link NerTagger.tag}. */
  async tag(text: string, options: TagOptions = {}): Promise<TaggedSentence[]> {
    const input = textToTag(text, options);
    return taggedText(input, await this.tagTokens(input.tokens, input.options));
  }

  /** Tags gold sentences and scores the predictions at the entity level, as {@link NerTagger.evaluate}. */
  async evaluate(sentences: readonly GoldSentence[], options: EntityScorerOptions & TagTokensOptions = {}): Promise<EntityScore> {
    const input = evaluationInput(this.tagger.tags, sentences, options);
    return scoreTags(sentences, await this.tagTokens(input.tokens, input.options), options);
  }

  /** Terminates the workers (a job running fails with a `WorkerPoolClosedError`); the pool then refuses jobs. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = undefined;
    this.started = undefined;
    if (workers) await workers.then((w) => w.close()).catch(() => undefined);
  }

  /**
   * The decoded tags of every batch of `plan`: in this thread for one batch (or `workers` 1); else on the workers,
   * with this thread tagging batches in order while they start (so their start costs nothing), the rest spread
   * over the workers once they are ready.
   */
  private async run(plan: TaggingPlan): Promise<DecodedTags[][]> {
    const batches = plan.batches;
    if (batches.length <= 1 || this.maxWorkers === 1) return batches.map((batch) => this.tagger.tagPieces(batch));
    this.workers ??= this.startWorkers(Math.min(this.maxWorkers, batches.length));
    let ready = this.started;
    let failure: { error: unknown } | undefined;
    const started = this.workers.then(
      (w) => void (ready = w),
      (error: unknown) => void (failure = { error }),
    );
    const results: DecodedTags[][] = [];
    while (!ready && !failure && results.length < batches.length) {
      if (this.options.signal?.aborted) break;
      results.push(this.tagger.tagPieces(batches[results.length]!));
      // Lets the workers' messages in (their start, or its failure).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (results.length === batches.length) return results;
    await started;
    if (failure) throw failure.error;
    // Longest batches first (the plan sorts them shortest first), so that no worker is left with a long one at the end.
    const rest = (await ready!.map(batches.slice(results.length).reverse())).reverse();
    return [...results, ...rest];
  }

  private async startWorkers(count: number): Promise<TaggerWorkers> {
    const init: TaggerWorkerInit = {
      files: await taggerFiles(this.tagger),
      backend: this.options.backend ?? (currentBackend() as BackendName),
    };
    const module = this.options.workerModule ?? libraryWorkerModule(here(), './tagger_worker.ts', './ner_tagger_worker.js');
    try {
      const workers = await WorkerPool.start<readonly TaggingPiece[], DecodedTags[], TaggerWorkerInit>({
        module,
        workers: count,
        init,
        name: 'NerTaggerPool',
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
      this.started = workers;
      return workers;
    } catch (error) {
      this.workers = undefined;
      throw error;
    }
  }
}
