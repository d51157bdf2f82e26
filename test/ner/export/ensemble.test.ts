/**
 * Exported ensembles: `tagger.json` listing the members' directories, each an ordinary exported tagger; the round
 * trip tags identically (directory and reader); loading errors name the file or member and the problem.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../../src/backend/backends.js';
import { ENSEMBLE_FORMAT, TaggerLoadError } from '../../../src/ner/export/format.js';
import { loadTagger } from '../../../src/ner/export/load.js';
import { directoryFiles, exportTagger, loadTaggerFromDirectory } from '../../../src/ner/export/node_files.js';
import { NerTagger } from '../../../src/ner/tagger/ner_tagger.js';
import { tempDir } from '../recipe/helpers.js';
import { CORPUS, randomMember } from '../tagger/helpers.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const TEXT = 'George Bush visited Iraq in 2005. Thousands marched in London and Paris.';
const SENTENCES = [...CORPUS.map((s) => s.words), [...CORPUS[1]!.words, ...CORPUS[0]!.words, ...CORPUS[2]!.words]];

/** Two CRF members that differ in configuration (width, maxLen, character features) and word vocabularies. */
function crfEnsemble(): NerTagger {
  return new NerTagger({
    members: [
      randomMember(1, { crf: true, maxLen: 8 }),
      randomMember(2, { crf: true, dModel: 16, nHeads: 1, charFeatures: false, maxLen: 16 }, CORPUS.slice(1)),
    ],
  });
}

describe('an exported ensemble', () => {
  test('is tagger.json listing member directories, each an ordinary exported tagger, and loads to the same predictions', async () => {
    const ensemble = crfEnsemble();
    const dir = await exportTagger(ensemble, tempDir(), { note: 'two seeds' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8'));
    expect(manifest).toEqual({
      format: ENSEMBLE_FORMAT,
      formatVersion: 1,
      members: ['member-1', 'member-2'],
      metadata: { note: 'two seeds' },
    });
    for (const member of ['member-1', 'member-2']) {
      for (const file of ['tagger.json', 'vocabs.json', 'weights.bin']) expect(existsSync(path.join(dir, member, file))).toBe(true);
      // Each member directory is a single tagger that loads on its own.
      expect((await loadTaggerFromDirectory(path.join(dir, member))).isEnsemble).toBe(false);
    }
    const loaded = await loadTaggerFromDirectory(dir);
    expect(loaded.isEnsemble).toBe(true);
    expect(loaded.members.map((m) => m.config)).toEqual(ensemble.members.map((m) => m.config));
    expect(loaded.tagTokens(SENTENCES)).toEqual(ensemble.tagTokens(SENTENCES));
    expect(loaded.tag(TEXT)).toEqual(ensemble.tag(TEXT));
    // Through any reader of files by relative name (the browser's path), and exported again.
    const files = directoryFiles(dir);
    const viaReader = await loadTagger(
      async (name) => new Uint8Array((await files(name)) as Uint8Array),
      'https://example.org/models/gmb/',
    );
    expect(viaReader.tagTokens(SENTENCES)).toEqual(ensemble.tagTokens(SENTENCES));
    const again = await loadTaggerFromDirectory(await exportTagger(loaded, tempDir()));
    expect(again.tagTokens(SENTENCES)).toEqual(ensemble.tagTokens(SENTENCES));
  });

  test('of softmax members with argmax decoding keeps the decoding', async () => {
    const members = [randomMember(3, { crf: false }), randomMember(4, { crf: false })].map((m) => ({ ...m, decoding: 'argmax' as const }));
    const ensemble = new NerTagger({ members });
    const loaded = await loadTaggerFromDirectory(await exportTagger(ensemble, tempDir()));
    expect(loaded.decoding).toBe('argmax');
    expect(loaded.tagTokens(SENTENCES)).toEqual(ensemble.tagTokens(SENTENCES));
  });
});

describe('loading a damaged ensemble', () => {
  let good: string;
  beforeAll(async () => {
    good = await exportTagger(crfEnsemble(), tempDir());
  });

  const copy = async (): Promise<string> => {
    const dir = tempDir();
    await fs.cp(good, dir, { recursive: true });
    return dir;
  };
  const withManifest = async (edit: (m: Record<string, unknown>) => void): Promise<string> => {
    const dir = await copy();
    const m = JSON.parse(readFileSync(path.join(dir, 'tagger.json'), 'utf8'));
    edit(m);
    writeFileSync(path.join(dir, 'tagger.json'), JSON.stringify(m));
    return dir;
  };
  const refusal = async (dir: string): Promise<string> => {
    try {
      await loadTaggerFromDirectory(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(TaggerLoadError);
      return (error as Error).message;
    }
    throw new Error(`${dir} loaded`);
  };

  test('a missing member directory or member file names the member and the file', async () => {
    const noMember = await copy();
    await fs.rm(path.join(noMember, 'member-2'), { recursive: true });
    expect(await refusal(noMember)).toBe(
      `${noMember}/member-2: cannot read the file 'tagger.json' (no such file: ${noMember}/member-2/tagger.json); an exported tagger needs tagger.json, vocabs.json, weights.bin`,
    );
    const noWeights = await copy();
    await fs.rm(path.join(noWeights, 'member-1', 'weights.bin'));
    expect(await refusal(noWeights)).toMatch(new RegExp(`^${noWeights}/member-1: cannot read the file 'weights.bin' \\(no such file`));
  });

  test('members whose tag vocabularies differ', async () => {
    const dir = await copy();
    const file = path.join(dir, 'member-2', 'vocabs.json');
    const vocabs = JSON.parse(readFileSync(file, 'utf8'));
    const tags = vocabs.tags.tags as string[];
    [tags[1], tags[2]] = [tags[2]!, tags[1]!];
    writeFileSync(file, JSON.stringify(vocabs));
    // The member's checksum made to match, so the ensemble's own check is reached.
    const memberManifest = path.join(dir, 'member-2', 'tagger.json');
    const m = JSON.parse(readFileSync(memberManifest, 'utf8'));
    const bytes = readFileSync(file);
    m.files['vocabs.json'] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    writeFileSync(memberManifest, JSON.stringify(m));
    expect(await refusal(dir)).toMatch(
      new RegExp(
        `^${dir}: 'tagger.json': the members' tag vocabularies differ \\(an ensemble needs the same tags in the same order\\): member-2 has \\[O, ${tags[1]}, ${tags[2]}, .*\\], member-1 \\[O, ${tags[2]}, ${tags[1]}, `,
      ),
    );
  });

  test('CRF and softmax members together', async () => {
    const dir = tempDir();
    await exportTagger(new NerTagger(randomMember(1, { crf: true })), path.join(dir, 'a'));
    await exportTagger(new NerTagger(randomMember(2, { crf: false })), path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'tagger.json'), JSON.stringify({ format: ENSEMBLE_FORMAT, formatVersion: 1, members: ['a', 'b'] }));
    expect(await refusal(dir)).toBe(`${dir}: 'tagger.json': an ensemble needs all CRF or all softmax members: a (CRF) and b (softmax)`);
  });

  test('an empty, malformed or newer member list', async () => {
    expect(await refusal(await withManifest((m) => (m['members'] = [])))).toMatch(
      /: 'tagger.json' lists no members \(an ensemble needs at least one\)$/,
    );
    expect(await refusal(await withManifest((m) => delete m['members']))).toMatch(
      /: 'tagger.json' is an ensemble without a list of members$/,
    );
    expect(await refusal(await withManifest((m) => (m['members'] = ['member-1', '../elsewhere'])))).toMatch(
      /lists the member "\.\.\/elsewhere", which is not a relative subdirectory name/,
    );
    expect(await refusal(await withManifest((m) => (m['members'] = ['member-1', 'member-1'])))).toMatch(
      /lists the member 'member-1' twice/,
    );
    expect(await refusal(await withManifest((m) => (m['formatVersion'] = 2)))).toMatch(
      /has ensemble format version 2; this library reads version 1 \(the ensemble was exported by a newer trax-ts: upgrade\)/,
    );
    const nested = await copy();
    await fs.cp(good, path.join(nested, 'member-2'), { recursive: true });
    expect(await refusal(nested)).toBe(`${nested}/member-2: 'tagger.json' is an ensemble; an ensemble's members must be single taggers`);
  });
});
