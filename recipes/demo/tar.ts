/**
 * A POSIX ustar archive of a few files in memory: how the demo hands the user an exported tagger directory as one
 * download (`tar -xf trax-ner-finetuned.tar` gives the directory back, which `npm run demo -- --model DIR` and
 * `trax-ner predict --model DIR` load). Regular files and their directories only; names up to 100 bytes.
 */

const BLOCK = 512;

function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new RangeError(`tar: '${text}' does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

/** An octal number in `length - 1` digits and a NUL, as ustar's numeric fields are. */
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new RangeError(`tar: ${value} does not fit in a ${length}-byte field`);
  writeString(header, offset, length, digits.padStart(length - 1, '0'));
}

function headerOf(name: string, size: number, type: '0' | '5', mtime: number): Uint8Array {
  const header = new Uint8Array(BLOCK);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, type === '5' ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtime);
  header.fill(0x20, 148, 156); // the checksum field counts as spaces while summing
  writeString(header, 156, 1, type);
  writeString(header, 257, 6, 'ustar');
  writeString(header, 263, 2, '00');
  const sum = header.reduce((a, b) => a + b, 0);
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/**
 * The archive of `files` (relative names with `/`, text or bytes), every one under the folder `root`; the folders
 * come first, each once. `mtime` in seconds since the epoch.
 */
export function tarArchive(
  root: string,
  files: ReadonlyMap<string, string | Uint8Array>,
  mtime = Math.floor(Date.now() / 1000),
): Uint8Array {
  const parts: Uint8Array[] = [];
  const folders = new Set<string>([`${root}/`]);
  for (const name of files.keys()) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new RangeError(`tar: refusing the file name '${name}'`);
    const segments = `${root}/${name}`.split('/');
    for (let i = 1; i < segments.length; i++) folders.add(`${segments.slice(0, i).join('/')}/`);
  }
  for (const folder of folders) parts.push(headerOf(folder, 0, '5', mtime));
  for (const [name, data] of files) {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    parts.push(headerOf(`${root}/${name}`, bytes.length, '0', mtime), bytes);
    if (bytes.length % BLOCK !== 0) parts.push(new Uint8Array(BLOCK - (bytes.length % BLOCK)));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
