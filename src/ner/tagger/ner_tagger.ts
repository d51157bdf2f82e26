/**
 * A trained tagger (one model, or an ensemble of models whose scores are averaged): tags tokenized sentences or raw
 * text, and scores itself on a gold corpus.
 */
import { tf } from '../../backend/tf.js';
import type { Layer } from '../../core/base.js';
import type { CrfParameters } from '../../layers/crf.js';
import type { Tensor } from '../../core/types.js';
import { treeLeaves } from '../../core/tensor_tree.js';
import { makeKey } from '../../rng/key.js';
import type { NerVocabs } from '../dataset/vocabs.js';
import type { EntityScore } from '../eval/entity_score.js';
import type { EntityScorerOptions } from '../eval/entity_scorer.js';
import type { NerModelConfig } from '../model/config.js';
import { encodeFeatures, featureLayout } from '../model/features.js';
import type { TagVocab } from '../vocab/tag_vocab.js';
import { argmaxDecode, constrainedDecode, crfDecode, type DecodedTags, iob2Constraints, type SoftmaxDecoding } from './decode.js';
import { evaluationInput, type GoldSentence, scoreTags, taggedText, textToTag } from './tag_steps.js';
import type { TaggedSentence, TagOptions, TagTokensOptions, TokenTags } from './tagger_types.js';

export type { TaggedSentence, TagOptions, TagTokensOptions, TokenTags } from './tagger_types.js';
import { collectTags, type TaggingPiece, type TaggingPlan, taggingPieces, taggingPlan } from './tagging_plan.js';

/** What a single {@link NerTagger} (or one member of an ensemble) is made of. @public */
export interface NerTaggerParts {
  /** The model, with its weights (see `NerTaggerModel`); the tagger runs it in mode `eval`. */
  readonly model: Layer;
  /** The configuration the model was built with. */
  readonly config: NerModelConfig;
  /** The vocabularies the model was trained with. */
  readonly vocabs: NerVocabs;
  /** The CRF's transition scores, for a model built with `crf`. */
  readonly crf?: CrfParameters;
  /** How a softmax model's output is decoded (default `'constrained'`: the best IOB2-valid sequence). */
  readonly decoding?: SoftmaxDecoding;
}

/** What an ensemble {@link NerTagger} is made of. @public */
export interface NerEnsembleParts {
  /**
   * The members, each a trained tagger's parts. They may differ in model configuration and word and character
   * vocabularies, but must share the tag vocabulary (the same tags in the same order) and must all be CRF models
   * or all softmax models (softmax members must also agree on `decoding`).
   */
  readonly members: readonly NerTaggerParts[];
  /** The members' names in error messages (default `member 1`, `member 2`, ...). */
  readonly names?: readonly string[];
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

/** The element-wise mean of the members' CRF parameters. */
function averageCrf(crfs: readonly CrfParameters[]): CrfParameters {
  const mean = (arrays: readonly ArrayLike<number>[]): Float32Array => {
    const sum = new Float64Array(arrays[0]!.length);
    for (const a of arrays) for (let i = 0; i < sum.length; i++) sum[i]! += a[i]!;
    return Float32Array.from(sum, (v) => v / arrays.length);
  };
  return {
    transitions: mean(crfs.map((c) => (Array.isArray(c.transitions) ? c.transitions.flat() : c.transitions))),
    start: mean(crfs.map((c) => c.start)),
    end: mean(crfs.map((c) => c.end)),
  };
}

/** Checks that the members can be combined; the message names the members and the problem. */
function checkMembers(members: readonly NerTaggerParts[], names: readonly string[]): void {
  if (members.length === 0) throw new Error('NerTagger: an ensemble needs at least one member, got none');
  if (names.length !== members.length) throw new Error(`NerTagger: ${names.length} names for ${members.length} members`);
  members.forEach((m, i) => {
    if (m.config.contextTokens !== members[0]!.config.contextTokens) {
      throw new Error(
        `NerTagger: the members read different document context: ${names[i]} contextTokens ${m.config.contextTokens}, ${names[0]} ${members[0]!.config.contextTokens}`,
      );
    }
    if (m.config.crf && !m.crf)
      throw new Error(`NerTagger: ${names[i]}: the model is configured with a CRF but no CRF parameters were given`);
    if (!m.model.initialized) throw new Error(`NerTagger: ${names[i]}: the model has no weights (initialise or load it first)`);
  });
  const tags = members[0]!.vocabs.tags;
  members.forEach((m, i) => {
    const other = m.vocabs.tags;
    if (
      other.padTag === tags.padTag &&
      other.knownTags.length === tags.knownTags.length &&
      other.knownTags.every((t, j) => t === tags.knownTags[j])
    )
      return;
    throw new Error(
      `NerTagger: the members' tag vocabularies differ (an ensemble needs the same tags in the same order): ${names[i]} has ` +
        `[${other.knownTags.join(', ')}], ${names[0]} [${tags.knownTags.join(', ')}]`,
    );
  });
  const crfMembers = names.filter((_, i) => members[i]!.crf);
  if (crfMembers.length > 0 && crfMembers.length < members.length) {
    const softmax = names.filter((_, i) => !members[i]!.crf);
    throw new Error(
      `NerTagger: an ensemble needs all CRF or all softmax members: ${crfMembers.join(', ')} (CRF) and ${softmax.join(', ')} (softmax)`,
    );
  }
  if (crfMembers.length === 0) {
    const decodings = members.map((m) => m.decoding ?? 'constrained');
    const other = decodings.findIndex((d) => d !== decodings[0]);
    if (other >= 0)
      throw new Error(
        `NerTagger: the softmax members decode differently: ${names[0]} '${decodings[0]}', ${names[other]} '${decodings[other]}'`,
      );
  }
}

/** One member's per-token scores for a padded batch, `[batch.length * length * nTags]` (log-probabilities or CRF emissions). */
function memberScores(member: NerTaggerParts, batch: readonly TaggingPiece[], length: number): Float32Array {
  const width = featureLayout(member.config).width;
  const features = new Int32Array(batch.length * length * width);
  batch.forEach((piece, b) =>
    encodeFeatures(piece.words, member.vocabs, member.config, features, b * length * width, [piece.targetStart, piece.targetEnd]),
  );
  const output = tf.tidy(() => {
    const input = tf.tensor(features, [batch.length, length, width], 'int32');
    const [out] = member.model.pureFn(input, member.model.weights, member.model.state, makeKey(0));
    return out as Tensor;
  });
  const nTags = member.vocabs.tags.size;
  try {
    if (output.shape[2] !== nTags)
      throw new Error(`NerTagger: the model gives ${output.shape[2]} scores per token, the tag vocabulary has ${nTags} tags`);
    return output.dataSync() as Float32Array;
  } finally {
    output.dispose();
  }
}

/** Log-probabilities `row - logsumexp(row)`, in place. */
function logNormalise(row: Float64Array): void {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const log = max + Math.log(sum);
  for (let j = 0; j < row.length; j++) row[j]! -= log;
}

/**
 * A named-entity tagger: a model with its vocabularies and configuration, or an ensemble of such members.
 * `tag(text)` splits raw text into sentences and GMB-style tokens, tags them, and returns the entities with
 * character offsets and confidences; `tagTokens` tags already tokenized sentences; `evaluate` scores gold
 * sentences at the entity level.
 *
 * Sentences longer than the model's `maxLen` are tagged in pieces of `maxLen` tokens. A context model
 * (`contextTokens` above 0) tags each sentence inside its window of its document (see `contextWindow`): the
 * window is encoded, the target sentence's tokens are decoded (each token once). Words the vocabulary does not
 * know go through UNK (and the character features, when the model has them).
 *
 * An ensemble (`new NerTagger({ members })`) encodes the words with each member's own vocabularies and runs every
 * member on the same pieces (of the smallest `maxLen` among them), then combines their per-token scores: CRF
 * members' emission scores and CRF parameters (transitions, start, end) are averaged and decoded with the
 * IOB2-constrained Viterbi and marginals; softmax members' log-probabilities are averaged, renormalised (so the
 * confidence is the normalised geometric mean of the members' probabilities) and decoded as `decoding` says.
 *
 * @example
 * ```ts
 * // a, b: trained taggers (the same tag vocabulary; both CRF or both softmax)
 * const ensemble = new NerTagger({ members: [...a.members, ...b.members] });
 * ensemble.tag('Thousands marched through London.');
 * ```
 * @public
 */
export class NerTagger {
  /** The members: one (the tagger's own parts) for a single tagger, each member's parts for an ensemble. */
  readonly members: readonly NerTaggerParts[];
  /** Whether the tagger was made from `members` (exported as an ensemble, even of one member). */
  readonly isEnsemble: boolean;
  /** How softmax scores are decoded (the members' decoding, for an ensemble). */
  readonly decoding: SoftmaxDecoding;
  /** Tokens per piece: the smallest `maxLen` of the members. */
  private readonly maxLen: number;
  private readonly constraints: { transitions: Float32Array; start: Float32Array };
  /** The (averaged) CRF's scores with IOB2's forbidden transitions added (as -1e4), so Viterbi only yields valid sequences. */
  private readonly crfDecoding: CrfParameters | undefined;
  private disposed = false;

  constructor(parts: NerTaggerParts | NerEnsembleParts) {
    if ('members' in parts) {
      this.members = [...parts.members];
      this.isEnsemble = true;
      checkMembers(this.members, parts.names ?? this.members.map((_, i) => `member ${i + 1}`));
    } else {
      this.members = [parts];
      this.isEnsemble = false;
      if (parts.config.crf && !parts.crf) throw new Error('NerTagger: the model is configured with a CRF but no CRF parameters were given');
      if (!parts.model.initialized) throw new Error('NerTagger: the model has no weights (initialise or load it first)');
    }
    const first = this.members[0]!;
    this.decoding = first.decoding ?? 'constrained';
    this.maxLen = Math.min(...this.members.map((m) => m.config.maxLen));
    this.constraints = iob2Constraints(first.vocabs.tags.knownTags);
    const crfs = this.members.flatMap((m) => (m.crf ? [m.crf] : []));
    this.crfDecoding = crfs.length === 0 ? undefined : constrainCrf(crfs.length === 1 ? crfs[0]! : averageCrf(crfs), this.constraints);
  }

  /** The tag vocabulary (every member's). */
  get tags(): TagVocab {
    return this.members[0]!.vocabs.tags;
  }

  /** The model, with its weights; an error for an ensemble (see `members`). */
  get model(): Layer {
    return this.single('model').model;
  }

  /** The model's configuration; an error for an ensemble (see `members`). */
  get config(): NerModelConfig {
    return this.single('configuration').config;
  }

  /** The vocabularies; an error for an ensemble (see `members`, and `tags` for the shared tag vocabulary). */
  get vocabs(): NerVocabs {
    return this.single('vocabularies').vocabs;
  }

  /** The CRF's transition scores, for a model built with `crf`; an error for an ensemble (see `members`). */
  get crf(): CrfParameters | undefined {
    return this.single('CRF').crf;
  }

  /**
   * Frees the tensors the tagger holds: every member model's weights and state (tfjs does not collect them). The
   * tagger cannot tag after this (an error says so); a second call does nothing. Do not dispose a tagger whose
   * models are still used elsewhere (a training loop's model, a checkpoint's tagger sharing them).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const seen = new Set<Tensor>();
    for (const { model } of this.members) {
      if (!model.initialized) continue;
      for (const t of [...treeLeaves(model.weights), ...treeLeaves(model.state)]) {
        if (seen.has(t)) continue;
        seen.add(t);
        if (!t.isDisposed) t.dispose();
      }
    }
  }

  /** Whether {@link NerTagger.dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  private single(what: string): NerTaggerParts {
    if (this.isEnsemble) {
      const n = this.members.length;
      throw new Error(`NerTagger: an ensemble (${n} member${n === 1 ? '' : 's'}) has no single ${what}; see its members`);
    }
    return this.members[0]!;
  }

  /** Tags tokenized sentences. */
  tagTokens(sentences: readonly (readonly string[])[], options: TagTokensOptions = {}): TokenTags[] {
    const plan = this.planTagging(sentences, options);
    return this.tagsFromPlan(
      plan,
      plan.batches.map((batch) => this.tagPieces(batch)),
    );
  }

  /**
   * The batches {@link NerTagger.tagTokens} runs for `sentences`: their pieces (see `taggingPieces`), sorted by
   * length and cut into batches of `options.batchSize`. A tagger pool runs them in its workers with
   * {@link NerTagger.tagPieces} and puts the results back with {@link NerTagger.tagsFromPlan}.
   * @internal
   */
  planTagging(sentences: readonly (readonly string[])[], options: TagTokensOptions = {}): TaggingPlan {
    if (this.disposed) throw new Error('NerTagger: the tagger was disposed (dispose() freed its weights); load or build it again');
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`NerTagger: batchSize must be a positive integer, got ${batchSize}`);
    if (options.documents !== undefined && options.documents.length !== sentences.length) {
      throw new RangeError(
        `NerTagger: ${options.documents.length} documents for ${sentences.length} sentences (give each sentence's document)`,
      );
    }
    const pieces = taggingPieces(sentences, options.documents, this.maxLen, this.members[0]!.config.contextTokens);
    return taggingPlan(sentences, pieces, batchSize);
  }

  /** The decoded tags of one batch of a {@link NerTagger.planTagging} plan: each piece's target tokens, in order. @internal */
  tagPieces(batch: readonly TaggingPiece[]): DecodedTags[] {
    if (this.disposed) throw new Error('NerTagger: the tagger was disposed (dispose() freed its weights); load or build it again');
    const models = this.members.map((m) => m.model);
    const previousModes = models.map((m) => m.mode);
    for (const m of models) m.mode = 'eval';
    try {
      return this.scoreBatch(batch).map((rows) => this.decode(rows));
    } finally {
      for (let i = models.length - 1; i >= 0; i--) models[i]!.mode = previousModes[i]!;
    }
  }

  /** Each sentence's tags from the decoded tags of every batch of `plan` (see {@link NerTagger.planTagging}). @internal */
  tagsFromPlan(plan: TaggingPlan, decoded: readonly (readonly DecodedTags[])[]): TokenTags[] {
    return collectTags(plan, decoded).map((r) => ({ tags: this.tags.decode(r.tagIds), confidence: r.confidence }));
  }

  /**
   * The per-token scores of one batch of (at most `maxLen`-token) sentences, `[sentence][token][tag]`: the model's
   * log-probabilities or CRF emissions, the members' mean for an ensemble (softmax means renormalised).
   */
  private scoreBatch(batch: readonly TaggingPiece[]): ArrayLike<number>[][] {
    const length = Math.max(1, ...batch.map((p) => p.words.length));
    const nTags = this.tags.size;
    const rowsOf = (scores: Float32Array | Float64Array): ArrayLike<number>[][] =>
      batch.map((p, b) =>
        Array.from({ length: p.targetEnd - p.targetStart }, (_, i) =>
          scores.subarray((b * length + p.targetStart + i) * nTags, (b * length + p.targetStart + i + 1) * nTags),
        ),
      );
    if (this.members.length === 1) return rowsOf(memberScores(this.members[0]!, batch, length));
    const mean = new Float64Array(batch.length * length * nTags);
    for (const member of this.members) {
      const scores = memberScores(member, batch, length);
      for (let i = 0; i < mean.length; i++) mean[i]! += scores[i]!;
    }
    for (let i = 0; i < mean.length; i++) mean[i]! /= this.members.length;
    const rows = rowsOf(mean) as Float64Array[][];
    if (!this.crfDecoding) for (const sentence of rows) for (const row of sentence) logNormalise(row);
    return rows;
  }

  /** Tags and confidences of one sentence from its per-token scores. */
  private decode(rows: ArrayLike<number>[]): DecodedTags {
    if (this.crfDecoding) return crfDecode(rows, this.crfDecoding);
    return this.decoding === 'constrained' ? constrainedDecode(rows, this.constraints) : argmaxDecode(rows);
  }

  /**
   * Splits raw text into sentences and tokens, tags them (a context model with the text's other sentences as
   * context: the text is one document), and returns each sentence with its entities. Offsets are
   * UTF-16 code units (JavaScript string indices) unless `options.offsets` is `'codePoints'` (see {@link TagOptions}).
   */
  tag(text: string, options: TagOptions = {}): TaggedSentence[] {
    const input = textToTag(text, options);
    return taggedText(input, this.tagTokens(input.tokens, input.options));
  }

  /**
   * Tags gold sentences and scores the predictions at the entity level (conlleval mode unless told otherwise). A
   * context model reads each sentence with its document's context (the sentences' `document`, unless
   * `options.documents` is given).
   * A gold tag the vocabulary does not know is an `UnknownTagError` naming it.
   */
  evaluate(sentences: readonly GoldSentence[], options: EntityScorerOptions & TagTokensOptions = {}): EntityScore {
    const input = evaluationInput(this.tags, sentences, options);
    return scoreTags(sentences, this.tagTokens(input.tokens, input.options), options);
  }
}
