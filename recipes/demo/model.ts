/**
 * The demo's model side, without the DOM: load an exported tagger over HTTP, tag text (timed), read the model's
 * per-token log-probabilities, switch backends, and fine-tune the loaded model on a sample in the page.
 *
 * Everything comes from the library bundle (`trax.js`): the build maps the import of `browser/entry.js` to
 * `../trax.js`, so the page runs one copy of trax-ts and tfjs, the one a user of the browser build gets.
 */
import * as trax from '../../browser/entry.js';
import type { BackendName, NerTagger, TaggedEntity, Tensor, Weights } from '../../browser/entry.js';

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
  readonly config: trax.NerModelConfig;
  readonly words: number;
  readonly chars: number;
  readonly tags: readonly string[];
  /** Entity types the model knows (`per`, `geo`, ...), in the order of the tag vocabulary. */
  readonly entityTypes: readonly string[];
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
  /** Called after each step; the page draws the loss chart here. */
  readonly onStep?: (step: number, loss: number) => void;
  /** Checked before each step: true stops the run. */
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
  return trax.mapTree(tree, (t) => tf.clone(t)) as Weights;
}

/** A loaded tagger and what the page does with it. */
export class DemoModel {
  private constructor(
    private tagger: NerTagger,
    readonly info: ModelInfo,
    private readonly original: { weights: Weights; crf: trax.NerTagger['crf'] },
  ) {}

  /**
   * Loads the tagger exported at `url` (a directory URL: `tagger.json`, `vocabs.json`, `weights.bin` beside each
   * other). Rejects with the library's `TaggerLoadError` (its message names the file and the problem).
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
    const tags = tagger.vocabs.tags.knownTags;
    const info: ModelInfo = {
      url: base,
      config: tagger.config,
      words: tagger.vocabs.words.size,
      chars: tagger.vocabs.chars.size,
      tags,
      entityTypes: entityTypesOf(tags),
      weights: trax.treeLeaves(tagger.model.weights).reduce((n, t) => n + t.size, 0),
      decoding: tagger.crf ? 'crf' : tagger.decoding,
      metadata: (manifest['metadata'] as Record<string, unknown> | undefined) ?? {},
    };
    return new DemoModel(tagger, info, { weights: cloneTree(tagger.model.weights), crf: tagger.crf });
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
   * log-probability of every tag (a CRF model: its emission scores), in the order of `info.tags`. One sentence
   * at a time, in pieces of `maxLen` tokens as the tagger does.
   */
  scores(text: string): number[][][] {
    const { config, vocabs, model } = this.tagger;
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

  // ---- fine-tuning ----

  private optimizer: trax.Adam | undefined;
  private slots: trax.SlotTree | undefined;
  private lossSlots: trax.SlotTree | undefined;
  private lossLayer: trax.Layer | undefined;
  private optimizerSteps = 0;
  private totalSteps = 0;
  private learningRate = 0;

  /** Steps fine-tuned since the model was loaded or reset. */
  get fineTunedSteps(): number {
    return this.totalSteps;
  }

  /** One padded batch: features `[B, L, F]`, tag ids `[B, L]`, weights `[B, L]` (0 at padding). */
  private batchOf(sentences: readonly SampleSentence[]): Tensor[] {
    const { config, vocabs } = this.tagger;
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
      tf.tensor(features, [sentences.length, length, width], 'int32'),
      tf.tensor(tags, [sentences.length, length], 'int32'),
      tf.tensor(weights, [sentences.length, length], 'float32'),
    ];
  }

  /** The loss layer (CrossEntropyLoss, or the CRF loss holding the tagger's transition scores). */
  private ensureLossLayer(batch: readonly Tensor[]): trax.Layer {
    if (this.lossLayer) return this.lossLayer;
    const { config, vocabs, crf } = this.tagger;
    const nTags = vocabs.tags.size;
    const layer = trax.NerLoss(config, nTags);
    const [features, tags, weights] = batch as [Tensor, Tensor, Tensor];
    layer.init([
      { shape: [features.shape[0]!, features.shape[1]!, nTags], dtype: 'float32' },
      { shape: tags.shape, dtype: 'int32' },
      { shape: weights.shape, dtype: 'float32' },
    ]);
    if (crf) {
      trax.disposeTree(layer.weights);
      const flat = Array.isArray(crf.transitions) ? (crf.transitions as number[][]).flat() : Array.from(crf.transitions as Float32Array);
      layer.weights = { transitions: tf.tensor2d(flat, [nTags, nTags]), start: tf.tensor1d(Array.from(crf.start)), end: tf.tensor1d(Array.from(crf.end)) };
    }
    this.lossLayer = layer;
    return layer;
  }

  /** The loss on `sample` with dropout off (one batch). */
  sampleLoss(sample: readonly SampleSentence[]): number {
    const batch = this.batchOf(sample);
    const lossLayer = this.ensureLossLayer(batch);
    const model = this.tagger.model;
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
   * Fine-tunes the loaded model on `sample` for `options.steps` Adam steps (dropout on), on the current backend,
   * yielding to the page between steps so that it can draw. The optimizer's moments carry over from one run to
   * the next (until {@link reset}); a new learning rate starts them afresh.
   */
  async fineTune(sample: readonly SampleSentence[], options: FineTuneOptions): Promise<FineTuneResult> {
    const started = performance.now();
    const { steps, learningRate = 1e-3, batchSize = 8 } = options;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`fine-tuning: steps must be a positive integer, got ${steps}`);
    if (!(learningRate > 0)) throw new RangeError(`fine-tuning: the learning rate must be positive, got ${learningRate}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fine-tuning: the batch size must be a positive integer, got ${batchSize}`);
    const usable = sample.filter((s) => s.words.length > 0 && s.words.length === s.tags.length);
    if (usable.length === 0) throw new Error('fine-tuning: the sample has no usable sentences');
    for (const s of usable) for (const tag of s.tags) this.tagger.vocabs.tags.id(tag); // an unknown tag fails here, naming it

    const sampleLossBefore = this.sampleLoss(usable);
    options.onStart?.(sampleLossBefore);
    const model = this.tagger.model;
    const lossLayer = this.lossLayer!;
    if (!this.optimizer || this.learningRate !== learningRate) this.resetOptimizer(learningRate);
    const optimizer = this.optimizer!;
    // Similar lengths together (less padding), batches in a fixed order.
    const sorted = [...usable].sort((a, b) => a.words.length - b.words.length);
    const batches: SampleSentence[][] = [];
    for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
    const losses: number[] = [];
    const key = trax.makeKey(1234);
    model.mode = 'train';
    try {
      for (let i = 0; i < steps && !options.shouldStop?.(); i++) {
        const batch = this.batchOf(batches[(this.totalSteps + i) % batches.length]!);
        const weights = model.weights;
        const crfWeights = lossLayer.weights;
        try {
          const r = trax.trainStep(
            { model, lossLayer, optimizer },
            batch,
            weights,
            model.state,
            this.slots!,
            trax.foldIn(key, this.totalSteps + i),
            this.totalSteps + i + 1,
            this.optimizerSteps,
            learningRate,
            this.lossSlots,
          );
          model.weights = r.weights;
          trax.disposeReplaced(weights, r.weights);
          trax.disposeReplaced(this.slots!, r.slots);
          this.slots = r.slots;
          if (this.lossSlots !== undefined && r.lossSlots !== undefined) {
            lossLayer.weights = r.lossWeights;
            trax.disposeReplaced(crfWeights, r.lossWeights);
            trax.disposeReplaced(this.lossSlots, r.lossSlots);
            this.lossSlots = r.lossSlots;
          }
          this.optimizerSteps++;
          losses.push(r.loss);
        } finally {
          tf.dispose(batch);
        }
        options.onStep?.(losses.length, losses[losses.length - 1]!);
        // Let the page draw (and the backend flush) between steps.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      model.mode = 'eval';
      this.totalSteps += losses.length;
      if (this.tagger.crf) this.rebuildTagger(this.crfFromLossLayer());
    }
    const sampleLossAfter = this.sampleLoss(usable);
    return { backend: trax.currentBackend(), losses, sampleLossBefore, sampleLossAfter, ms: performance.now() - started, totalSteps: this.totalSteps };
  }

  private resetOptimizer(learningRate: number): void {
    if (this.slots) trax.disposeTree(this.slots);
    if (this.lossSlots) trax.disposeTree(this.lossSlots);
    this.optimizer = new trax.Adam({ learningRate, clipGradNorm: 1 });
    this.learningRate = learningRate;
    this.slots = this.optimizer.treeInit(this.tagger.model.weights);
    const lossWeights = this.lossLayer?.weights ?? {};
    this.lossSlots = trax.treeLeaves(lossWeights).length > 0 ? this.optimizer.treeInit(lossWeights) : undefined;
    this.optimizerSteps = 0;
  }

  private crfFromLossLayer(): NonNullable<trax.NerTagger['crf']> {
    const w = this.lossLayer!.weights as Record<string, Tensor>;
    const read = (name: string): Float32Array => Float32Array.from(w[name]!.dataSync() as Float32Array);
    return { transitions: read('transitions'), start: read('start'), end: read('end') };
  }

  private rebuildTagger(crf: trax.NerTagger['crf']): void {
    const { model, config, vocabs, decoding } = this.tagger;
    this.tagger = new trax.NerTagger({ model, config, vocabs, decoding, ...(crf ? { crf } : {}) });
  }

  /** Back to the weights as loaded (and a fresh optimizer). */
  reset(): void {
    const model = this.tagger.model;
    const current = model.weights;
    model.weights = cloneTree(this.original.weights);
    trax.disposeTree(current);
    if (this.slots) trax.disposeTree(this.slots);
    if (this.lossSlots) trax.disposeTree(this.lossSlots);
    if (this.lossLayer) trax.disposeTree(this.lossLayer.weights);
    this.slots = this.lossSlots = this.lossLayer = this.optimizer = undefined;
    this.optimizerSteps = this.totalSteps = 0;
    this.rebuildTagger(this.original.crf);
  }
}

/** Switches the tfjs backend (the library's `useBackend`, which throws when it cannot start); returns the active one. */
export async function switchBackend(name: BackendName): Promise<string> {
  await trax.useBackend(name);
  return trax.currentBackend();
}

/** The renderer behind a WebGL2 context, or null when there is none (no WebGL2 here). */
export function webglRenderer(): string | null {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return null;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return renderer;
  } catch {
    return null;
  }
}

/** True for a software WebGL renderer (SwiftShader, llvmpipe): there wasm is much faster than webgl. */
export function isSoftwareRenderer(renderer: string | null): boolean {
  return renderer !== null && /swiftshader|llvmpipe|software|softpipe/i.test(renderer);
}

/** A short description of the active backend: wasm with SIMD and threads, webgl with its WebGL version. */
export async function backendDetails(): Promise<string> {
  const name = trax.currentBackend();
  try {
    if (name === 'wasm') {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : 'no threads'})`;
    }
    if (name === 'webgl') return `webgl (WebGL ${tf.env().getNumber('WEBGL_VERSION')})`;
  } catch {
    // flags this tfjs does not know: the name alone
  }
  return name;
}

export { trax };
