/**
 * The NER tagger's weights under PyTorch `state_dict` names (browser-safe): the mapping from trax-ts weight paths
 * to the reference PyTorch module `TraxTagger` of `bench/peers/ner_trax_torch.py` (built from the blocks of the
 * benchmark's peer `bench/peers/ner_torch.py`), and back. A model exported this way loads into that module with
 * `load_state_dict(strict=True)` and gives the same log-probabilities; a state dict trained there comes home with
 * {@link importNerTorchSafetensors}.
 *
 * The mapping covers the configurations the reference module implements: word embeddings only (no character CNN,
 * no word shapes), no BiLSTM, no CRF, `'full'` attention, any `nLayers`, `dModel`, `dFf`, `nHeads`, `maxLen`,
 * `dropout`, `ffActivation`, reversible or not (the same function of the weights). Others are refused, naming the
 * setting.
 */
import { tf } from '../../backend/tf.js';
import { loadWeightsByPath } from '../../io/layer_safetensors.js';
import { SafetensorsError } from '../../io/safetensors.js';
import { tensorsFromSafetensors, tensorsToSafetensors } from '../../io/safetensors_tensors.js';
import type { Layer } from '../../layers/base.js';
import { namedTensors } from '../../layers/tensor_tree.js';
import type { Tensor } from '../../layers/types.js';
import { type NerModelConfig, resolveNerModelConfig } from '../model/config.js';

/** How a trax-ts weight becomes its PyTorch parameter. @public */
export type NerTorchTransform = 'same' | 'transpose' | 'qkv';

/** One line of the mapping: a trax-ts path pattern, the PyTorch name, the transform. `{i}` is the block index. @public */
export interface NerTorchMappingRow {
  /** The trax-ts weight path, with `{i}` for the block index and `<n>` for a size in a layer's name. */
  readonly trax: string;
  /** The PyTorch `state_dict` name (`{i}` as in `trax`). */
  readonly torch: string;
  /** How the value is carried over. */
  readonly transform: NerTorchTransform;
  /** What the weight is, in words (may be empty). */
  readonly note: string;
}

interface Rule extends NerTorchMappingRow {
  readonly pattern: RegExp;
  /** For `qkv`: which third of PyTorch's stacked `in_proj_weight` this weight is. */
  readonly part?: 0 | 1 | 2;
}

const BLOCK = 'NerTagger/1/ReformerEncoder/4/ReversibleSerial/{i}/EncoderBlock';

function rule(trax: string, torch: string, transform: NerTorchTransform, note: string, part?: 0 | 1 | 2): Rule {
  // `{i}` matches the block index, `<n>` a size in a layer name (`Dense_<n>`), everything else literally.
  const source = trax
    .split(/(\{i\}|<n>)/)
    .map((piece) => (piece === '{i}' ? '(\\d+)' : piece === '<n>' ? '\\d+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return { trax, torch, transform, note, pattern: new RegExp(`^${source}$`), ...(part === undefined ? {} : { part }) };
}

const RULES: readonly Rule[] = [
  rule('NerTagger/0/TokenEmbedding/0/Branch/1/Parallel/1/Serial/1/Embedding_<n>_<n>/w', 'embed.weight', 'same', 'word embeddings [V, dModel]'),
  rule('NerTagger/1/ReformerEncoder/2/PositionalEncoding/w', 'pos', 'same', 'learned positions [maxLen, dModel]'),
  rule(`${BLOCK}/0/ReversibleHalfResidual/0/LayerNorm/scale`, 'blocks.{i}.norm1.weight', 'same', 'LayerNorm before attention (epsilon 1e-6)'),
  rule(`${BLOCK}/0/ReversibleHalfResidual/0/LayerNorm/bias`, 'blocks.{i}.norm1.bias', 'same', ''),
  rule(`${BLOCK}/0/ReversibleHalfResidual/1/SelfAttention_h<n>/wq`, 'blocks.{i}.attn.in_proj_weight', 'qkv', 'rows 0..dModel: wqᵀ', 0),
  rule(`${BLOCK}/0/ReversibleHalfResidual/1/SelfAttention_h<n>/wk`, 'blocks.{i}.attn.in_proj_weight', 'qkv', 'rows dModel..2·dModel: wkᵀ', 1),
  rule(`${BLOCK}/0/ReversibleHalfResidual/1/SelfAttention_h<n>/wv`, 'blocks.{i}.attn.in_proj_weight', 'qkv', 'rows 2·dModel..3·dModel: wvᵀ', 2),
  rule(`${BLOCK}/0/ReversibleHalfResidual/1/SelfAttention_h<n>/wo`, 'blocks.{i}.attn.out_proj.weight', 'transpose', 'no attention biases (bias=False)'),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/0/LayerNorm/scale`, 'blocks.{i}.norm2.weight', 'same', 'LayerNorm before the feed-forward'),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/0/LayerNorm/bias`, 'blocks.{i}.norm2.bias', 'same', ''),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/1/Dense_<n>/w`, 'blocks.{i}.ff.0.weight', 'transpose', 'Linear(dModel, dFf)'),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/1/Dense_<n>/b`, 'blocks.{i}.ff.0.bias', 'same', ''),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/4/Dense_<n>/w`, 'blocks.{i}.ff.3.weight', 'transpose', 'Linear(dFf, dModel)'),
  rule(`${BLOCK}/2/ReversibleHalfResidual/0/FeedForward/4/Dense_<n>/b`, 'blocks.{i}.ff.3.bias', 'same', ''),
  rule('NerTagger/1/ReformerEncoder/6/LayerNorm/scale', 'norm.weight', 'same', 'final LayerNorm, after averaging the two streams'),
  rule('NerTagger/1/ReformerEncoder/6/LayerNorm/bias', 'norm.bias', 'same', ''),
  rule('NerTagger/2/Dense_<n>/w', 'out.weight', 'transpose', 'Linear(dModel, nTags)'),
  rule('NerTagger/2/Dense_<n>/b', 'out.bias', 'same', ''),
];

/**
 * The mapping from trax-ts weight paths to the PyTorch names of `bench/peers/ner_trax_torch.py`'s `TraxTagger`, one
 * row per trax-ts weight (`{i}`: the encoder block, `<n>`: a size in a layer name). Transforms: `same` (copied),
 * `transpose` (a `Dense` kernel `[in, out]` is PyTorch's `Linear.weight` `[out, in]`), `qkv` (the transposed query,
 * key and value kernels stacked, in that order, as `nn.MultiheadAttention.in_proj_weight` `[3·dModel, dModel]`).
 * @public
 */
export const NER_TORCH_MAPPING: readonly NerTorchMappingRow[] = Object.freeze(RULES.map(({ trax, torch, transform, note }) => Object.freeze({ trax, torch, transform, note })));

/**
 * The settings of `bench/peers/ner_trax_torch.py`'s `TraxTagger`, as written to the `trax_ts_torch_config` metadata
 * of an exported file (snake case, as the benchmark peers' configuration). @public
 */
export interface NerTorchConfig {
  /** Word vocabulary size (rows of `embed.weight`). */
  vocab_size: number;
  /** Tags (rows of `out.weight`). */
  n_tags: number;
  /** `dModel`. */
  d_model: number;
  /** `dFf`. */
  d_ff: number;
  /** `nHeads`. */
  n_heads: number;
  /** `nLayers`. */
  n_layers: number;
  /** `maxLen` (rows of `pos`). */
  max_len: number;
  /** `dropout` (training only). */
  dropout: number;
  /** `ffActivation` (`fastGelu` is PyTorch's `GELU(approximate='tanh')`). */
  ff_activation: 'relu' | 'gelu' | 'fastGelu';
}

/** The metadata key of an exported file's {@link NerTorchConfig} (JSON). @public */
export const NER_TORCH_CONFIG_KEY = 'trax_ts_torch_config';

/** A model and the configuration it was built with (a `NerTaggerParts`, or a tagger's `members[k]`). @public */
export interface NerModelAndConfig {
  /** A `NerTaggerModel`, initialised or loaded. */
  readonly model: Layer;
  /** The configuration it was built with. */
  readonly config: Partial<NerModelConfig>;
}

/**
 * Why a tagger configuration has no PyTorch counterpart in `ner_trax_torch.py` (each setting that differs), or
 * undefined when it has one.
 * @public
 */
export function nerTorchMappingProblem(config: Partial<NerModelConfig>): string | undefined {
  const c = resolveNerModelConfig(config);
  const problems: string[] = [];
  if (c.charFeatures) problems.push('charFeatures must be false (the reference module has no character CNN)');
  if (c.wordShapes) problems.push('wordShapes must be false (no word-shape embedding)');
  if (c.bilstm) problems.push('bilstm must be false (no BiLSTM)');
  if (c.crf) problems.push('crf must be false (the module ends in log-softmax)');
  if (c.attention !== 'full') problems.push(`attention must be 'full', not '${c.attention}'`);
  return problems.length > 0 ? `the PyTorch mapping covers the like-for-like tagger only: ${problems.join('; ')}` : undefined;
}

function checkModel(parts: NerModelAndConfig, what: string): void {
  const problem = nerTorchMappingProblem(parts.config);
  if (problem) throw new SafetensorsError(`${what}: ${problem}`);
  if (!parts.model.initialized) throw new SafetensorsError(`${what}: the model has no weights yet (initialise or load it first)`);
}

interface Match {
  readonly path: string;
  readonly rule: Rule;
  readonly torch: string;
}

/** Each weight path of the model with its rule and PyTorch name; a path no rule knows is refused. */
function matchPaths(model: Layer, what: string): Match[] {
  const out: Match[] = [];
  for (const path of namedTensors(model).keys()) {
    let found: Match | undefined;
    for (const r of RULES) {
      const m = r.pattern.exec(path);
      if (m) {
        found = { path, rule: r, torch: r.torch.replace('{i}', m[1] ?? '') };
        break;
      }
    }
    if (!found) throw new SafetensorsError(`${what}: the weight ${path} has no PyTorch name (is this model a NerTaggerModel?)`);
    out.push(found);
  }
  return out;
}

/**
 * The model's weights under the PyTorch names of {@link NER_TORCH_MAPPING}, transformed (new tensors: the caller
 * disposes them). Refuses a configuration the mapping does not cover (see {@link nerTorchMappingProblem}).
 * @public
 */
export function nerTorchStateDict(parts: NerModelAndConfig): Map<string, Tensor> {
  const what = 'nerTorchStateDict';
  checkModel(parts, what);
  const weights = namedTensors(parts.model);
  const out = new Map<string, Tensor>();
  const stacks = new Map<string, Tensor[]>();
  for (const { path, rule: r, torch } of matchPaths(parts.model, what)) {
    const t = weights.get(path)!;
    if (r.transform === 'same') out.set(torch, tf.clone(t));
    else if (r.transform === 'transpose') out.set(torch, tf.transpose(t));
    else {
      const parts3 = stacks.get(torch) ?? [];
      parts3[r.part!] = t;
      stacks.set(torch, parts3);
      if (!out.has(torch)) out.set(torch, t); // placeholder, keeps the name's place in order
    }
  }
  for (const [torch, [q, k, v]] of stacks) {
    if (!q || !k || !v) {
      const modelWeights = new Set(weights.values()); // the placeholders
      tf.dispose([...out.values()].filter((t) => !modelWeights.has(t)));
      throw new SafetensorsError(`${what}: ${torch} needs the query, key and value kernels of one attention layer`);
    }
    out.set(torch, tf.tidy(() => tf.concat([tf.transpose(q), tf.transpose(k), tf.transpose(v)], 0)));
  }
  return out;
}

/**
 * The inverse of {@link nerTorchStateDict}: tensors by trax-ts weight path from tensors by PyTorch name (new
 * tensors). Each PyTorch name the model needs must be there with the shape that maps to the model's weight, and no
 * other name; otherwise a {@link SafetensorsError} names each one that does not fit.
 * @public
 */
export function nerWeightsFromTorchStateDict(parts: NerModelAndConfig, state: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const what = 'nerWeightsFromTorchStateDict';
  checkModel(parts, what);
  const weights = namedTensors(parts.model);
  const matches = matchPaths(parts.model, what);
  const problems: string[] = [];
  const describe = (t: { dtype: string; shape: readonly number[] }): string => `${t.dtype}[${t.shape.join(',')}]`;
  const needed = new Set(matches.map((m) => m.torch));
  for (const name of state.keys()) if (!needed.has(name)) problems.push(`${name}: in the PyTorch state but not a weight of this model`);
  const expectedShape = (m: Match): number[] => {
    const shape = weights.get(m.path)!.shape;
    if (m.rule.transform === 'same') return [...shape];
    if (m.rule.transform === 'transpose') return [...shape].reverse();
    return [3 * shape[1]!, shape[0]!];
  };
  for (const m of matches) {
    const t = state.get(m.torch);
    const want = { dtype: weights.get(m.path)!.dtype, shape: expectedShape(m) };
    if (!t) {
      if (m.rule.part === undefined || m.rule.part === 0) problems.push(`${m.torch}: missing (the model's ${m.path} needs ${describe(want)})`);
    } else if (t.dtype !== want.dtype || t.shape.join(',') !== want.shape.join(',')) {
      if (m.rule.part === undefined || m.rule.part === 0) problems.push(`${m.torch}: the PyTorch state has ${describe(t)}, the model's ${m.path} needs ${describe(want)}`);
    }
  }
  if (problems.length > 0) throw new SafetensorsError(`the PyTorch weights do not fit the model:\n  ${problems.join('\n  ')}`);
  const out = new Map<string, Tensor>();
  for (const m of matches) {
    const t = state.get(m.torch)!;
    if (m.rule.transform === 'same') out.set(m.path, tf.clone(t));
    else if (m.rule.transform === 'transpose') out.set(m.path, tf.transpose(t));
    else {
      const d = t.shape[1]!;
      out.set(m.path, tf.tidy(() => tf.transpose(tf.slice(t, [m.rule.part! * d, 0], [d, d]))));
    }
  }
  return out;
}

/** The {@link NerTorchConfig} of a model that the mapping covers. */
function torchConfig(parts: NerModelAndConfig, state: ReadonlyMap<string, Tensor>): NerTorchConfig {
  const c = resolveNerModelConfig(parts.config);
  return {
    vocab_size: state.get('embed.weight')!.shape[0]!,
    n_tags: state.get('out.weight')!.shape[0]!,
    d_model: c.dModel,
    d_ff: c.dFf,
    n_heads: c.nHeads,
    n_layers: c.nLayers,
    max_len: c.maxLen,
    dropout: c.dropout,
    ff_activation: c.ffActivation,
  };
}

/**
 * A safetensors file of the tagger's weights under PyTorch names (see {@link NER_TORCH_MAPPING}), with the
 * module's settings as JSON in the metadata ({@link NER_TORCH_CONFIG_KEY}) and `format: 'pt'`:
 * `python3 bench/peers/ner_trax_torch.py FILE ...` builds `TraxTagger` from it and loads it strictly.
 * @public
 */
export async function exportNerTorchSafetensors(parts: NerModelAndConfig, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const state = nerTorchStateDict(parts);
  try {
    return await tensorsToSafetensors(state, { ...metadata, format: 'pt', [NER_TORCH_CONFIG_KEY]: JSON.stringify(torchConfig(parts, state)) });
  } finally {
    tf.dispose([...state.values()]);
  }
}

/**
 * Loads a safetensors file of PyTorch-named weights (written by `ner_trax_torch.py`'s `save_trax_safetensors`, or
 * by {@link exportNerTorchSafetensors}) into the model, converted back to trax-ts paths: bit for bit what PyTorch
 * held. A name or shape that does not fit is refused naming it, and the model keeps its weights. Returns the file's
 * metadata.
 * @public
 */
export function importNerTorchSafetensors(parts: NerModelAndConfig, bytes: Uint8Array): Record<string, string> {
  const { tensors, metadata } = tensorsFromSafetensors(bytes);
  let named: Map<string, Tensor> | undefined;
  try {
    named = nerWeightsFromTorchStateDict(parts, tensors);
    loadWeightsByPath(parts.model, named, 'the PyTorch file');
  } catch (error) {
    if (named) tf.dispose([...named.values()]);
    throw error;
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return metadata;
}
