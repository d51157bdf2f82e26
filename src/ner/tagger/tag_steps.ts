/**
 * What `tag` (raw text) and `evaluate` (gold sentences) add around `tagTokens`, written once for the tagger
 * ({@link NerTagger}) and the tagger pool (`NerTaggerPool`), which differ only in how `tagTokens` runs.
 */
import type { EntityScore } from '../eval/entity_score.js';
import { EntityScorer, type EntityScorerOptions } from '../eval/entity_scorer.js';
import { splitSentences, type TextSentence } from '../split_sentences.js';
import type { TagVocab } from '../vocab/tag_vocab.js';
import { entitiesOf } from './entities.js';
import type { TaggedSentence, TagOptions, TagTokensOptions, TokenTags } from './tagger_types.js';
import { codePointIndex, type OffsetUnit } from './offsets.js';
import { mapOffsets } from './offsets.js';

/** Raw text cut for tagging: its sentences (tokenized), the tokens to tag, and the offset unit asked for. */
export interface TextToTag {
  readonly text: string;
  readonly sentences: readonly TextSentence[];
  readonly tokens: string[][];
  readonly unit: OffsetUnit;
  readonly options: TagTokensOptions;
}

/** Checks `tag`'s arguments and splits the text into sentences and tokens. */
export function textToTag(text: string, options: TagOptions): TextToTag {
  if (typeof text !== 'string') throw new TypeError(`NerTagger.tag: expected a string, got ${typeof text}`);
  const unit = options.offsets ?? 'utf16';
  if (unit !== 'utf16' && unit !== 'codePoints')
    throw new RangeError(`NerTagger.tag: offsets must be 'utf16' or 'codePoints', got ${JSON.stringify(unit)}`);
  const sentences = splitSentences(text);
  // The text is one document: its sentences are each other's context (for a context model).
  return {
    text,
    sentences,
    tokens: sentences.map((s) => s.tokens.map((t) => t.text)),
    unit,
    options: options.batchSize !== undefined ? { batchSize: options.batchSize } : {},
  };
}

/** The tagged sentences of the text, from the tags of its tokens. */
export function taggedText(input: TextToTag, tagged: readonly TokenTags[]): TaggedSentence[] {
  const { text, sentences, unit } = input;
  const result: TaggedSentence[] = sentences.map((s, i) => {
    const { tags, confidence } = tagged[i]!;
    return { text: s.text, start: s.start, end: s.end, tokens: s.tokens, tags, entities: entitiesOf(text, s.tokens, tags, confidence) };
  });
  if (unit === 'utf16') return result;
  const at = codePointIndex(text);
  return result.map((s) => mapOffsets(s, at));
}

/** A gold sentence, as `NerTagger.evaluate` takes it: its words, their gold tags, and its document (for a context model). @public */
export interface GoldSentence {
  /** The sentence's tokens. */
  readonly words: readonly string[];
  /** The gold tag of each token. */
  readonly tags: readonly string[];
  /** The document the sentence belongs to (a context model reads its neighbours in it). */
  readonly document?: string;
}

/**
 * Checks the gold tags (an unknown one is an `UnknownTagError` naming it) and gives the tokens to tag with their
 * `tagTokens` options (the sentences' documents, unless `options.documents` is given).
 */
export function evaluationInput(
  tags: TagVocab,
  sentences: readonly GoldSentence[],
  options: EntityScorerOptions & TagTokensOptions,
): { tokens: (readonly string[])[]; options: EntityScorerOptions & TagTokensOptions } {
  for (const s of sentences) for (const tag of s.tags) tags.id(tag);
  const documents = options.documents ?? (sentences.some((s) => s.document !== undefined) ? sentences.map((s) => s.document) : undefined);
  return { tokens: sentences.map((s) => s.words), options: { ...options, ...(documents ? { documents } : {}) } };
}

/** The entity-level score of the predictions against the gold sentences. */
export function scoreTags(sentences: readonly GoldSentence[], predicted: readonly TokenTags[], options: EntityScorerOptions): EntityScore {
  const scorer = new EntityScorer({ mode: options.mode ?? 'conlleval', scheme: options.scheme ?? 'IOB2' });
  sentences.forEach((s, i) => scorer.add(s.tags, predicted[i]!.tags));
  return scorer.result();
}
