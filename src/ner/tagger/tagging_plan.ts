/**
 * How a tagger turns sentences into inference batches and the batches' tags back into sentences: the sentences
 * are cut into pieces (rows of at most `maxLen` tokens; for a context model, each sentence inside its window of
 * its document), the pieces are sorted by length and cut into batches, and each piece's tags go back to its
 * sentence at its offset. The plan is what {@link NerTagger.tagTokens} runs batch after batch in one thread and a
 * tagger pool spreads over workers: the same batches either way, so the same tags, bit for bit.
 */
import { contextWindow, documentRuns, windowTokens } from '../dataset/context_windows.js';
import type { DecodedTags } from './decode.js';

/**
 * One row of an inference batch: the words `[targetStart, targetEnd)` of `words` are the tokens from `offset` of
 * sentence `sentence`; the other words (a context model's window) are context.
 * @public
 */
export interface TaggingPiece {
  /** The index of the sentence whose tokens it tags. */
  readonly sentence: number;
  /** The index, in that sentence, of the first token it tags. */
  readonly offset: number;
  /** The words of the row: the tokens it tags, inside their context for a context model. */
  readonly words: readonly string[];
  /** The first word of `words` that is tagged. */
  readonly targetStart: number;
  /** Just past the last word of `words` that is tagged. */
  readonly targetEnd: number;
}

/** The batches to run for a list of sentences, and those sentences' token counts (for putting the tags back). @public */
export interface TaggingPlan {
  /** The token count of each sentence, in input order. */
  readonly sentenceLengths: readonly number[];
  /** The batches, each a list of pieces of similar length (shortest first). */
  readonly batches: readonly (readonly TaggingPiece[])[];
}

/**
 * The pieces to tag: a sentence-level model's (`contextTokens` 0) sentences in pieces of `maxLen` tokens; a
 * context model's sentences each inside its `contextWindow` of its document (a sentence longer than the window
 * alone, in pieces of `maxLen` if need be), so every token is tagged once, inside a window of at most
 * `contextTokens` tokens.
 */
export function taggingPieces(
  sentences: readonly (readonly string[])[],
  documents: readonly (string | undefined)[] | undefined,
  maxLen: number,
  contextTokens: number,
): TaggingPiece[] {
  const pieces: TaggingPiece[] = [];
  const alone = (sentence: number): void => {
    const words = sentences[sentence]!;
    for (let offset = 0; offset < words.length; offset += maxLen) {
      const piece = words.slice(offset, offset + maxLen);
      pieces.push({ sentence, offset, words: piece, targetStart: 0, targetEnd: piece.length });
    }
  };
  if (contextTokens === 0) {
    sentences.forEach((_, sentence) => alone(sentence));
    return pieces;
  }
  for (const run of documentRuns(sentences.length, (i) => documents?.[i])) {
    const doc = run.map((i) => sentences[i]!);
    const lengths = doc.map((w) => w.length);
    run.forEach((sentence, k) => {
      if (lengths[k]! === 0) return;
      const window = contextWindow(lengths, k, contextTokens);
      if (window.end - window.start > maxLen) return alone(sentence);
      pieces.push({ sentence, offset: 0, words: windowTokens(doc, window), targetStart: window.targetStart, targetEnd: window.targetEnd });
    });
  }
  return pieces;
}

/** The plan for `sentences`: their `pieces` sorted by length (stable) and cut into batches of `batchSize`. */
export function taggingPlan(sentences: readonly (readonly string[])[], pieces: readonly TaggingPiece[], batchSize: number): TaggingPlan {
  const order = pieces.map((_, i) => i).sort((a, b) => pieces[a]!.words.length - pieces[b]!.words.length);
  const batches: TaggingPiece[][] = [];
  for (let from = 0; from < order.length; from += batchSize) batches.push(order.slice(from, from + batchSize).map((i) => pieces[i]!));
  return { sentenceLengths: sentences.map((s) => s.length), batches };
}

/**
 * Each sentence's tag ids and confidences from the plan's batches' decoded tags (`decoded[b][p]`: piece `p` of
 * batch `b`, its target tokens).
 */
export function collectTags(plan: TaggingPlan, decoded: readonly (readonly DecodedTags[])[]): DecodedTags[] {
  if (decoded.length !== plan.batches.length)
    throw new Error(`collectTags: ${decoded.length} batches of tags for ${plan.batches.length} batches`);
  const results = plan.sentenceLengths.map((n) => ({ tagIds: new Array<number>(n), confidence: new Array<number>(n) }));
  plan.batches.forEach((batch, b) => {
    const tags = decoded[b]!;
    if (tags.length !== batch.length) throw new Error(`collectTags: batch ${b} has ${batch.length} pieces but ${tags.length} results`);
    batch.forEach((piece, p) => {
      const out = results[piece.sentence]!;
      const { tagIds, confidence } = tags[p]!;
      tagIds.forEach((tag, t) => {
        out.tagIds[piece.offset + t] = tag;
        out.confidence[piece.offset + t] = confidence[t]!;
      });
    });
  });
  return results;
}
