/**
 * SHA-256 checksums of an exported tagger's files, through the Web Crypto API (`crypto.subtle`: Node 20 and
 * browsers in a secure context: https or localhost), so the loader works in both.
 */

/** Whether this environment can compute checksums (browsers outside a secure context cannot). */
export function canChecksum(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

/** The SHA-256 of `bytes`, lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!canChecksum())
    throw new Error('no Web Crypto API (crypto.subtle) here: checksums need Node 20 or a browser page served over https or from localhost');
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
