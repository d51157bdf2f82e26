/**
 * Checks shared by the vocabularies' `fromJSON`.
 */

/** Throws a `TypeError` naming the vocabulary kind when `json` is not a serialised vocabulary of that kind. */
export function checkVocabJson(json: unknown, kind: string, version: number): asserts json is Record<string, unknown> {
  if (typeof json !== 'object' || json === null) throw new TypeError(`${kind}.fromJSON: expected an object, got ${JSON.stringify(json)}`);
  const record = json as Record<string, unknown>;
  if (record['kind'] !== kind) throw new TypeError(`${kind}.fromJSON: expected kind '${kind}', got ${JSON.stringify(record['kind'])}`);
  if (record['version'] !== version)
    throw new TypeError(`${kind}.fromJSON: unsupported version ${JSON.stringify(record['version'])} (expected ${version})`);
}

/** Checks that `entries` is an array of distinct strings and returns it. */
export function checkEntries(kind: string, field: string, entries: unknown): string[] {
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) {
    throw new TypeError(`${kind}.fromJSON: '${field}' must be an array of strings`);
  }
  const seen = new Set<string>();
  for (const entry of entries as string[]) {
    if (seen.has(entry)) throw new TypeError(`${kind}.fromJSON: '${field}' lists '${entry}' twice`);
    seen.add(entry);
  }
  return entries as string[];
}
