/** NerTagger.dispose() frees every tensor the tagger holds: tf.memory().numTensors returns to what it was. */
import { useBackend } from '../../../src/backend/backends.js';
import { tf } from '../../../src/backend/tf.js';
import { exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { tempDir } from '../recipe/helpers.js';
import { randomMember } from './helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('NerTagger.dispose', () => {
  test('a loaded tagger (CRF, and an ensemble) frees all its tensors; tagging after it is refused; twice is fine', async () => {
    const dirs = [
      await exportTagger(new NerTagger(randomMember(1, { crf: true })), tempDir()),
      await exportTagger(new NerTagger({ members: [randomMember(2), randomMember(3, { dModel: 16, nHeads: 1 })] }), tempDir()),
    ];
    for (const dir of dirs) {
      const before = tf.memory().numTensors;
      const tagger = await loadTaggerFromDirectory(dir);
      tagger.tag('George Bush visited Iraq in 2005.');
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      tagger.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(tagger.isDisposed).toBe(true);
      expect(() => tagger.tag('Bush.')).toThrow(/the tagger was disposed/);
      tagger.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
