/**
 * A streaming entity scorer: add sentences one at a time, read the result whenever.
 */

import { spansEqual, type EntitySpan } from '../tags/entity_span.js';
import type { TagScheme } from '../tags/tag_scheme.js';
import { compareCodeUnits } from '../vocab/frequency_order.js';
import { ConllevalCounter, type PhraseCounts } from './conlleval_counter.js';
import type { EntityScore, EntityTypeScore, RelaxedScore } from './entity_score.js';
import { conllevalReadable, extractEntities, type EntityMode } from './extract_entities.js';
import { precisionRecallF1 } from './precision_recall_f1.js';
import { relaxedCounts, type RelaxedCounts } from './relaxed_match.js';
import {
  addSchemeCounts,
  emptySchemeCounts,
  EVALUATION_SCHEMES,
  schemeScore,
  type EvaluationScheme,
  type SchemeScore,
} from './evaluation_schemes.js';

/** Options of {@link EntityScorer}. @public */
export interface EntityScorerOptions {
  /** How entities are read from tags (default 'conlleval'); see `EntityMode`. */
  readonly mode?: EntityMode;
  /** The tag scheme of gold and predicted tags (default 'IOB2'). */
  readonly scheme?: TagScheme;
  /** Positions whose gold tag is this (e.g. `'<pad>'`) are not real tokens: they are dropped before scoring. */
  readonly padTag?: string;
}

function typeScore(counts: PhraseCounts): EntityTypeScore {
  return {
    gold: counts.gold,
    predicted: counts.predicted,
    correct: counts.correct,
    ...precisionRecallF1(counts.correct, counts.predicted, counts.gold),
  };
}

function relaxedScore(counts: RelaxedCounts, gold: number, predicted: number): RelaxedScore {
  const precision = predicted > 0 ? counts.matchedPredicted / predicted : 0;
  const recall = gold > 0 ? counts.matchedGold / gold : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { gold, predicted, matchedPredicted: counts.matchedPredicted, matchedGold: counts.matchedGold, precision, recall, f1 };
}

function countMatches(gold: readonly EntitySpan[], predicted: readonly EntitySpan[]): EntitySpan[] {
  return predicted.filter((p) => gold.some((g) => spansEqual(g, p)));
}

/**
 * Accumulates entity-level counts over sentences.
 *
 * In 'conlleval' mode the exact-match counts come from a step-by-step port of conlleval's state machine (each
 * `add` is one sentence followed by a boundary), so they equal the reference script's. In 'strict' mode an
 * entity is correct when a gold entity has the same type, start and end. Relaxed matches use the entities as
 * the mode reads them.
 * @example
 * const scorer = new EntityScorer({ mode: 'conlleval' });
 * scorer.add(['B-per', 'I-per', 'O'], ['B-per', 'I-per', 'O']);
 * scorer.result().overall.f1; // 1
 * @public
 */
export class EntityScorer {
  /** How entities are read from the tags (default `'conlleval'`). */
  readonly mode: EntityMode;
  /** The tag scheme of the gold and predicted tags (default `'IOB2'`). */
  readonly scheme: TagScheme;
  private readonly padTag: string | undefined;
  private sentences = 0;
  private tokens = 0;
  private correctTokens = 0;
  private readonly overall: PhraseCounts = { gold: 0, predicted: 0, correct: 0 };
  private readonly byType = new Map<string, PhraseCounts>();
  private conlleval = new ConllevalCounter();
  private readonly typeRelaxed: RelaxedCounts = { matchedPredicted: 0, matchedGold: 0 };
  private readonly boundaryRelaxed: RelaxedCounts = { matchedPredicted: 0, matchedGold: 0 };
  private schemeCounts = emptySchemeCounts();

  constructor(options: EntityScorerOptions = {}) {
    this.mode = options.mode ?? 'conlleval';
    this.scheme = options.scheme ?? 'IOB2';
    this.padTag = options.padTag;
    if (this.mode !== 'conlleval' && this.mode !== 'strict') {
      throw new TypeError(`EntityScorer: unknown mode '${String(this.mode)}': use 'conlleval' or 'strict'`);
    }
  }

  /** Adds one sentence: its gold tags and the predicted tags, of the same length. */
  add(gold: readonly string[], predicted: readonly string[]): void {
    if (gold.length !== predicted.length) {
      throw new RangeError(
        `EntityScorer.add: sentence ${this.sentences + 1} has ${gold.length} gold tags but ${predicted.length} predicted tags`,
      );
    }
    let goldTags = gold;
    let predictedTags = predicted;
    if (this.padTag !== undefined) {
      const real = gold.map((tag) => tag !== this.padTag);
      goldTags = gold.filter((_, i) => real[i]);
      predictedTags = predicted.filter((_, i) => real[i]);
    }
    const options = { mode: this.mode, scheme: this.scheme };
    const goldSpans = extractEntities(goldTags, options);
    const predictedSpans = extractEntities(predictedTags, options);
    this.sentences++;
    if (this.mode === 'conlleval') {
      const readable = (tags: readonly string[]): readonly string[] => (this.scheme === 'IOBES' ? conllevalReadable(tags) : tags);
      this.conlleval.addSentence(readable(goldTags), readable(predictedTags));
    } else {
      this.addStrict(goldTags, predictedTags, goldSpans, predictedSpans);
    }
    for (const [counts, sameType] of [
      [this.typeRelaxed, true],
      [this.boundaryRelaxed, false],
    ] as const) {
      const sentence = relaxedCounts(goldSpans, predictedSpans, sameType);
      counts.matchedPredicted += sentence.matchedPredicted;
      counts.matchedGold += sentence.matchedGold;
    }
    addSchemeCounts(this.schemeCounts, goldSpans, predictedSpans);
  }

  private addStrict(gold: readonly string[], predicted: readonly string[], goldSpans: EntitySpan[], predictedSpans: EntitySpan[]): void {
    const bump = (type: string, field: keyof PhraseCounts): void => {
      let counts = this.byType.get(type);
      if (!counts) this.byType.set(type, (counts = { gold: 0, predicted: 0, correct: 0 }));
      counts[field]++;
      this.overall[field]++;
    };
    for (const span of goldSpans) bump(span.type, 'gold');
    for (const span of predictedSpans) bump(span.type, 'predicted');
    for (const span of countMatches(goldSpans, predictedSpans)) bump(span.type, 'correct');
    this.tokens += gold.length;
    for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) this.correctTokens++;
  }

  /** Clears all counts. */
  reset(): void {
    this.sentences = this.tokens = this.correctTokens = 0;
    this.overall.gold = this.overall.predicted = this.overall.correct = 0;
    this.byType.clear();
    this.conlleval = new ConllevalCounter();
    this.typeRelaxed.matchedGold = this.typeRelaxed.matchedPredicted = 0;
    this.boundaryRelaxed.matchedGold = this.boundaryRelaxed.matchedPredicted = 0;
    this.schemeCounts = emptySchemeCounts();
  }

  /** The scores of everything added so far (the scorer can keep accumulating afterwards). */
  result(): EntityScore {
    const { overall, byType, tokens, correctTokens } =
      this.mode === 'conlleval'
        ? this.conllevalCounts()
        : { overall: this.overall, byType: this.byType, tokens: this.tokens, correctTokens: this.correctTokens };
    const types = [...byType.keys()].sort(compareCodeUnits);
    const perType: Record<string, EntityTypeScore> = {};
    for (const type of types) perType[type] = typeScore(byType.get(type)!);
    const scores = types.map((type) => perType[type]!);
    const schemes = Object.fromEntries(EVALUATION_SCHEMES.map((name) => [name, schemeScore(this.schemeCounts[name])])) as Record<
      EvaluationScheme,
      SchemeScore
    >;
    const mean = (pick: (s: EntityTypeScore) => number): number =>
      scores.length ? scores.reduce((sum, s) => sum + pick(s), 0) / scores.length : 0;
    return {
      mode: this.mode,
      scheme: this.scheme,
      sentences: this.sentences,
      tokens,
      correctTokens,
      tokenAccuracy: tokens > 0 ? correctTokens / tokens : 0,
      overall: typeScore(overall),
      byType: perType,
      typeOrder: types,
      macro: { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) },
      typeRelaxed: relaxedScore(this.typeRelaxed, overall.gold, overall.predicted),
      boundaryRelaxed: relaxedScore(this.boundaryRelaxed, overall.gold, overall.predicted),
      schemes,
    };
  }

  /** conlleval's counts, with a chunk still open at the end counted as conlleval does at end of file. */
  private conllevalCounts(): { overall: PhraseCounts; byType: Map<string, PhraseCounts>; tokens: number; correctTokens: number } {
    const counter = this.conlleval;
    const overall = { ...counter.overall };
    const byType = new Map([...counter.byType].map(([type, counts]) => [type, { ...counts }]));
    const pending = counter.pendingCorrectType();
    if (pending !== undefined) {
      overall.correct++;
      const counts = byType.get(pending) ?? { gold: 0, predicted: 0, correct: 0 };
      counts.correct++;
      byType.set(pending, counts);
    }
    return { overall, byType, tokens: counter.tokens, correctTokens: counter.correctTags };
  }
}

/**
 * Scores whole corpora at once: `gold[i]` and `predicted[i]` are the tags of sentence i.
 * @public
 */
export function scoreEntities(
  gold: Iterable<readonly string[]>,
  predicted: Iterable<readonly string[]>,
  options: EntityScorerOptions = {},
): EntityScore {
  const scorer = new EntityScorer(options);
  const predictedIterator = predicted[Symbol.iterator]();
  let index = 0;
  for (const goldTags of gold) {
    const next = predictedIterator.next();
    if (next.done) throw new RangeError(`scoreEntities: ${index} predicted sentences but more gold ones`);
    scorer.add(goldTags, next.value);
    index++;
  }
  if (!predictedIterator.next().done) throw new RangeError(`scoreEntities: ${index} gold sentences but more predicted ones`);
  return scorer.result();
}
