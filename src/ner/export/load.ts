/**
 * Loading an exported tagger (or an ensemble of them) from any file reader: a directory in Node, `fetch` in the
 * browser.
 */
import { tf } from '../../backend/tf.js';
import { readyBackend } from '../../backend/backends.js';
import type { CrfParameters } from '../../layers/crf.js';
import { loadNamedWeights } from '../../core/load_named_weights.js';
import { disposeTree } from '../../core/tensor_tree.js';
import { nerVocabsFromJSON, type NerVocabs } from '../dataset/vocabs.js';
import { NerTaggerModel } from '../model/build.js';
import { type NerModelConfig, resolveNerModelConfig } from '../model/config.js';
import { featureLayout } from '../model/features.js';
import type { NerModelSizes } from '../model/token_embedding.js';
import { NerTagger, type NerTaggerParts } from '../tagger/ner_tagger.js';
import { canChecksum, sha256Hex } from './checksum.js';
import {
  CRF_PREFIX,
  ENSEMBLE_FORMAT,
  ENSEMBLE_FORMAT_VERSION,
  type EnsembleManifest,
  TAGGER_FILES,
  TAGGER_FORMAT,
  TAGGER_FORMAT_VERSION,
  TaggerLoadError,
  type TaggerManifest,
} from './format.js';

/**
 * Reads one file of an exported tagger by its name relative to the tagger's directory (`tagger.json`,
 * `vocabs.json`, `weights.bin`; an ensemble's members' files as `member-1/tagger.json`, ...): text or bytes.
 * Rejects when the file cannot be read.
 * @public
 */
export type TaggerFileReader = (name: string) => Promise<Uint8Array | ArrayBuffer | string>;

/**
 * A {@link TaggerFileReader} over HTTP: files are fetched relative to `baseUrl` (which should end in `/`).
 * @public
 */
export function fetchTaggerFiles(
  baseUrl: string,
  fetchFn: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }> = (url) => fetch(url),
): TaggerFileReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (name) => {
    const response = await fetchFn(base + name);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${base + name}`);
    return response.arrayBuffer();
  };
}

async function readFile(source: TaggerFileReader, where: string, name: string): Promise<Uint8Array | ArrayBuffer | string> {
  try {
    return await source(name);
  } catch (error) {
    throw new TaggerLoadError(
      `${where}: cannot read the file '${name}' (${(error as Error).message ?? String(error)}); an exported tagger needs ${Object.values(TAGGER_FILES).join(', ')}`,
      { cause: error },
    );
  }
}

function asText(data: Uint8Array | ArrayBuffer | string): string {
  return typeof data === 'string' ? data : new TextDecoder().decode(data);
}

function asBytes(data: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

async function readJson(source: TaggerFileReader, where: string, name: string): Promise<unknown> {
  const text = asText(await readFile(source, where, name));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TaggerLoadError(`${where}: '${name}' is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

function checkManifest(where: string, json: unknown): TaggerManifest {
  const m = json as Partial<TaggerManifest> | null;
  const file = TAGGER_FILES.manifest;
  if (m === null || typeof m !== 'object') throw new TaggerLoadError(`${where}: '${file}' must hold an object`);
  if (m.format !== TAGGER_FORMAT)
    throw new TaggerLoadError(
      `${where}: '${file}' is not a trax-ts NER tagger (format ${JSON.stringify(m.format)}, expected '${TAGGER_FORMAT}')`,
    );
  if (m.formatVersion !== TAGGER_FORMAT_VERSION) {
    const newer = typeof m.formatVersion === 'number' && m.formatVersion > TAGGER_FORMAT_VERSION;
    throw new TaggerLoadError(
      `${where}: '${file}' has format version ${JSON.stringify(m.formatVersion)}; this library reads version ${TAGGER_FORMAT_VERSION}` +
        (newer ? ' (the tagger was exported by a newer trax-ts: upgrade)' : ' (re-export the tagger)'),
    );
  }
  const group = m.weightsManifest?.[0];
  if (
    !Array.isArray(m.weightsManifest) ||
    m.weightsManifest.length !== 1 ||
    !Array.isArray(group?.paths) ||
    !Array.isArray(group?.weights)
  ) {
    throw new TaggerLoadError(`${where}: '${file}' needs a weightsManifest with one group of paths and weights`);
  }
  if (typeof m.vocabs !== 'string') throw new TaggerLoadError(`${where}: '${file}' does not name its vocabularies file`);
  for (const [i, spec] of (group.weights as unknown[]).entries()) {
    const s = spec as Partial<tf.io.WeightsManifestEntry> | null;
    const shapeOk = Array.isArray(s?.shape) && s.shape.every((d) => Number.isInteger(d) && d >= 0);
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.name !== 'string' ||
      !shapeOk ||
      s.dtype !== 'float32' ||
      s.quantization !== undefined
    ) {
      throw new TaggerLoadError(
        `${where}: '${file}' has an invalid weight spec #${i + 1} (${JSON.stringify(spec)?.slice(0, 120)}): needs a name, a shape of sizes and dtype 'float32'`,
      );
    }
  }
  if (!group.paths.every((p) => typeof p === 'string'))
    throw new TaggerLoadError(`${where}: '${file}' has weights paths that are not file names`);
  const files = m.files as Record<string, { bytes?: unknown; sha256?: unknown }> | undefined;
  if (files === null || typeof files !== 'object') throw new TaggerLoadError(`${where}: '${file}' has no checksums of its files ('files')`);
  for (const name of [m.vocabs, ...group.paths]) {
    const entry = files[name];
    if (!entry || typeof entry.bytes !== 'number' || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new TaggerLoadError(`${where}: '${file}' has no valid size and checksum of '${name}' in 'files'`);
    }
  }
  if (m.decoding !== 'argmax' && m.decoding !== 'constrained')
    throw new TaggerLoadError(`${where}: '${file}' has an unknown decoding ${JSON.stringify(m.decoding)}`);
  return m as TaggerManifest;
}

/** A file of the tagger, checked against the size and SHA-256 that `tagger.json` gives for it. */
async function readChecked(source: TaggerFileReader, where: string, manifest: TaggerManifest, name: string): Promise<Uint8Array> {
  const bytes = asBytes(await readFile(source, where, name));
  const want = manifest.files[name]!;
  if (bytes.byteLength !== want.bytes) {
    throw new TaggerLoadError(
      `${where}: '${name}' holds ${bytes.byteLength} bytes, '${TAGGER_FILES.manifest}' says ${want.bytes} (damaged, truncated or from another export)`,
    );
  }
  // Without the Web Crypto API (a browser page outside a secure context) sizes and finiteness are still checked.
  if (canChecksum() && (await sha256Hex(bytes)) !== want.sha256) {
    throw new TaggerLoadError(
      `${where}: '${name}' does not match its checksum in '${TAGGER_FILES.manifest}' (the file is damaged or from another export)`,
    );
  }
  return bytes;
}

/** Refuses weights holding NaN or infinities, naming the first such weight. */
function checkFinite(where: string, bytes: Uint8Array, specs: readonly tf.io.WeightsManifestEntry[]): void {
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    for (let i = offset; i < offset + n; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new TaggerLoadError(
          `${where}: the weight ${spec.name} holds ${values[i]} at index ${i - offset} (a damaged export: every weight must be finite)`,
        );
      }
    }
    offset += n;
  }
}

function checkSizes(where: string, vocabs: NerVocabs, sizes: NerModelSizes | undefined): NerModelSizes {
  const actual: NerModelSizes = { wordVocabSize: vocabs.words.size, charVocabSize: vocabs.chars.size, nTags: vocabs.tags.size };
  if (!sizes || typeof sizes !== 'object')
    throw new TaggerLoadError(`${where}: '${TAGGER_FILES.manifest}' does not give the vocabulary sizes`);
  const what = { wordVocabSize: 'words', charVocabSize: 'characters', nTags: 'tags' } as const;
  for (const key of Object.keys(what) as Array<keyof NerModelSizes>) {
    if (sizes[key] !== actual[key]) {
      throw new TaggerLoadError(
        `${where}: the vocabularies do not match the weights: the ${what[key]} vocabulary has ${actual[key]} entries, the model was built for ${sizes[key]}`,
      );
    }
  }
  return actual;
}

function crfFrom(named: Map<string, tf.Tensor>, nTags: number, where: string): CrfParameters {
  const part = (name: string, shape: number[]): Float32Array => {
    const t = named.get(CRF_PREFIX + name);
    if (!t || t.shape.join(',') !== shape.join(',')) {
      throw new TaggerLoadError(
        `${where}: the CRF weight '${CRF_PREFIX}${name}' is missing or not of shape [${shape}] (the tag vocabulary has ${nTags} tags)`,
      );
    }
    return t.dataSync() as Float32Array;
  };
  return { transitions: part('transitions', [nTags, nTags]), start: part('start', [nTags]), end: part('end', [nTags]) };
}

/**
 * Loads an exported tagger (see `format.ts`) through `source`, which reads its files by relative name: a single
 * tagger, or an ensemble (its `tagger.json` lists the members' directories, each loaded as a single tagger through
 * `source` with the directory's name before each file's). Refused with a {@link TaggerLoadError} naming the file
 * (or member) and the problem: a missing file, a different format or version, an unknown or invalid configuration,
 * vocabularies that do not match the weights, missing, extra or misshapen weights, a weights file of the wrong
 * size; for an ensemble, also an empty or malformed member list, a missing member, members whose tag vocabularies
 * differ, CRF and softmax members together.
 *
 * Loading first waits for tfjs's active backend ({@link readyBackend}): the tagger's weights live, and it tags,
 * on the backend chosen by `useBackend` before the call, or on tfjs's default (wasm) when none was chosen;
 * `currentBackend()` names it.
 * @param where - names the tagger in errors (a directory or URL).
 * @public
 */
export async function loadTagger(source: TaggerFileReader, where = 'tagger'): Promise<NerTagger> {
  await readyBackend();
  const json = await readJson(source, where, TAGGER_FILES.manifest);
  if ((json as { format?: unknown } | null)?.format === ENSEMBLE_FORMAT)
    return loadEnsemble(source, where, checkEnsembleManifest(where, json));
  return new NerTagger(await loadParts(source, where, json));
}

function checkEnsembleManifest(where: string, json: unknown): EnsembleManifest {
  const m = json as Partial<EnsembleManifest>;
  const file = TAGGER_FILES.manifest;
  if (m.formatVersion !== ENSEMBLE_FORMAT_VERSION) {
    const newer = typeof m.formatVersion === 'number' && m.formatVersion > ENSEMBLE_FORMAT_VERSION;
    throw new TaggerLoadError(
      `${where}: '${file}' has ensemble format version ${JSON.stringify(m.formatVersion)}; this library reads version ${ENSEMBLE_FORMAT_VERSION}` +
        (newer ? ' (the ensemble was exported by a newer trax-ts: upgrade)' : ' (re-export the ensemble)'),
    );
  }
  if (!Array.isArray(m.members)) throw new TaggerLoadError(`${where}: '${file}' is an ensemble without a list of members`);
  if (m.members.length === 0) throw new TaggerLoadError(`${where}: '${file}' lists no members (an ensemble needs at least one)`);
  const seen = new Set<string>();
  for (const name of m.members as unknown[]) {
    const relative =
      typeof name === 'string' && /^[\w.-]+(\/[\w.-]+)*$/.test(name) && name.split('/').every((part) => part !== '.' && part !== '..');
    if (!relative)
      throw new TaggerLoadError(`${where}: '${file}' lists the member ${JSON.stringify(name)}, which is not a relative subdirectory name`);
    if (seen.has(name)) throw new TaggerLoadError(`${where}: '${file}' lists the member '${name}' twice`);
    seen.add(name);
  }
  return m as EnsembleManifest;
}

async function loadEnsemble(source: TaggerFileReader, where: string, manifest: EnsembleManifest): Promise<NerTagger> {
  const members: NerTaggerParts[] = [];
  try {
    for (const name of manifest.members) {
      const memberWhere = where.endsWith('/') ? where + name : `${where}/${name}`;
      const reader: TaggerFileReader = (file) => source(`${name}/${file}`);
      const json = await readJson(reader, memberWhere, TAGGER_FILES.manifest);
      if ((json as { format?: unknown } | null)?.format === ENSEMBLE_FORMAT) {
        throw new TaggerLoadError(
          `${memberWhere}: '${TAGGER_FILES.manifest}' is an ensemble; an ensemble's members must be single taggers`,
        );
      }
      members.push(await loadParts(reader, memberWhere, json));
    }
    try {
      return new NerTagger({ members, names: manifest.members });
    } catch (error) {
      throw new TaggerLoadError(`${where}: '${TAGGER_FILES.manifest}': ${(error as Error).message.replace(/^NerTagger: /, '')}`, {
        cause: error,
      });
    }
  } catch (error) {
    for (const m of members) disposeTree(m.model.weights);
    throw error;
  }
}

/** One exported tagger's parts, from its parsed `tagger.json` and its other files. */
async function loadParts(source: TaggerFileReader, where: string, json: unknown): Promise<NerTaggerParts> {
  const manifest = checkManifest(where, json);
  let config: NerModelConfig;
  try {
    config = resolveNerModelConfig(manifest.config);
  } catch (error) {
    throw new TaggerLoadError(`${where}: '${TAGGER_FILES.manifest}' has an invalid model configuration: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let vocabs: NerVocabs;
  try {
    const text = new TextDecoder().decode(await readChecked(source, where, manifest, manifest.vocabs));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new TaggerLoadError(`${where}: '${manifest.vocabs}' is not valid JSON (${(error as Error).message})`, { cause: error });
    }
    vocabs = nerVocabsFromJSON(json);
  } catch (error) {
    if (error instanceof TaggerLoadError) throw error;
    throw new TaggerLoadError(`${where}: '${manifest.vocabs}': ${(error as Error).message}`, { cause: error });
  }
  const sizes = checkSizes(where, vocabs, manifest.sizes);

  const group = manifest.weightsManifest[0]!;
  const parts = await Promise.all(group.paths.map((p) => readChecked(source, where, manifest, p)));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const bytes = new Uint8Array(total);
  parts.reduce((offset, p) => (bytes.set(p, offset), offset + p.byteLength), 0);
  const expected = group.weights.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (total !== expected) {
    throw new TaggerLoadError(
      `${where}: the weights file(s) ${group.paths.join(', ')} hold ${total} bytes, the manifest describes ${expected} (damaged or from another export)`,
    );
  }
  checkFinite(where, bytes, group.weights);
  const named = new Map(Object.entries(tf.io.decodeWeights(bytes.buffer, group.weights)));
  const model = NerTaggerModel(config, sizes, 'eval');
  try {
    model.init({ shape: [1, 1, featureLayout(config).width], dtype: 'int32' });
    const problems: string[] = [];
    if (!config.crf) {
      for (const p of named.keys())
        if (p.startsWith(CRF_PREFIX))
          problems.push(`unexpected weight ${p}: the weights are a CRF model's, the configuration says "crf": false`);
    }
    if (group.weights.length !== named.size) problems.push(`the weight specs name ${group.weights.length - named.size} weight(s) twice`);
    if (problems.length > 0)
      throw new TaggerLoadError(`${where}: the weights do not fit the configured model:\n  ${problems.slice(0, 10).join('\n  ')}`);
    const crf = config.crf ? crfFrom(named, sizes.nTags, where) : undefined;
    const modelWeights = new Map([...named].filter(([p]) => !p.startsWith(CRF_PREFIX)));
    loadNamedWeights(model, modelWeights, { source: 'the weights file', error: (message) => new TaggerLoadError(`${where}: ${message}`) });
    tf.dispose([...named].filter(([p]) => p.startsWith(CRF_PREFIX)).map(([, t]) => t));
    return { model, config, vocabs, decoding: manifest.decoding, ...(crf ? { crf } : {}) };
  } catch (error) {
    tf.dispose([...named.values()]);
    if (model.initialized) disposeTree(model.weights);
    throw error;
  }
}
