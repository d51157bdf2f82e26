/**
 * Tag vocabulary: tags to ids, refusing tags it does not know.
 */

import { countInto, orderByFrequency } from './frequency_order.js';
import { checkEntries, checkVocabJson } from './vocab_json.js';

/** A tag that is not in a {@link TagVocab}. @public */
export class UnknownTagError extends Error {
  constructor(
    /** The tag that was looked up. */
    readonly tag: string,
    /** Every tag the vocabulary knows, by id. */
    readonly knownTags: readonly string[],
  ) {
    super(`unknown tag '${tag}': the tag vocabulary knows ${knownTags.length} tags: ${knownTags.join(', ')}`);
    this.name = 'UnknownTagError';
  }
}

/** How a {@link TagVocab} is built. @public */
export interface TagVocabOptions {
  /** A tag to reserve id 0 for, e.g. `'<pad>'` for padded positions (default: none; the first tag gets id 0). */
  readonly padTag?: string;
}

/** The JSON form of a {@link TagVocab}. @public */
export interface TagVocabJSON {
  /** Marks the object as a tag vocabulary. */
  readonly kind: 'TagVocab';
  /** The version of this JSON form. */
  readonly version: 1;
  /** Every tag by id. */
  readonly tags: readonly string[];
  /** The tag reserved for padding at id 0, if any. */
  readonly padTag?: string;
}

/** Something with tags, such as a `Sentence`. @public */
export interface HasTags {
  /** The tags, one for each token. */
  readonly tags: readonly string[];
}

/**
 * Maps tags to ids. Built from a corpus, the tags are ordered by decreasing frequency, ties in code-unit order
 * (after the pad tag, when one is reserved). Looking up a tag it does not know is an {@link UnknownTagError}
 * naming the tag and the known ones: a tag missing from training data is a bug to surface, not a class to guess.
 * @public
 */
export class TagVocab {
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(
    private readonly tags: readonly string[],
    /** The tag holding id 0 as padding, if any. */
    readonly padTag: string | undefined,
  ) {
    this.ids = new Map(tags.map((tag, id) => [tag, id]));
  }

  /** Builds the vocabulary of the tags of `sentences`. @public */
  static build(sentences: Iterable<HasTags>, options: TagVocabOptions = {}): TagVocab {
    const counts = new Map<string, number>();
    for (const sentence of sentences) countInto(counts, sentence.tags);
    if (options.padTag !== undefined) counts.delete(options.padTag);
    const ordered = orderByFrequency(counts);
    return new TagVocab(options.padTag === undefined ? ordered : [options.padTag, ...ordered], options.padTag);
  }

  /** A vocabulary with exactly these tags, in this order (after the pad tag, when one is given). @public */
  static fromTags(tags: readonly string[], options: TagVocabOptions = {}): TagVocab {
    const all = options.padTag === undefined ? [...tags] : [options.padTag, ...tags];
    checkEntries('TagVocab', 'tags', all);
    return new TagVocab(all, options.padTag);
  }

  /** Restores a vocabulary from {@link TagVocab.toJSON}'s output. @public */
  static fromJSON(json: unknown): TagVocab {
    checkVocabJson(json, 'TagVocab', 1);
    const tags = checkEntries('TagVocab', 'tags', json['tags']);
    const padTag = json['padTag'];
    if (padTag !== undefined && tags[0] !== padTag)
      throw new TypeError(`TagVocab.fromJSON: the pad tag '${String(padTag)}' must have id 0`);
    return new TagVocab(tags, padTag as string | undefined);
  }

  /** Number of ids (the pad tag included). */
  get size(): number {
    return this.tags.length;
  }

  /** The tags, by id. */
  get knownTags(): readonly string[] {
    return this.tags;
  }

  /** Whether the tag is known. */
  has(tag: string): boolean {
    return this.ids.has(tag);
  }

  /** The id of a tag; an {@link UnknownTagError} when the tag is unknown. */
  id(tag: string): number {
    const id = this.ids.get(tag);
    if (id === undefined) throw new UnknownTagError(tag, this.tags);
    return id;
  }

  /** The tag of an id; a `RangeError` outside the vocabulary. */
  tag(id: number): string {
    const tag = this.tags[id];
    if (tag === undefined || !Number.isInteger(id)) throw new RangeError(`TagVocab: no tag has id ${id} (ids are 0..${this.size - 1})`);
    return tag;
  }

  /** Ids of a sentence's tags. */
  encode(tags: readonly string[]): number[] {
    return tags.map((tag) => this.id(tag));
  }

  /** Tags of ids. */
  decode(ids: readonly number[]): string[] {
    return ids.map((id) => this.tag(id));
  }

  /** A JSON-serialisable form; `TagVocab.fromJSON(JSON.parse(JSON.stringify(v)))` gives the same ids. */
  toJSON(): TagVocabJSON {
    return this.padTag === undefined
      ? { kind: 'TagVocab', version: 1, tags: [...this.tags] }
      : { kind: 'TagVocab', version: 1, tags: [...this.tags], padTag: this.padTag };
  }
}
