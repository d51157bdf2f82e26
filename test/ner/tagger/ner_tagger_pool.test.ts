/**
 * NerTaggerPool: tags on worker threads equal to the tagger's own in one thread (bit for bit, in input order, for
 * any number of workers), jobs of one batch stay in this thread, and a worker's failure ends the job with its error.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import type { Sentence } from '../../../src/ner/sentence.js';
import type { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { NerTaggerPool } from '../../../src/ner/tagger/ner_tagger_pool.js';
import { WorkerError } from '../../../src/parallel/worker_errors.js';
import { trainTinyTagger } from '../../browser/tiny_tagger.js';
import { tempDir } from '../recipe/helpers.js';

const FAILING_WORKER = join(__dirname, 'fixtures', 'failing_tagger_worker.ts');
const BATCH = 16;

/** A tiny trained tagger, exported and loaded back as a user loads one; and its corpus. */
async function exportedTinyTagger(crf: boolean): Promise<{ tagger: NerTagger; corpus: Sentence[] }> {
  const { tagger, corpus } = await trainTinyTagger({ sentences: 120, steps: 3, crf });
  const loaded = await loadTaggerFromDirectory(await exportTagger(tagger, join(tempDir(), 'model')));
  tagger.dispose();
  return { tagger: loaded, corpus };
}

describe('NerTaggerPool', () => {
  test("softmax tagger: 2 workers give the tagger's own tags and confidences, in input order (tagTokens, tag, evaluate)", async () => {
    const { tagger, corpus } = await exportedTinyTagger(false);
    const words = corpus.map((s) => s.words);
    const expected = tagger.tagTokens(words, { batchSize: BATCH });
    const pool = new NerTaggerPool(tagger, { workers: 2 });
    try {
      expect(pool.size).toBe(0);
      await pool.start();
      expect(pool.size).toBe(2);
      const tagged = await pool.tagTokens(words, { batchSize: BATCH });
      expect(tagged).toEqual(expected);
      tagged.forEach((t, i) => expect(t.tags).toHaveLength(words[i]!.length));
      // Another order of the same sentences: the same tags, in that order.
      const reversed = [...words].reverse();
      expect(await pool.tagTokens(reversed, { batchSize: BATCH })).toEqual(tagger.tagTokens(reversed, { batchSize: BATCH }));
      const text = corpus
        .slice(0, 60)
        .map((s) => s.words.join(' '))
        .join('\n');
      expect(await pool.tag(text, { batchSize: BATCH })).toEqual(tagger.tag(text, { batchSize: BATCH }));
      expect(await pool.evaluate(corpus, { batchSize: BATCH })).toEqual(tagger.evaluate(corpus, { batchSize: BATCH }));
    } finally {
      await pool.close();
      tagger.dispose();
    }
  });

  test('CRF tagger: 1, 2 and 3 workers give the same tags bit for bit; a job of one batch runs in this thread', async () => {
    const { tagger, corpus } = await exportedTinyTagger(true);
    const words = corpus.map((s) => s.words);
    const inThread = tagger.tagTokens(words, { batchSize: BATCH });
    const one = new NerTaggerPool(tagger, { workers: 1 });
    const two = new NerTaggerPool(tagger, { workers: 2 });
    const three = new NerTaggerPool(tagger, { workers: 3 });
    try {
      expect(await one.tagTokens(words, { batchSize: BATCH })).toEqual(inThread);
      expect(one.size).toBe(0);
      // Not started: this thread tags the first batches while the workers start, they the rest once ready.
      expect(await two.tagTokens(words, { batchSize: BATCH })).toEqual(inThread);
      await Promise.all([two.start(), three.start()]);
      expect([two.size, three.size]).toEqual([2, 3]);
      const [byTwo, byThree] = await Promise.all([
        two.tagTokens(words, { batchSize: BATCH }),
        three.tagTokens(words, { batchSize: BATCH }),
      ]);
      expect(byTwo).toEqual(inThread);
      expect(byThree).toEqual(inThread);
      // One batch (no more than batchSize sentences): no worker starts.
      const small = new NerTaggerPool(tagger, { workers: 2 });
      expect(await small.tagTokens(words.slice(0, BATCH), { batchSize: BATCH })).toEqual(
        tagger.tagTokens(words.slice(0, BATCH), { batchSize: BATCH }),
      );
      expect(small.size).toBe(0);
      await small.close();
    } finally {
      await Promise.all([one.close(), two.close(), three.close()]);
      tagger.dispose();
    }
  });

  test("a worker that throws ends the job with that error (message and the worker's stack); one that dies ends the pool", async () => {
    const { tagger, corpus } = await exportedTinyTagger(false);
    const words = corpus.map((s) => s.words);
    const pool = new NerTaggerPool(tagger, { workers: 2, workerModule: FAILING_WORKER });
    try {
      await pool.start();
      const withExplode = [...words.slice(0, 40), ['Then', 'EXPLODE', '.'], ...words.slice(40)];
      const failure = (await pool.tagTokens(withExplode, { batchSize: BATCH }).catch((e: unknown) => e)) as WorkerError;
      expect(failure).toBeInstanceOf(WorkerError);
      expect(failure.message).toBe('the tagger worker refused the word EXPLODE');
      expect(failure.stack).toMatch(/refuseExplode/);
      expect(failure.stack).toMatch(/failing_tagger_worker\.ts/);
      // The workers go on: the next job tags.
      expect(await pool.tagTokens(words, { batchSize: BATCH })).toEqual(tagger.tagTokens(words, { batchSize: BATCH }));
      const withVanish = [...words, ['VANISH']];
      await expect(pool.tagTokens(withVanish, { batchSize: BATCH })).rejects.toThrow(/worker [12] of 2 exited with code 7/);
      await expect(pool.tagTokens(words, { batchSize: BATCH })).rejects.toThrow(/exited with code 7/);
    } finally {
      await pool.close();
      tagger.dispose();
    }
  });

  test('bundled (scripts/run.mjs), the workers run the worker entry bundled beside the program, with the same tags', async () => {
    const { tagger, corpus } = await exportedTinyTagger(false);
    const dir = tempDir();
    const model = await exportTagger(tagger, join(dir, 'model'));
    tagger.dispose();
    const text = join(dir, 'sentences.txt');
    writeFileSync(text, corpus.map((s) => s.words.join(' ')).join('\n') + '\n');
    const child = spawnSync(process.execPath, ['scripts/run.mjs', 'test/ner/tagger/fixtures/bundled_pool_child.ts', model, text], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({ workers: 2, same: true, sentences: corpus.length });
  });

  test('bad arguments are refused with the reason', async () => {
    const { tagger } = await exportedTinyTagger(false);
    expect(() => new NerTaggerPool(tagger, { workers: 0 })).toThrow('NerTaggerPool: workers must be an integer >= 1, got 0');
    const pool = new NerTaggerPool(tagger, { workers: 2 });
    await expect(pool.tagTokens([['a']], { batchSize: 0 })).rejects.toThrow('batchSize must be a positive integer, got 0');
    await pool.close();
    await expect(pool.tagTokens([['a']])).rejects.toThrow('NerTaggerPool: the pool was closed');
    tagger.dispose();
  });
});
