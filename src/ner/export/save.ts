/**
 * A tagger as the files of an exported tagger directory (no file system here: works in the browser too).
 */
import { tf } from '../../backend/tf.js';
import { namedTensors } from '../../layers/tensor_tree.js';
import { nerVocabsToJSON } from '../dataset/vocabs.js';
import type { NerTagger } from '../tagger/ner_tagger.js';
import { CRF_PREFIX, TAGGER_FILES, TAGGER_FORMAT, TAGGER_FORMAT_VERSION, type TaggerManifest } from './format.js';

/** The weights an exported tagger holds, by name: the model's by path, then the CRF's. @public */
export function taggerWeights(tagger: NerTagger): Map<string, tf.Tensor> {
  const named = namedTensors(tagger.model);
  if (tagger.crf) {
    const n = tagger.vocabs.tags.size;
    named.set(`${CRF_PREFIX}transitions`, tf.tensor2d(Float32Array.from(flat(tagger.crf.transitions)), [n, n]));
    named.set(`${CRF_PREFIX}start`, tf.tensor1d(Float32Array.from(tagger.crf.start)));
    named.set(`${CRF_PREFIX}end`, tf.tensor1d(Float32Array.from(tagger.crf.end)));
  }
  return named;
}

function flat(t: Float32Array | number[][]): ArrayLike<number> {
  return Array.isArray(t) ? t.flat() : t;
}

/**
 * The files of an exported tagger (see `format.ts`) by relative name: `tagger.json`, `vocabs.json` (text) and
 * `weights.bin` (bytes).
 * @public
 */
export async function taggerFiles(tagger: NerTagger, metadata: Record<string, unknown> = {}): Promise<Map<string, string | Uint8Array>> {
  const named = taggerWeights(tagger);
  const crfTensors = [...named].filter(([name]) => name.startsWith(CRF_PREFIX)).map(([, t]) => t);
  try {
    const { data, specs } = await tf.io.encodeWeights(Object.fromEntries(named));
    const manifest: TaggerManifest = {
      format: TAGGER_FORMAT,
      formatVersion: TAGGER_FORMAT_VERSION,
      config: tagger.config,
      sizes: { wordVocabSize: tagger.vocabs.words.size, charVocabSize: tagger.vocabs.chars.size, nTags: tagger.vocabs.tags.size },
      decoding: tagger.decoding,
      vocabs: TAGGER_FILES.vocabs,
      weightsManifest: [{ paths: [TAGGER_FILES.weights], weights: specs }],
      metadata,
    };
    return new Map<string, string | Uint8Array>([
      [TAGGER_FILES.manifest, JSON.stringify(manifest, null, 1) + '\n'],
      [TAGGER_FILES.vocabs, JSON.stringify(nerVocabsToJSON(tagger.vocabs)) + '\n'],
      [TAGGER_FILES.weights, new Uint8Array(data)],
    ]);
  } finally {
    tf.dispose(crfTensors);
  }
}
