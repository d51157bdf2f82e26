/**
 * A tagger (or an ensemble) as the files of an exported tagger directory (no file system here: works in the browser
 * too).
 */
import { tf } from '../../backend/tf.js';
import { namedTensors } from '../../core/named_tensors.js';
import { nerVocabsToJSON } from '../dataset/vocabs.js';
import type { NerTagger, NerTaggerParts } from '../tagger/ner_tagger.js';
import { sha256Hex } from './checksum.js';
import {
  CRF_PREFIX,
  ENSEMBLE_FORMAT,
  ENSEMBLE_FORMAT_VERSION,
  type EnsembleManifest,
  TAGGER_FILES,
  TAGGER_FORMAT,
  TAGGER_FORMAT_VERSION,
  type TaggerManifest,
} from './format.js';

/**
 * The weights an exported (single) tagger holds, by name: the model's by path, then the CRF's. An ensemble has none
 * of its own (an error): its members' are exported in their directories.
 * @public
 */
export function taggerWeights(tagger: NerTagger): Map<string, tf.Tensor> {
  return partsWeights({ model: tagger.model, config: tagger.config, vocabs: tagger.vocabs, ...(tagger.crf ? { crf: tagger.crf } : {}) });
}

function partsWeights(parts: NerTaggerParts): Map<string, tf.Tensor> {
  const named = namedTensors(parts.model);
  if (parts.crf) {
    const n = parts.vocabs.tags.size;
    named.set(`${CRF_PREFIX}transitions`, tf.tensor2d(Float32Array.from(flat(parts.crf.transitions)), [n, n]));
    named.set(`${CRF_PREFIX}start`, tf.tensor1d(Float32Array.from(parts.crf.start)));
    named.set(`${CRF_PREFIX}end`, tf.tensor1d(Float32Array.from(parts.crf.end)));
  }
  return named;
}

function flat(t: Float32Array | number[][]): ArrayLike<number> {
  return Array.isArray(t) ? t.flat() : t;
}

/**
 * The files of an exported tagger (see `format.ts`) by relative name: `tagger.json`, `vocabs.json` (text) and
 * `weights.bin` (bytes); for an ensemble, its `tagger.json` and each member's files under `member-<k>/`
 * (`member-1/tagger.json`, ...). `metadata` goes to the (top) `tagger.json`.
 * @public
 */
export async function taggerFiles(tagger: NerTagger, metadata: Record<string, unknown> = {}): Promise<Map<string, string | Uint8Array>> {
  if (!tagger.isEnsemble) return memberFiles(tagger.members[0]!, tagger.decoding, metadata);
  const members = tagger.members.map((_, i) => `member-${i + 1}`);
  const files = new Map<string, string | Uint8Array>();
  for (const [i, member] of tagger.members.entries()) {
    for (const [name, data] of await memberFiles(member, tagger.decoding, {})) files.set(`${members[i]}/${name}`, data);
  }
  const manifest: EnsembleManifest = { format: ENSEMBLE_FORMAT, formatVersion: ENSEMBLE_FORMAT_VERSION, members, metadata };
  files.set(TAGGER_FILES.manifest, JSON.stringify(manifest, null, 1) + '\n');
  return files;
}

async function memberFiles(
  parts: NerTaggerParts,
  decoding: NerTagger['decoding'],
  metadata: Record<string, unknown>,
): Promise<Map<string, string | Uint8Array>> {
  const named = partsWeights(parts);
  const crfTensors = [...named].filter(([name]) => name.startsWith(CRF_PREFIX)).map(([, t]) => t);
  try {
    const { data, specs } = await tf.io.encodeWeights(Object.fromEntries(named));
    const weights = new Uint8Array(data);
    const vocabsText = JSON.stringify(nerVocabsToJSON(parts.vocabs)) + '\n';
    const vocabsBytes = new TextEncoder().encode(vocabsText);
    const manifest: TaggerManifest = {
      format: TAGGER_FORMAT,
      formatVersion: TAGGER_FORMAT_VERSION,
      config: parts.config,
      sizes: { wordVocabSize: parts.vocabs.words.size, charVocabSize: parts.vocabs.chars.size, nTags: parts.vocabs.tags.size },
      decoding,
      vocabs: TAGGER_FILES.vocabs,
      weightsManifest: [{ paths: [TAGGER_FILES.weights], weights: specs }],
      files: {
        [TAGGER_FILES.vocabs]: { bytes: vocabsBytes.byteLength, sha256: await sha256Hex(vocabsBytes) },
        [TAGGER_FILES.weights]: { bytes: weights.byteLength, sha256: await sha256Hex(weights) },
      },
      metadata,
    };
    return new Map<string, string | Uint8Array>([
      [TAGGER_FILES.manifest, JSON.stringify(manifest, null, 1) + '\n'],
      [TAGGER_FILES.vocabs, vocabsText],
      [TAGGER_FILES.weights, weights],
    ]);
  } finally {
    tf.dispose(crfTensors);
  }
}
