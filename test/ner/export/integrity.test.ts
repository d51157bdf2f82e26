/**
 * A damaged or edited export is refused, never loaded to tag nonsense: each file's size and SHA-256 are in
 * tagger.json and checked; every weight must be finite; the weights must be those of the configured model.
 */
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { TaggerLoadError } from '../../../src/ner/export/format.js';
import { exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { tempDir } from '../recipe/helpers.js';
import { randomMember } from '../tagger/helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const TEXT = 'George Bush visited Iraq in 2005. Thousands marched in London.';

async function exported(crf: boolean): Promise<{ dir: string; tagger: NerTagger }> {
  const tagger = new NerTagger(randomMember(crf ? 5 : 6, { crf }));
  return { dir: await exportTagger(tagger, tempDir()), tagger };
}

async function copyOf(dir: string): Promise<string> {
  const to = tempDir();
  for (const f of await fs.readdir(dir)) await fs.copyFile(path.join(dir, f), path.join(to, f));
  return to;
}

async function refusal(dir: string): Promise<TaggerLoadError> {
  try {
    await loadTaggerFromDirectory(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(TaggerLoadError);
    return error as TaggerLoadError;
  }
  throw new Error(`${dir} loaded`);
}

describe('a damaged or edited export', () => {
  test('tagger.json records the size and SHA-256 of vocabs.json and weights.bin; the intact export loads', async () => {
    const { dir, tagger } = await exported(true);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8'));
    for (const f of ['vocabs.json', 'weights.bin']) {
      expect(manifest.files[f].bytes).toBe(readFileSync(path.join(dir, f)).byteLength);
      expect(manifest.files[f].sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect((await loadTaggerFromDirectory(dir)).tag(TEXT)).toEqual(tagger.tag(TEXT));
  });

  test('4 KiB of NaN in weights.bin is refused (checksum; and the finiteness check when the checksum is made to match)', async () => {
    const { dir } = await exported(true);
    const damaged = await copyOf(dir);
    const bin = readFileSync(path.join(damaged, 'weights.bin'));
    const nan = new Float32Array(1024).fill(NaN);
    Buffer.from(nan.buffer).copy(bin, 256);
    writeFileSync(path.join(damaged, 'weights.bin'), bin);
    expect((await refusal(damaged)).message).toMatch(/'weights.bin' does not match its checksum in 'tagger.json'/);
    // Someone rewrote the checksum too: the NaNs are still refused.
    const manifest = JSON.parse(readFileSync(path.join(damaged, 'tagger.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    manifest.files['weights.bin'].sha256 = createHash('sha256').update(bin).digest('hex');
    writeFileSync(path.join(damaged, 'tagger.json'), JSON.stringify(manifest));
    expect((await refusal(damaged)).message).toMatch(
      /the weight \S+ holds NaN at index \d+ \(a damaged export: every weight must be finite\)/,
    );
  });

  test('one flipped byte in weights.bin, or in vocabs.json, is refused', async () => {
    const { dir } = await exported(false);
    for (const [file, at] of [
      ['weights.bin', 1000],
      ['vocabs.json', 40],
    ] as const) {
      const damaged = await copyOf(dir);
      const bytes = readFileSync(path.join(damaged, file));
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(path.join(damaged, file), bytes);
      expect((await refusal(damaged)).message).toMatch(new RegExp(`'${file.replace('.', '\\.')}' does not match its checksum`));
    }
  });

  test('"crf": false edited into a CRF tagger\'s tagger.json is refused: the weights are not those of the configuration', async () => {
    const { dir } = await exported(true);
    const edited = await copyOf(dir);
    const manifest = JSON.parse(readFileSync(path.join(edited, 'tagger.json'), 'utf8'));
    manifest.config.crf = false;
    writeFileSync(path.join(edited, 'tagger.json'), JSON.stringify(manifest));
    expect((await refusal(edited)).message).toMatch(
      /unexpected weight crf\/transitions: the weights are a CRF model's, the configuration says "crf": false/,
    );
    // And the other way round.
    const { dir: softmax } = await exported(false);
    const other = await copyOf(softmax);
    const m2 = JSON.parse(readFileSync(path.join(other, 'tagger.json'), 'utf8'));
    m2.config.crf = true;
    writeFileSync(path.join(other, 'tagger.json'), JSON.stringify(m2));
    expect((await refusal(other)).message).toMatch(/the CRF weight 'crf\/transitions' is missing/);
  });

  test('a tagger.json without checksums, or with invalid weight specs, is refused naming the problem', async () => {
    const { dir } = await exported(false);
    /** The parts of tagger.json that these edits touch. */
    type TaggerJson = { files?: Record<string, { sha256: string }>; weightsManifest: { weights: { shape: number[]; dtype: string }[] }[] };
    const edit = async (change: (m: TaggerJson) => void): Promise<string> => {
      const d = await copyOf(dir);
      const m = JSON.parse(readFileSync(path.join(d, 'tagger.json'), 'utf8')) as TaggerJson;
      change(m);
      writeFileSync(path.join(d, 'tagger.json'), JSON.stringify(m));
      return d;
    };
    expect((await refusal(await edit((m) => delete m['files']))).message).toMatch(/has no checksums of its files/);
    expect((await refusal(await edit((m) => (m['files']!['weights.bin']!.sha256 = 'abc')))).message).toMatch(
      /no valid size and checksum of 'weights.bin'/,
    );
    expect((await refusal(await edit((m) => (m['weightsManifest'][0]!.weights[0]!.shape = [-1, 2])))).message).toMatch(
      /invalid weight spec #1/,
    );
    expect((await refusal(await edit((m) => (m['weightsManifest'][0]!.weights[0]!.dtype = 'int32')))).message).toMatch(
      /invalid weight spec #1/,
    );
  });
});
