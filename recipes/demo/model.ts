/**
 * The demo's model side, without the DOM (it runs in the demo's worker, engine.ts): load an exported tagger or
 * ensemble over HTTP, tag text (timed), read the model's per-token log-probabilities, switch backends, fine-tune the
 * loaded model on a sample (the one place the demo's training code lives), and export it (`files`).
 *
 * Everything comes from the library bundle (`trax.js`): the build maps the import of `browser/entry.js` to
 * `../trax.js`, so the page runs one copy of trax-ts and tfjs, the one a user of the browser build gets.
 */
import * as trax from '../../browser/entry.js';
import type { BackendName, NerTagger, TaggedEntity, Tensor, Weights } from '../../browser/entry.js';
import { checkSettings } from './limits.js';
import { sharedNow } from './protocol.js';

const { tf } = trax;

/** A sentence of the fine-tuning sample: words and their IOB2 tags. */
export interface SampleSentence {
  readonly id?: string;
  readonly words: readonly string[];
  readonly tags: readonly string[];
}

/** One tagged sentence as the page shows it. */
export interface PredictedSentence {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly tokens: ReadonlyArray<{ readonly text: string; readonly start: number; readonly end: number }>;
  readonly tags: readonly string[];
  readonly entities: readonly TaggedEntity[];
}

/** What one prediction gave, and how long it took. */
export interface Prediction {
  readonly text: string;
  readonly backend: string;
  /** Milliseconds of `tagger.tag(text)`. */
  readonly ms: number;
  readonly sentences: readonly PredictedSentence[];
}

/** Facts about the loaded model, for the page's header. */
export interface ModelInfo {
  readonly url: string;
  /** 1 for a single tagger; an ensemble's member count. */
  readonly members: number;
  /** The configuration and vocabulary sizes of the (first) member. */
  readonly config: trax.NerModelConfig;
  /** The (first) member's context encoder in words (`describeNerEncoder`). */
  readonly encoder: string;
  readonly words: number;
  readonly chars: number;
  readonly tags: readonly string[];
  /** Entity types the model knows (`per`, `geo`, ...), in the order of the tag vocabulary. */
  readonly entityTypes: readonly string[];
  /** Weights of all members. */
  readonly weights: number;
  readonly decoding: string;
  readonly metadata: Record<string, unknown>;
}

/** Options of {@link DemoModel.fineTune}. */
export interface FineTuneOptions {
  readonly steps: number;
  readonly learningRate?: number;
  /** Sentences per batch (default 8); batches cycle through the sample in a fixed order. */
  readonly batchSize?: number;
  /** Called before the first step with the loss on the whole sample (dropout off). */
  readonly onStart?: (sampleLossBefore: number) => void;
  /** Called after each step (from 1) with its loss, its duration and when it ended (`sharedNow()`). */
  readonly onStep?: (step: number, loss: number, ms: number, endedAt: number) => void;
  /**
   * Checked before each step: true stops the run. Between steps the run yields to the event loop, so a stop message
   * (or a prediction) that arrived during a step is handled before the next one starts.
   */
  readonly shouldStop?: () => boolean;
}

/** What a fine-tuning run did. */
export interface FineTuneResult {
  readonly backend: string;
  /** The training loss of each step (its batch, dropout on). */
  readonly losses: number[];
  /** The loss on the whole sample with dropout off, before and after the run. */
  readonly sampleLossBefore: number;
  readonly sampleLossAfter: number;
  readonly ms: number;
  /** Steps run by every run since the model was loaded or reset. */
  readonly totalSteps: number;
  /** When each step ended (`sharedNow()`: comparable with the page's clock). */
  readonly stepEndedAt: number[];
  /** True when `shouldStop` ended the run before `steps`. */
  readonly stopped: boolean;
  /** The training-loss records the library's `Loop` wrote for this run (each member's), which `losses` are made of. */
  readonly records: readonly trax.MetricRecord[];
}

/** Entity types of IOB2 tags (`B-per`, `I-per` -> `per`), in order of first appearance. */
export function entityTypesOf(tags: readonly string[]): string[] {
  const types: string[] = [];
  for (const tag of tags) {
    const parsed = trax.ner.tryParseTag(tag);
    if (parsed?.type && !types.includes(parsed.type)) types.push(parsed.type);
  }
  return types;
}

/** The token offsets of each sentence of `text`, the tokenization `NerTagger.tag` uses. */
function copySentence(s: trax.TaggedSentence): PredictedSentence {
  return {
    text: s.text,
    start: s.start,
    end: s.end,
    tokens: s.tokens.map((t) => ({ text: t.text, start: t.start, end: t.end })),
    tags: [...s.tags],
    entities: s.entities.map((e) => ({ ...e })),
  };
}

/** `tf.Tensor` copies of the leaves of a weight tree (same layout). */
function cloneTree(tree: Weights): Weights {
  return trax.mapTree(tree, (t) => tf.clone(t));
}

type TaggerParts = NerTagger['members'][number];

/**
 * One tagger of the loaded model (the model itself, or a member of an ensemble): its weights as loaded, its output
 * scores, and its fine-tuning state (optimizer moments, the CRF loss layer holding its transition scores).
 */
class MemberTuner {
  private lossLayer: trax.Layer | undefined;
  /** The library's training loop of the current settings, kept from run to run (its optimizer's moments carry over). */
  private training: { loop: trax.TrainingLoop; run: trax.MemoryRunDirectory; settings: string } | undefined;
  private readonly original: { weights: Weights; crf: TaggerParts['crf'] };

  constructor(public parts: TaggerParts) {
    this.original = { weights: cloneTree(parts.model.weights), crf: parts.crf };
  }

  /** Per token of each sentence of `text`: the model's output row (log-probabilities, or a CRF's emission scores). */
  scores(text: string): number[][][] {
    const { config, vocabs, model } = this.parts;
    const width = trax.featureLayout(config).width;
    const previousMode = model.mode;
    model.mode = 'eval';
    try {
      return trax.ner.splitSentences(text).map((s) => {
        const words = s.tokens.map((t) => t.text);
        const rows: number[][] = [];
        for (let offset = 0; offset < words.length; offset += config.maxLen) {
          const piece = words.slice(offset, offset + config.maxLen);
          const features = trax.encodeFeatures(piece, vocabs, config);
          const out = tf.tidy(() => {
            const input = tf.tensor(features, [1, piece.length, width], 'int32');
            const [y] = model.pureFn(input, model.weights, model.state, trax.makeKey(0));
            return y as Tensor;
          });
          const data = out.dataSync();
          const nTags = out.shape[2]!;
          out.dispose();
          for (let t = 0; t < piece.length; t++) rows.push(Array.from(data.subarray(t * nTags, (t + 1) * nTags)));
        }
        return rows;
      });
    } finally {
      model.mode = previousMode;
    }
  }

  /** One padded batch as tensors (see {@link arraysOf}). */
  private batchOf(sentences: readonly SampleSentence[]): Tensor[] {
    return trax.data.batchToTensors(this.arraysOf(sentences));
  }

  /** One padded batch: features `[B, L, F]`, tag ids `[B, L]`, weights `[B, L]` (0 at padding). */
  private arraysOf(sentences: readonly SampleSentence[]): trax.data.NDArray[] {
    const { config, vocabs } = this.parts;
    const width = trax.featureLayout(config).width;
    const length = Math.max(1, ...sentences.map((s) => Math.min(s.words.length, config.maxLen)));
    const features = new Int32Array(sentences.length * length * width);
    const tags = new Int32Array(sentences.length * length);
    const weights = new Float32Array(sentences.length * length);
    sentences.forEach((s, b) => {
      const n = Math.min(s.words.length, config.maxLen);
      trax.encodeFeatures(s.words.slice(0, n), vocabs, config, features, b * length * width);
      tags.set(vocabs.tags.encode(s.tags.slice(0, n)), b * length);
      weights.fill(1, b * length, b * length + n);
    });
    return [
      trax.data.ndarray(features, 'int32', [sentences.length, length, width]),
      trax.data.ndarray(tags, 'int32', [sentences.length, length]),
      trax.data.ndarray(weights, 'float32', [sentences.length, length]),
    ];
  }

  /** The loss layer (CrossEntropyLoss, or the CRF loss holding the tagger's transition scores). */
  private ensureLossLayer(batch: ReadonlyArray<{ readonly shape: readonly number[] }>): trax.Layer {
    if (this.lossLayer) return this.lossLayer;
    const { config, vocabs, crf } = this.parts;
    const nTags = vocabs.tags.size;
    const layer = trax.NerLoss(config, nTags);
    const [features, tags, weights] = batch.map((a) => [...a.shape]) as [number[], number[], number[]];
    layer.init([
      { shape: [features[0]!, features[1]!, nTags], dtype: 'float32' },
      { shape: tags, dtype: 'int32' },
      { shape: weights, dtype: 'float32' },
    ]);
    if (crf) {
      trax.disposeTree(layer.weights);
      const flat = Array.isArray(crf.transitions) ? crf.transitions.flat() : Array.from(crf.transitions);
      layer.weights = {
        transitions: tf.tensor2d(flat, [nTags, nTags]),
        start: tf.tensor1d(Array.from(crf.start)),
        end: tf.tensor1d(Array.from(crf.end)),
      };
    }
    this.lossLayer = layer;
    return layer;
  }

  /** The loss on `sample` with dropout off (one batch). */
  sampleLoss(sample: readonly SampleSentence[]): number {
    const batch = this.batchOf(sample);
    const lossLayer = this.ensureLossLayer(batch);
    const model = this.parts.model;
    const previousMode = model.mode;
    model.mode = 'eval';
    try {
      const loss = tf.tidy(() => {
        const [out] = model.pureFn(batch[0]!, model.weights, model.state, trax.makeKey(0));
        const [value] = lossLayer.pureFn([out as Tensor, batch[1]!, batch[2]!], lossLayer.weights, lossLayer.state, trax.makeKey(0));
        return value as Tensor;
      });
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    } finally {
      model.mode = previousMode;
      tf.dispose(batch);
    }
  }

  /**
   * The library's `Loop` that fine-tunes this member with Adam at `learningRate` on `batches` (cycled in order, from
   * batch `firstBatch`), its metrics in memory. One loop serves the runs of the same settings, so the optimizer's
   * moments carry over from one run to the next; other settings start a new loop (and fresh moments).
   */
  async loopFor(batches: readonly SampleSentence[][], firstBatch: number, learningRate: number): Promise<trax.MemoryRunDirectory> {
    const settings = JSON.stringify({ learningRate, batches: batches.map((b) => b.map((s) => s.words.join(' '))) });
    if (this.training?.settings === settings) return this.training.run;
    this.training?.loop.dispose();
    const arrays = batches.map((b) => this.arraysOf(b));
    const lossLayer = this.ensureLossLayer(arrays[0]!);
    const run = new trax.MemoryRunDirectory('demo-fine-tune');
    const task = new trax.TrainTask({
      labeledData: async function* () {
        for (let i = firstBatch; ; i++) yield arrays[i % arrays.length]!;
      },
      lossLayer,
      optimizer: new trax.Adam({ learningRate, clipGradNorm: 1 }),
    });
    const loop = await trax.Loop(this.parts.model, task, {
      outputDir: run,
      evalAt: () => true,
      checkpointAt: trax.never,
      chart: false,
      logger: () => undefined,
      seed: 1234,
    });
    this.training = { loop, run, settings };
    return run;
  }

  /** One step of this member's loop (dropout on); the loss reaches the loop's metrics. */
  async step(): Promise<void> {
    const model = this.parts.model;
    const previousMode = model.mode;
    model.mode = 'train';
    try {
      await this.training!.loop.run(1);
    } finally {
      model.mode = previousMode;
    }
  }

  /** The name of the training loss in the loop's metrics. */
  get lossName(): string {
    return this.lossLayer!.name;
  }

  /** After steps: the tagger's CRF parameters become the trained transition scores. */
  takeTrainedCrf(): void {
    if (this.parts.crf && this.lossLayer) this.parts = { ...this.parts, crf: this.crfFromLossLayer() };
  }

  private crfFromLossLayer(): NonNullable<TaggerParts['crf']> {
    const w = this.lossLayer!.weights as Record<string, Tensor>;
    const read = (name: string): Float32Array => Float32Array.from(w[name]!.dataSync() as Float32Array);
    return { transitions: read('transitions'), start: read('start'), end: read('end') };
  }

  /** Back to the weights as loaded (and a fresh optimizer). */
  reset(): void {
    const model = this.parts.model;
    const current = model.weights;
    model.weights = cloneTree(this.original.weights);
    trax.disposeTree(current);
    this.training?.loop.dispose();
    if (this.lossLayer) trax.disposeTree(this.lossLayer.weights);
    this.training = this.lossLayer = undefined;
    const { crf: _crf, ...rest } = this.parts;
    this.parts = { ...rest, ...(this.original.crf ? { crf: this.original.crf } : {}) };
  }
}

/** The element-wise mean of the members' score arrays (same tokens, same tags). */
function meanScores(all: readonly number[][][][]): number[][][] {
  return all[0]!.map((sentence, s) =>
    sentence.map((row, t) => row.map((_, j) => all.reduce((sum, m) => sum + m[s]![t]![j]!, 0) / all.length)),
  );
}

/**
 * A loaded tagger, a single model or an ensemble, and what the page does with it. Fine-tuning an ensemble trains
 * every member on the same batches (each with its own optimizer) and reports their mean loss.
 */
export class DemoModel {
  private tagger: NerTagger;
  private totalSteps = 0;

  private constructor(
    private readonly members: readonly MemberTuner[],
    private readonly ensemble: boolean,
    readonly info: ModelInfo,
  ) {
    this.tagger = this.build();
  }

  /**
   * Loads the tagger exported at `url` (a directory URL: `tagger.json`, `vocabs.json`, `weights.bin` beside each
   * other, or an ensemble's `tagger.json` and member directories). Rejects with the library's `TaggerLoadError`
   * (its message names the file and the problem).
   */
  static async load(url: string): Promise<DemoModel> {
    const base = url.endsWith('/') ? url : `${url}/`;
    const reader = trax.fetchTaggerFiles(base);
    let manifest: Record<string, unknown> = {};
    // Keep the manifest's metadata for the header: read it once, hand the same bytes to the loader.
    const cached = new Map<string, Uint8Array | ArrayBuffer | string>();
    const source: trax.TaggerFileReader = async (name) => {
      const data = cached.get(name) ?? (await reader(name));
      if (name === trax.TAGGER_FILES.manifest) {
        cached.set(name, data);
        try {
          manifest = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as Record<string, unknown>;
        } catch {
          // the loader reports malformed JSON
        }
      }
      return data;
    };
    const tagger = await trax.loadTagger(source, base);
    const first = tagger.members[0]!;
    const tags = first.vocabs.tags.knownTags;
    const info: ModelInfo = {
      url: base,
      members: tagger.members.length,
      config: first.config,
      encoder: trax.ner.describeNerEncoder(first.config),
      words: first.vocabs.words.size,
      chars: first.vocabs.chars.size,
      tags,
      entityTypes: entityTypesOf(tags),
      weights: tagger.members.reduce((n, m) => n + trax.treeLeaves(m.model.weights).reduce((k, t) => k + t.size, 0), 0),
      decoding: first.crf ? 'crf' : tagger.decoding,
      metadata: (manifest['metadata'] as Record<string, unknown> | undefined) ?? {},
    };
    return new DemoModel(
      tagger.members.map((m) => new MemberTuner(m)),
      tagger.isEnsemble,
      info,
    );
  }

  /** The tagger of the members' current weights and CRF parameters. */
  private build(): NerTagger {
    const parts = this.members.map((m) => m.parts);
    return this.ensemble ? new trax.NerTagger({ members: parts }) : new trax.NerTagger(parts[0]!);
  }

  /** Tags `text` with the current weights on the current backend. */
  predict(text: string): Prediction {
    const started = performance.now();
    const sentences = this.tagger.tag(text);
    const ms = performance.now() - started;
    return { text, backend: trax.currentBackend(), ms, sentences: sentences.map(copySentence) };
  }

  /**
   * The model's output for each sentence of `text` (tokenized as {@link predict} does): per token, the
   * log-probability of every tag (a CRF model: its emission scores), in the order of `info.tags`; for an ensemble,
   * the members' mean. One sentence at a time, in pieces of `maxLen` tokens as the tagger does.
   */
  scores(text: string): number[][][] {
    const all = this.members.map((m) => m.scores(text));
    return all.length === 1 ? all[0]! : meanScores(all);
  }

  /** The loss on `sample` with dropout off (one batch; an ensemble: the members' mean). */
  sampleLoss(sample: readonly SampleSentence[]): number {
    return this.members.reduce((sum, m) => sum + m.sampleLoss(sample), 0) / this.members.length;
  }

  /**
   * Fine-tunes the loaded model on `sample` for `options.steps` Adam steps (dropout on), on the current backend,
   * yielding to the event loop between steps (so that a stop or a prediction that came during a step is handled
   * before the next; in a worker, each step's progress reaches the page meanwhile). Settings outside the bounds of
   * limits.ts are refused with a RangeError naming them. The optimizer's moments carry over from one run to
   * the next (until {@link reset}); a new learning rate starts them afresh.
   */
  async fineTune(sample: readonly SampleSentence[], options: FineTuneOptions): Promise<FineTuneResult> {
    const started = performance.now();
    const { steps, learningRate, batchSize } = checkSettings({
      steps: options.steps,
      learningRate: options.learningRate ?? 1e-3,
      batchSize: options.batchSize ?? 8,
    });
    const usable = sample.filter((s) => s.words.length > 0 && s.words.length === s.tags.length);
    if (usable.length === 0) throw new Error('fine-tuning: the sample has no usable sentences');
    const tagVocab = this.members[0]!.parts.vocabs.tags;
    for (const s of usable) for (const tag of s.tags) tagVocab.id(tag); // an unknown tag fails here, naming it

    const sampleLossBefore = this.sampleLoss(usable);
    options.onStart?.(sampleLossBefore);
    // Similar lengths together (less padding), batches in a fixed order.
    const sorted = [...usable].sort((a, b) => a.words.length - b.words.length);
    const batches: SampleSentence[][] = [];
    for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
    const losses: number[] = [];
    const stepEndedAt: number[] = [];
    // Each member's loss of each step, as its Loop records it (its metrics, in memory), meaned over the members.
    const stepLosses = new Map<number, number[]>();
    const records: trax.MetricRecord[] = [];
    const runs = await Promise.all(this.members.map((m) => m.loopFor(batches, this.totalSteps, learningRate)));
    const unsubscribe = runs.map((run, i) =>
      run.onMetrics((added) => {
        for (const r of added) {
          if (r.mode !== 'train' || r.name !== this.members[i]!.lossName) continue;
          records.push(r);
          stepLosses.set(r.step, [...(stepLosses.get(r.step) ?? []), r.value]);
        }
      }),
    );
    let stopped = false;
    try {
      for (let i = 0; i < steps; i++) {
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
        const stepStarted = performance.now();
        stepLosses.clear();
        for (const m of this.members) await m.step();
        const memberLosses = [...stepLosses.values()].flat();
        losses.push(memberLosses.reduce((a, b) => a + b, 0) / memberLosses.length);
        stepEndedAt.push(sharedNow());
        options.onStep?.(losses.length, losses[losses.length - 1]!, performance.now() - stepStarted, stepEndedAt[stepEndedAt.length - 1]!);
        // Yield to the event loop: messages that came during the step (stop, a prediction) are handled here.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      for (const off of unsubscribe) off();
      this.totalSteps += losses.length;
      for (const m of this.members) m.takeTrainedCrf();
      this.tagger = this.build();
    }
    const sampleLossAfter = this.sampleLoss(usable);
    return {
      backend: trax.currentBackend(),
      losses,
      sampleLossBefore,
      sampleLossAfter,
      ms: performance.now() - started,
      totalSteps: this.totalSteps,
      stepEndedAt,
      stopped,
      records,
    };
  }

  /** Steps trained since the model was loaded or reset. */
  get stepsTrained(): number {
    return this.totalSteps;
  }

  /**
   * The current model (fine-tuned or not) as the files of an exported tagger directory (the library's
   * `taggerFiles`: the format `loadTagger`, the demo and `trax-ner predict` read), `metadata` in its `tagger.json`.
   */
  files(metadata: Record<string, unknown>): Promise<Map<string, string | Uint8Array>> {
    return trax.taggerFiles(this.tagger, metadata);
  }

  /** Back to the weights as loaded (and fresh optimizers). */
  reset(): void {
    for (const m of this.members) m.reset();
    this.totalSteps = 0;
    this.tagger = this.build();
  }
}

/** Switches the tfjs backend (the library's `useBackend`, which throws when it cannot start); returns the active one. */
export async function switchBackend(name: BackendName): Promise<string> {
  await trax.useBackend(name);
  return trax.currentBackend();
}

/**
 * A short description of the active backend: wasm with SIMD or not, its threaded binary (a cross-origin isolated
 * page) or not and its thread count; webgl with its WebGL version.
 */
export async function backendDetails(): Promise<string> {
  const name = trax.currentBackend();
  try {
    if (name === 'wasm') {
      const info = await trax.wasmBackendInfo();
      if (!info) return name;
      const simd = info.binary === 'tfjs-backend-wasm.wasm' ? 'no SIMD' : 'SIMD';
      const threaded = info.binary === 'tfjs-backend-wasm-threaded-simd.wasm' ? ', threaded' : '';
      return `wasm (${simd}${threaded}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`;
    }
    if (name === 'webgl') return `webgl (WebGL ${tf.env().getNumber('WEBGL_VERSION')})`;
  } catch {
    // flags this tfjs does not know: the name alone
  }
  return name;
}

export { trax };
