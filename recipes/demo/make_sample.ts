/**
 * Writes recipes/demo/sample.json, the small IOB2 sample the demo page fine-tunes on: the first 48 sentences of
 * the NER recipe's test split of the shipped GMB corpus (fixed split: seed 1, 80/10/10) that have 8 to 30 words
 * and at least one entity. The test split, so that a model trained by the recipe has not seen them.
 *
 *   node scripts/run.mjs recipes/demo/make_sample.ts [--count 48] [--out recipes/demo/sample.json]
 */
import { writeFileSync } from 'node:fs';
import { ner } from '../../src/index.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const corpus = 'data/gmb/ner_dataset.csv.gz';
const count = Number(option('count', '48'));
const out = option('out', 'recipes/demo/sample.json');
const { test } = await ner.loadNerSplits(corpus);
const picked = test.filter((s) => s.words.length >= 8 && s.words.length <= 30 && s.tags.some((t) => t !== 'O')).slice(0, count);
const sample = {
  description: `The first ${picked.length} sentences of the NER recipe's test split of the GMB corpus (fixed split: seed 1, 80/10/10) with 8 to 30 words and at least one entity; IOB2 tags. Written by recipes/demo/make_sample.ts.`,
  source: `${corpus} (Kaggle "Annotated Corpus for Named Entity Recognition", derived from the Groningen Meaning Bank; see data/README.md)`,
  scheme: 'IOB2',
  sentences: picked.map((s) => ({ id: s.id, words: s.words, tags: s.tags })),
};
writeFileSync(
  out,
  JSON.stringify(sample, null, 0)
    .replace(/\{"id"/g, '\n{"id"')
    .replace(/\]\}$/, '\n]}') + '\n',
);
console.log(`wrote ${out}: ${picked.length} sentences, ${picked.reduce((n, s) => n + s.words.length, 0)} tokens`);
