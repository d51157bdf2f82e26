/**
 * A trained tagger: tags tokenized sentences or raw text, and scores itself on a gold corpus.
 */
import { tf } from '../../backend/tf.js';
import type { Layer } from '../../layers/base.js';
import type { CrfParameters } from '../../layers/crf.js';
import type { Tensor } from '../../layers/types.js';
import { makeKey } from '../../rng/key.js';
import type { NerVocabs } from '../dataset/vocabs.js';
import type { EntityScore } from '../eval/entity_score.js';
import { EntityScorer, type EntityScorerOptions } from '../eval/entity_scorer.js';
import type { NerModelConfig } from '../model/config.js';
import { encodeFeatures, featureLayout } from '../model/features.js';
import { splitSentences } from '../split_sentences.js';
import type { Token } from '../tokenize.js';
import { argmaxDecode, constrainedDecode, crfDecode, type DecodedTags, iob2Constraints, type SoftmaxDecoding } from './decode.js';
import { entitiesOf, type TaggedEntity } from './entities.js';

/** What a {@link NerTagger} is made of. @public */
export interface NerTaggerParts {
  /** The model, with its weights (see `NerTaggerModel`); the tagger runs it in mode `eval`. */
  readonly model: Layer;
  readonly config: NerModelConfig;
  readonly vocabs: NerVocabs;
  /** The CRF's transition scores, for a model built with `crf`. */
  readonly crf?: CrfParameters;
  /** How a softmax model's output is decoded (default `'constrained'`: the best IOB2-valid sequence). */
  readonly decoding?: SoftmaxDecoding;
}

/** Options of {@link NerTagger.tagTokens}. @public */
export interface TagTokensOptions {
  /** Sentences per inference batch (default 256). */
  readonly batchSize?: number;
}

/** Tags and per-token confidences of one tokenized sentence. @public */
export interface TokenTags {
  readonly tags: string[];
  readonly confidence: number[];
}

/** One sentence of tagged raw text. @public */
export interface TaggedSentence {
  /** The sentence's text and its `[start, end)` offsets in the input. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Its tokens (offsets into the input) and their predicted IOB2 tags. */
  readonly tokens: readonly Token[];
  readonly tags: readonly string[];
  readonly entities: TaggedEntity[];
}

/** CRF scores plus IOB2 constraints (forbidden pairs and starts at -1e4: finite, so marginals stay defined). */
function constrainCrf(crf: CrfParameters, constraints: { transitions: Float32Array; start: Float32Array }): CrfParameters {
  const n = crf.start.length;
  if (constraints.start.length !== n) throw new Error(`NerTagger: the CRF has ${n} tags, the tag vocabulary ${constraints.start.length}`);
  const flat = Array.isArray(crf.transitions) ? Float32Array.from(crf.transitions.flat()) : Float32Array.from(crf.transitions);
  const penalty = (c: number): number => (c === -Infinity ? -1e4 : 0);
  return {
    transitions: flat.map((v, i) => v + penalty(constraints.transitions[i]!)),
    start: Float32Array.from(crf.start, (v, j) => v + penalty(constraints.start[j]!)),
    end: Float32Array.from(crf.end),
  };
}

interface Piece {
  sentence: number;
  offset: number;
  words: readonly string[];
}

/**
 * A named-entity tagger: a model with its vocabularies and configuration. `tag(text)` splits raw text into
 * sentences and GMB-style tokens, tags them, and returns the entities with character offsets and confidences;
 * `tagTokens` tags already tokenized sentences; `evaluate` scores gold sentences at the entity level.
 *
 * Sentences longer than the model's `maxLen` are tagged in pieces of `maxLen` tokens. Words the vocabulary does not
 * know go through UNK (and the character features, when the model has them).
 * @public
 */
export class NerTagger {
  readonly model: Layer;
  readonly config: NerModelConfig;
  readonly vocabs: NerVocabs;
  readonly crf: CrfParameters | undefined;
  readonly decoding: SoftmaxDecoding;
  private readonly constraints: { transitions: Float32Array; start: Float32Array };
  /** The CRF's scores with IOB2's forbidden transitions added (as -1e4), so Viterbi only yields valid sequences. */
  private readonly crfDecoding: CrfParameters | undefined;

  constructor(parts: NerTaggerParts) {
    this.model = parts.model;
    this.config = parts.config;
    this.vocabs = parts.vocabs;
    this.crf = parts.crf;
    this.decoding = parts.decoding ?? 'constrained';
    if (this.config.crf && !this.crf) throw new Error('NerTagger: the model is configured with a CRF but no CRF parameters were given');
    if (!this.model.initialized) throw new Error('NerTagger: the model has no weights (initialise or load it first)');
    this.constraints = iob2Constraints(this.vocabs.tags.knownTags);
    this.crfDecoding = this.crf && constrainCrf(this.crf, this.constraints);
  }

  /** Tags tokenized sentences. */
  tagTokens(sentences: readonly (readonly string[])[], options: TagTokensOptions = {}): TokenTags[] {
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`NerTagger: batchSize must be a positive integer, got ${batchSize}`);
    const maxLen = this.config.maxLen;
    const pieces: Piece[] = [];
    sentences.forEach((words, sentence) => {
      for (let offset = 0; offset < words.length; offset += maxLen) pieces.push({ sentence, offset, words: words.slice(offset, offset + maxLen) });
    });
    const results = sentences.map((words) => ({ tagIds: new Array<number>(words.length), confidence: new Array<number>(words.length) }));
    const order = pieces.map((_, i) => i).sort((a, b) => pieces[a]!.words.length - pieces[b]!.words.length);
    const previousMode = this.model.mode;
    this.model.mode = 'eval';
    try {
      for (let from = 0; from < order.length; from += batchSize) {
        const batch = order.slice(from, from + batchSize).map((i) => pieces[i]!);
        const decoded = this.runBatch(batch.map((p) => p.words));
        batch.forEach((piece, b) => {
          const out = results[piece.sentence]!;
          decoded[b]!.tagIds.forEach((tag, t) => {
            out.tagIds[piece.offset + t] = tag;
            out.confidence[piece.offset + t] = decoded[b]!.confidence[t]!;
          });
        });
      }
    } finally {
      this.model.mode = previousMode;
    }
    return results.map((r) => ({ tags: this.vocabs.tags.decode(r.tagIds), confidence: r.confidence }));
  }

  /** Runs the model on one batch of (at most `maxLen`-token) sentences and decodes each. */
  private runBatch(batch: readonly (readonly string[])[]): DecodedTags[] {
    const width = featureLayout(this.config).width;
    const length = Math.max(1, ...batch.map((w) => w.length));
    const features = new Int32Array(batch.length * length * width);
    batch.forEach((words, b) => encodeFeatures(words, this.vocabs, this.config, features, b * length * width));
    const output = tf.tidy(() => {
      const input = tf.tensor(features, [batch.length, length, width], 'int32');
      const [out] = this.model.pureFn(input, this.model.weights, this.model.state, makeKey(0));
      return out as Tensor;
    });
    const nTags = output.shape[2]!;
    const scores = output.dataSync() as Float32Array;
    output.dispose();
    return batch.map((words, b) => {
      const rows = Array.from({ length: words.length }, (_, t) => scores.subarray((b * length + t) * nTags, (b * length + t + 1) * nTags));
      if (this.crfDecoding) return crfDecode(rows, this.crfDecoding);
      return this.decoding === 'constrained' ? constrainedDecode(rows, this.constraints) : argmaxDecode(rows);
    });
  }

  /** Splits raw text into sentences and tokens, tags them, and returns each sentence with its entities. */
  tag(text: string, options: TagTokensOptions = {}): TaggedSentence[] {
    if (typeof text !== 'string') throw new TypeError(`NerTagger.tag: expected a string, got ${typeof text}`);
    const sentences = splitSentences(text);
    const tagged = this.tagTokens(
      sentences.map((s) => s.tokens.map((t) => t.text)),
      options,
    );
    return sentences.map((s, i) => {
      const { tags, confidence } = tagged[i]!;
      return { text: s.text, start: s.start, end: s.end, tokens: s.tokens, tags, entities: entitiesOf(text, s.tokens, tags, confidence) };
    });
  }

  /**
   * Tags gold sentences and scores the predictions at the entity level (conlleval mode unless told otherwise).
   * A gold tag the vocabulary does not know is an `UnknownTagError` naming it.
   */
  evaluate(sentences: readonly { readonly words: readonly string[]; readonly tags: readonly string[] }[], options: EntityScorerOptions & TagTokensOptions = {}): EntityScore {
    for (const s of sentences) for (const tag of s.tags) this.vocabs.tags.id(tag);
    const predicted = this.tagTokens(
      sentences.map((s) => s.words),
      options,
    );
    const scorer = new EntityScorer({ mode: options.mode ?? 'conlleval', scheme: options.scheme ?? 'IOB2' });
    sentences.forEach((s, i) => scorer.add(s.tags, predicted[i]!.tags));
    return scorer.result();
  }
}
