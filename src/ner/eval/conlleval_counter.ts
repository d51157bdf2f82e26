/**
 * conlleval's counting, token by token: tokens, correct tags, gold and guessed phrases and correct phrases,
 * overall and per type, following the reference script's state machine step for step (so that its counts are
 * reproduced exactly, corner cases included).
 */

import { CONLLEVAL_OUTSIDE, isChunkEnd, isChunkStart, splitConllevalTag, type ConllevalTag } from './conlleval_chunks.js';

/** Phrase counts per type (and overall). */
export interface PhraseCounts {
  gold: number;
  predicted: number;
  correct: number;
}

function increment(map: Map<string, PhraseCounts>, type: string, field: keyof PhraseCounts): void {
  let counts = map.get(type);
  if (!counts) map.set(type, (counts = { gold: 0, predicted: 0, correct: 0 }));
  counts[field]++;
}

/** The running state and counts of conlleval over a stream of sentences. */
export class ConllevalCounter {
  tokens = 0;
  correctTags = 0;
  readonly overall: PhraseCounts = { gold: 0, predicted: 0, correct: 0 };
  readonly byType = new Map<string, PhraseCounts>();
  private inCorrect = false;
  private lastGold: ConllevalTag = CONLLEVAL_OUTSIDE;
  private lastGuessed: ConllevalTag = CONLLEVAL_OUTSIDE;

  /** Feeds one sentence, then a sentence boundary. */
  addSentence(gold: readonly string[], guessed: readonly string[]): void {
    for (let i = 0; i < gold.length; i++) this.step(splitConllevalTag(gold[i]!), splitConllevalTag(guessed[i]!), true);
    this.step(CONLLEVAL_OUTSIDE, CONLLEVAL_OUTSIDE, false);
  }

  /** Counts a chunk still open at the end of the input, as conlleval does at end of file. */
  pendingCorrectType(): string | undefined {
    return this.inCorrect ? this.lastGold.type : undefined;
  }

  private countCorrect(type: string): void {
    this.overall.correct++;
    increment(this.byType, type, 'correct');
  }

  private step(gold: ConllevalTag, guessed: ConllevalTag, isToken: boolean): void {
    const goldEnds = isChunkEnd(this.lastGold, gold);
    const guessedEnds = isChunkEnd(this.lastGuessed, guessed);
    if (this.inCorrect) {
      if (goldEnds && guessedEnds && this.lastGuessed.type === this.lastGold.type) {
        this.inCorrect = false;
        this.countCorrect(this.lastGold.type);
      } else if (goldEnds !== guessedEnds || guessed.type !== gold.type) {
        this.inCorrect = false;
      }
    }
    const goldStarts = isChunkStart(this.lastGold, gold);
    const guessedStarts = isChunkStart(this.lastGuessed, guessed);
    if (goldStarts && guessedStarts && guessed.type === gold.type) this.inCorrect = true;
    if (goldStarts) {
      this.overall.gold++;
      increment(this.byType, gold.type, 'gold');
    }
    if (guessedStarts) {
      this.overall.predicted++;
      increment(this.byType, guessed.type, 'predicted');
    }
    if (isToken) {
      if (gold.prefix === guessed.prefix && gold.type === guessed.type) this.correctTags++;
      this.tokens++;
    }
    this.lastGold = gold;
    this.lastGuessed = guessed;
  }
}
