/**
 * The demo's "Download weights" archive (recipes/demo/tar.ts): system tar lists and extracts it to the same files,
 * byte for byte, folders included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarArchive } from '../../recipes/demo/tar.js';

describe('tarArchive', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'demo-tar-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('tar -x gives back every file, text and bytes, in its folder', () => {
    const bytes = Uint8Array.from({ length: 1500 }, (_, i) => (i * 37) % 256);
    const files = new Map<string, string | Uint8Array>([
      ['tagger.json', '{"format":"x"}\n'],
      ['member-1/weights.bin', bytes],
      ['member-1/vocabs.json', 'ü and 中 and 😀\n'],
      ['empty.bin', new Uint8Array(0)],
      ['exactly-512.bin', new Uint8Array(512).fill(7)],
    ]);
    const archive = tarArchive('model', files, 1_700_000_000);
    expect(archive.length % 512).toBe(0);
    writeFileSync(join(dir, 'a.tar'), archive);
    const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
    expect(
      listing
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).pop()),
    ).toEqual([
      'model/',
      'model/member-1/',
      'model/tagger.json',
      'model/member-1/weights.bin',
      'model/member-1/vocabs.json',
      'model/empty.bin',
      'model/exactly-512.bin',
    ]);
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
    for (const [name, data] of files) {
      const expected = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      expect([name, Buffer.compare(readFileSync(join(dir, 'model', name)), expected)]).toEqual([name, 0]);
    }
  });

  test('refuses names that would leave the folder or not fit the header', () => {
    expect(() => tarArchive('m', new Map([['../x', 'a']]))).toThrow(/refusing the file name '\.\.\/x'/);
    expect(() => tarArchive('m', new Map([['/etc/x', 'a']]))).toThrow(/refusing the file name/);
    expect(() => tarArchive('m', new Map([['a'.repeat(120), 'a']]))).toThrow(/does not fit in 100 bytes/);
  });
});
