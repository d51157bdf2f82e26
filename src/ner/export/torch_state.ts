/**
 * The NER tagger's weights under PyTorch `state_dict` names (browser-safe): the mapping from trax-ts weight paths
 * to the reference PyTorch module `TraxTagger` of `bench/peers/ner_trax_torch.py` (built from the blocks of the
 * benchmark's peer `bench/peers/ner_torch.py`), and back. A model exported this way loads into that module with
 * `load_state_dict(strict=True)` and gives the same scores; a state dict trained there comes home with
 * {@link importNerTorchSafetensors}.
 *
 * The mapping covers every Reformer-encoder configuration `NerTaggerModel` builds except `'chunked'` and `'lsh'`
 * attention (the Transformer, BiLSTM and CNN encoders have no counterpart in that module): word
 * embeddings, word shapes, the character CNN, the BiLSTM, `'full'` or `'local'` attention, reversible or not (the
 * same function of the weights), softmax or CRF. A CRF's transition, start and end scores travel as `crf.*`.
 */
import { tf } from '../../backend/tf.js';
import { loadNamedWeights } from '../../core/load_named_weights.js';
import { SafetensorsError } from '../../io/safetensors.js';
import { tensorsFromSafetensors, tensorsToSafetensors } from '../../io/safetensors_tensors.js';
import type { Layer } from '../../core/base.js';
import type { CrfParameters } from '../../layers/crf.js';
import { namedTensors } from '../../core/named_tensors.js';
import type { Tensor } from '../../core/types.js';
import { hasWordProjection, type NerModelConfig, resolveNerModelConfig } from '../model/config.js';

/**
 * How trax-ts weights become PyTorch parameters: `same` (copied), `transpose` (a `Dense` kernel `[in, out]` is
 * `Linear.weight` `[out, in]`), `qkv` (the transposed query, key and value kernels stacked, in that order, as
 * `nn.MultiheadAttention.in_proj_weight`), `conv` (the character CNN's `[3·dChar, filters]` kernel as
 * `Conv1d.weight` `[filters, dChar, 3]`), `lstm` (an `LSTMCell`'s `w` `[in + n, 4n]` and `b` `[4n]`, gates
 * `i, j, f, o`, as `nn.LSTM`'s `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, gates `i, f, g, o`;
 * `bias_hh_l0` is exported as zeros and added to `bias_ih_l0` on the way back).
 * @public
 */
export type NerTorchTransform = 'same' | 'transpose' | 'qkv' | 'conv' | 'lstm';

/** One line of the mapping. @public */
export interface NerTorchMappingRow {
  /** The trax-ts weight paths (several for `qkv` and `lstm`), with `{i}` for the block index and `<n>` for a size in a layer's name. */
  readonly trax: readonly string[];
  /** The PyTorch `state_dict` names (several for `lstm`; `{i}` as in `trax`). */
  readonly torch: readonly string[];
  /** How the values are carried over. */
  readonly transform: NerTorchTransform;
  /** What the weight is, in words (may be empty). */
  readonly note: string;
}

/** The settings of the PyTorch module, as written to an exported file's {@link NER_TORCH_CONFIG_KEY} metadata. @public */
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
  /** `'full'` or `'local'`. */
  attention: 'full' | 'local';
  /** `localRadius` (`'local'` attention: positions seen on each side). */
  local_radius: number;
  /** Word shapes embedded (rows of `shape_embed.weight`), or 0 without word shapes. */
  n_shapes: number;
  /** Character vocabulary size (rows of `char_embed.weight`), or 0 without the character CNN. */
  char_vocab_size: number;
  /** `dChar`. */
  d_char: number;
  /** `charFilters`. */
  char_filters: number;
  /** `maxWordLength`: character columns of the features. */
  max_word_length: number;
  /** The BiLSTM after the embeddings. */
  bilstm: boolean;
  /** Emission scores for a CRF (with `crf.transitions`, `crf.start`, `crf.end`) instead of log-probabilities. */
  crf: boolean;
}

/** The metadata key of an exported file's {@link NerTorchConfig} (JSON). @public */
export const NER_TORCH_CONFIG_KEY = 'trax_ts_torch_config';

/** A model, the configuration it was built with, and its CRF's parameters when it has one (a `NerTaggerParts`, or a tagger's `members[k]`). @public */
export interface NerModelAndConfig {
  /** A `NerTaggerModel`, initialised or loaded. */
  readonly model: Layer;
  /** The configuration it was built with. */
  readonly config: Partial<NerModelConfig>;
  /** The CRF's scores, required when `config.crf`. */
  readonly crf?: CrfParameters;
}

/** Trax-ts weights (by path) from a PyTorch state, and the CRF's scores when the model has a CRF. @public */
export interface NerTorchWeights {
  /** Tensors by trax-ts weight path (the caller owns them). */
  readonly weights: Map<string, Tensor>;
  /** The CRF's scores (with `config.crf`). */
  readonly crf?: CrfParameters;
}

interface Group extends NerTorchMappingRow {
  readonly patterns: readonly RegExp[];
}

function pattern(trax: string): RegExp {
  const source = trax
    .split(/(\{i\}|<n>)/)
    .map((piece) => (piece === '{i}' ? '(\\d+)' : piece === '<n>' ? '\\d+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

function group(trax: string[], torch: string[], transform: NerTorchTransform, note: string): Group {
  return { trax, torch, transform, note, patterns: trax.map(pattern) };
}

/** The groups of a configuration, in the model's order. */
function groupsFor(c: NerModelConfig): Group[] {
  const emb = 'NerTagger/0/TokenEmbedding/0/Branch/1/Parallel';
  const out: Group[] = [group([`${emb}/1/Serial/1/Embedding_<n>_<n>/w`], ['embed.weight'], 'same', 'word embeddings [V, dModel]')];
  if (c.wordShapes)
    out.push(group([`${emb}/2/Serial/1/Embedding_<n>_<n>/w`], ['shape_embed.weight'], 'same', 'word-shape embeddings, added'));
  if (c.charFeatures) {
    const cnn = `${emb}/${c.wordShapes ? 3 : 2}/Serial/1/CharCnn`;
    out.push(
      group([`${cnn}/chars`], ['char_embed.weight'], 'same', 'character embeddings (padding id 0 contributes zeros)'),
      group([`${cnn}/w`], ['char_conv.weight'], 'conv', 'Conv1d(dChar, filters, 3, padding=1), then ReLU, max over real characters'),
      group([`${cnn}/b`], ['char_conv.bias'], 'same', ''),
      group([`${cnn}/wOut`], ['char_out.weight'], 'transpose', 'Linear(filters, dModel), added'),
      group([`${cnn}/bOut`], ['char_out.bias'], 'same', ''),
    );
  }
  let at = 1;
  if (c.bilstm) {
    const lstm = (prefix: string, name: string, note: string): Group =>
      group(
        [`${prefix}/LSTMCell_<n>/w`, `${prefix}/LSTMCell_<n>/b`],
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].map((p) => `${name}.${p}`),
        'lstm',
        note,
      );
    out.push(
      lstm('NerTagger/1/BiLSTM/1/Parallel/0/LSTM_<n>/1/Scan/0', 'bilstm_fw', 'nn.LSTM(dModel, dModel / 2), left to right'),
      lstm(
        'NerTagger/1/BiLSTM/1/Parallel/1/BackwardLSTM/2/LSTM_<n>/1/Scan/0',
        'bilstm_bw',
        'nn.LSTM, on each sentence reversed within its length; x + [fw | bw]',
      ),
    );
    at = 2;
  }
  const enc = `NerTagger/${at}/ReformerEncoder`;
  const block = `${enc}/4/ReversibleSerial/{i}/EncoderBlock`;
  const attention = `${block}/0/ReversibleHalfResidual/1/${c.attention === 'local' ? 'LocalSelfAttention_h<n>_r<n>' : 'SelfAttention_h<n>'}`;
  const ff = `${block}/2/ReversibleHalfResidual/0/FeedForward`;
  out.push(
    group([`${enc}/2/PositionalEncoding/w`], ['pos'], 'same', 'learned positions [maxLen, dModel]'),
    group(
      [`${block}/0/ReversibleHalfResidual/0/LayerNorm/scale`],
      ['blocks.{i}.norm1.weight'],
      'same',
      'LayerNorm before attention (epsilon 1e-6)',
    ),
    group([`${block}/0/ReversibleHalfResidual/0/LayerNorm/bias`], ['blocks.{i}.norm1.bias'], 'same', ''),
    group(
      [`${attention}/wq`, `${attention}/wk`, `${attention}/wv`],
      ['blocks.{i}.attn.in_proj_weight'],
      'qkv',
      c.attention === 'local' ? 'scores outside |i - j| <= localRadius masked' : '',
    ),
    group([`${attention}/wo`], ['blocks.{i}.attn.out_proj.weight'], 'transpose', 'no attention biases (bias=False)'),
    group([`${ff}/0/LayerNorm/scale`], ['blocks.{i}.norm2.weight'], 'same', 'LayerNorm before the feed-forward'),
    group([`${ff}/0/LayerNorm/bias`], ['blocks.{i}.norm2.bias'], 'same', ''),
    group([`${ff}/1/Dense_<n>/w`], ['blocks.{i}.ff.0.weight'], 'transpose', 'Linear(dModel, dFf)'),
    group([`${ff}/1/Dense_<n>/b`], ['blocks.{i}.ff.0.bias'], 'same', ''),
    group([`${ff}/4/Dense_<n>/w`], ['blocks.{i}.ff.3.weight'], 'transpose', 'Linear(dFf, dModel)'),
    group([`${ff}/4/Dense_<n>/b`], ['blocks.{i}.ff.3.bias'], 'same', ''),
    group([`${enc}/6/LayerNorm/scale`], ['norm.weight'], 'same', 'final LayerNorm, after averaging the two streams'),
    group([`${enc}/6/LayerNorm/bias`], ['norm.bias'], 'same', ''),
    group(
      [`NerTagger/${at + 1}/Dense_<n>/w`],
      ['out.weight'],
      'transpose',
      c.crf ? 'Linear(dModel, nTags): emission scores' : 'Linear(dModel, nTags), then log-softmax',
    ),
    group([`NerTagger/${at + 1}/Dense_<n>/b`], ['out.bias'], 'same', ''),
  );
  return out;
}

/** The CRF's scores, after the model's weights. */
const CRF_ROWS: readonly NerTorchMappingRow[] = [
  {
    trax: ['crf.transitions'],
    torch: ['crf.transitions'],
    transform: 'same',
    note: "the CRF's [from, to] transition scores (a CRF model)",
  },
  { trax: ['crf.start'], torch: ['crf.start'], transform: 'same', note: 'start scores' },
  { trax: ['crf.end'], torch: ['crf.end'], transform: 'same', note: 'end scores' },
];

/**
 * Why a tagger configuration has no PyTorch counterpart in `ner_trax_torch.py`, or undefined when it has one
 * (every configuration but another encoder than `'reformer'`, `'chunked'` and `'lsh'` attention, a word-vector
 * projection and document context).
 * @public
 */
export function nerTorchMappingProblem(config: Partial<NerModelConfig>): string | undefined {
  const c = resolveNerModelConfig(config);
  if (c.encoder !== 'reformer') return `the PyTorch module has only the Reformer encoder (encoder '${c.encoder}'; use 'reformer')`;
  if (c.attention === 'chunked' || c.attention === 'lsh')
    return `the PyTorch module has no '${c.attention}' attention (use 'full' or 'local')`;
  if (hasWordProjection(c))
    return `the PyTorch module has no word-vector projection (wordVectorDim ${c.wordVectorDim} with dModel ${c.dModel}; use wordVectorDim 0)`;
  if (c.contextTokens > 0)
    return `the PyTorch module has no document context (contextTokens ${c.contextTokens}: its target-flag embedding and windows; use contextTokens 0)`;
  return undefined;
}

/**
 * The mapping from trax-ts weight paths to the PyTorch names of `bench/peers/ner_trax_torch.py`'s `TraxTagger` for
 * a configuration, one row per group of weights, in the model's order (then the CRF's scores, with `crf`).
 * @public
 */
export function nerTorchMapping(config: Partial<NerModelConfig>): NerTorchMappingRow[] {
  const c = resolveNerModelConfig(config);
  const problem = nerTorchMappingProblem(c);
  if (problem) throw new SafetensorsError(`nerTorchMapping: ${problem}`);
  return [...groupsFor(c).map(({ trax, torch, transform, note }) => ({ trax, torch, transform, note })), ...(c.crf ? CRF_ROWS : [])];
}

function checkModel(parts: NerModelAndConfig, what: string): NerModelConfig {
  const c = resolveNerModelConfig(parts.config);
  const problem = nerTorchMappingProblem(c);
  if (problem) throw new SafetensorsError(`${what}: ${problem}`);
  if (!parts.model.initialized) throw new SafetensorsError(`${what}: the model has no weights yet (initialise or load it first)`);
  return c;
}

interface Instance {
  readonly group: Group;
  /** The trax-ts paths, one per pattern. */
  readonly paths: string[];
  /** The PyTorch names, `{i}` filled in. */
  readonly torch: string[];
}

/** The model's weights by group instance; a path no group knows, or a group with a path missing, is refused. */
function instances(model: Layer, config: NerModelConfig, what: string): Instance[] {
  const byKey = new Map<string, Instance>();
  const groups = groupsFor(config);
  for (const path of namedTensors(model).keys()) {
    let placed = false;
    for (const [g, grp] of groups.entries()) {
      const k = grp.patterns.findIndex((p) => p.test(path));
      if (k < 0) continue;
      const block = grp.patterns[k]!.exec(path)![1] ?? '';
      const key = `${g}/${block}`;
      const inst = byKey.get(key) ?? { group: grp, paths: [], torch: grp.torch.map((t) => t.replace('{i}', block)) };
      inst.paths[k] = path;
      byKey.set(key, inst);
      placed = true;
      break;
    }
    if (!placed) throw new SafetensorsError(`${what}: the weight ${path} has no PyTorch name (does the configuration match the model?)`);
  }
  for (const [g, grp] of groups.entries()) {
    const count = [...byKey.keys()].filter((key) => key.startsWith(`${g}/`)).length;
    const want = grp.trax[0]!.includes('{i}') ? config.nLayers : 1;
    if (count !== want) {
      throw new SafetensorsError(
        `${what}: the model has ${count} of the ${want} weight sets for ${grp.torch.join(', ')} (${grp.trax[0]}; does the configuration match the model?)`,
      );
    }
  }
  for (const inst of byKey.values()) {
    if (inst.group.trax.some((_, k) => inst.paths[k] === undefined)) {
      throw new SafetensorsError(`${what}: ${inst.torch.join(', ')} need the weights ${inst.group.trax.join(', ')} together`);
    }
  }
  return [...byKey.values()];
}

/** `[i, j, f, o]` gate blocks along `axis` to `[i, f, j, o]` (and back: the swap is its own inverse). */
function swapGates(t: Tensor, axis: number): Tensor {
  const [i, j, f, o] = tf.split(t, 4, axis);
  return tf.concat([i!, f!, j!, o!], axis);
}

function toTorch(transform: NerTorchTransform, ts: Tensor[]): Tensor[] {
  return tf.tidy(() => {
    switch (transform) {
      case 'same':
        return [tf.clone(ts[0]!)];
      case 'transpose':
        return [tf.transpose(ts[0]!)];
      case 'qkv':
        return [
          tf.concat(
            ts.map((t) => tf.transpose(t)),
            0,
          ),
        ];
      case 'conv': {
        const [width, filters] = ts[0]!.shape as [number, number];
        return [tf.transpose(tf.reshape(ts[0]!, [3, width / 3, filters]), [2, 1, 0])];
      }
      case 'lstm': {
        const [w, b] = ts as [Tensor, Tensor];
        const n = w.shape[1]! / 4;
        const rows = swapGates(tf.transpose(w), 0); // [4n, in + n]
        const dIn = w.shape[0] - n;
        return [tf.slice(rows, [0, 0], [4 * n, dIn]), tf.slice(rows, [0, dIn], [4 * n, n]), swapGates(b, 0), tf.zerosLike(b)];
      }
    }
  });
}

/** The PyTorch shapes of a group, from the trax-ts shapes. */
function torchShapes(transform: NerTorchTransform, shapes: number[][]): number[][] {
  const [s] = shapes as [number[]];
  switch (transform) {
    case 'same':
      return [s];
    case 'transpose':
      return [[...s].reverse()];
    case 'qkv':
      return [[3 * s[1]!, s[0]!]];
    case 'conv':
      return [[s[1]!, s[0]! / 3, 3]];
    case 'lstm': {
      const n = s[1]! / 4;
      return [[4 * n, s[0]! - n], [4 * n, n], [4 * n], [4 * n]];
    }
  }
}

function fromTorch(transform: NerTorchTransform, ts: Tensor[]): Tensor[] {
  return tf.tidy(() => {
    switch (transform) {
      case 'same':
        return [tf.clone(ts[0]!)];
      case 'transpose':
        return [tf.transpose(ts[0]!)];
      case 'qkv':
        return tf.split(ts[0]!, 3, 0).map((t) => tf.transpose(t));
      case 'conv': {
        const [filters, dChar] = ts[0]!.shape as [number, number, number];
        return [tf.reshape(tf.transpose(ts[0]!, [2, 1, 0]), [3 * dChar, filters])];
      }
      case 'lstm': {
        const [ih, hh, bih, bhh] = ts as [Tensor, Tensor, Tensor, Tensor];
        return [tf.transpose(swapGates(tf.concat([ih, hh], 1), 0)), swapGates(tf.add(bih, bhh), 0)];
      }
    }
  });
}

function crfTensors(crf: CrfParameters, nTags: number): Array<[string, Tensor]> {
  const transitions = Array.isArray(crf.transitions) ? crf.transitions.flat() : Array.from(crf.transitions);
  return [
    ['crf.transitions', tf.tensor2d(Float32Array.from(transitions), [nTags, nTags])],
    ['crf.start', tf.tensor1d(Float32Array.from(crf.start))],
    ['crf.end', tf.tensor1d(Float32Array.from(crf.end))],
  ];
}

function nTagsOf(model: Layer, config: NerModelConfig): number {
  const out = [...namedTensors(model)].find(([p]) => new RegExp(`^NerTagger/${config.bilstm ? 3 : 2}/Dense_\\d+/b$`).test(p));
  return out![1].shape[0];
}

/**
 * The model's weights (and, with a CRF, its scores) under the PyTorch names of {@link nerTorchMapping},
 * transformed (new tensors: the caller disposes them). Refuses a configuration the mapping does not cover (see
 * {@link nerTorchMappingProblem}), and a model whose weights do not match its configuration.
 * @public
 */
export function nerTorchStateDict(parts: NerModelAndConfig): Map<string, Tensor> {
  const what = 'nerTorchStateDict';
  const c = checkModel(parts, what);
  const weights = namedTensors(parts.model);
  const found = instances(parts.model, c, what);
  const out = new Map<string, Tensor>();
  if (c.crf && !parts.crf)
    throw new SafetensorsError(`${what}: the configuration has a CRF, but no CRF parameters were given (pass { model, config, crf })`);
  for (const inst of found) {
    toTorch(
      inst.group.transform,
      inst.paths.map((p) => weights.get(p)!),
    ).forEach((t, k) => out.set(inst.torch[k]!, t));
  }
  if (c.crf) for (const [name, t] of crfTensors(parts.crf!, nTagsOf(parts.model, c))) out.set(name, t);
  return out;
}

/**
 * The inverse of {@link nerTorchStateDict}: tensors by trax-ts weight path (and the CRF's scores) from tensors by
 * PyTorch name (new tensors). Each PyTorch name the model needs must be there with the shape that maps to the
 * model's weight, and no other name; otherwise a {@link SafetensorsError} names each one that does not fit.
 * @public
 */
export function nerWeightsFromTorchStateDict(parts: NerModelAndConfig, state: ReadonlyMap<string, Tensor>): NerTorchWeights {
  const what = 'nerWeightsFromTorchStateDict';
  const c = checkModel(parts, what);
  const weights = namedTensors(parts.model);
  const found = instances(parts.model, c, what);
  const nTags = nTagsOf(parts.model, c);
  const describe = (t: { dtype: string; shape: readonly number[] }): string => `${t.dtype}[${t.shape.join(',')}]`;
  const expected = new Map<string, { dtype: string; shape: number[]; path: string }>();
  for (const inst of found) {
    const shapes = torchShapes(
      inst.group.transform,
      inst.paths.map((p) => [...weights.get(p)!.shape]),
    );
    inst.torch.forEach((name, k) => expected.set(name, { dtype: 'float32', shape: shapes[k]!, path: inst.paths.join(', ') }));
  }
  if (c.crf) {
    expected.set('crf.transitions', { dtype: 'float32', shape: [nTags, nTags], path: 'the CRF' });
    expected.set('crf.start', { dtype: 'float32', shape: [nTags], path: 'the CRF' });
    expected.set('crf.end', { dtype: 'float32', shape: [nTags], path: 'the CRF' });
  }
  const problems: string[] = [];
  for (const [name, want] of expected) {
    const t = state.get(name);
    if (!t) problems.push(`${name}: missing (the model's ${want.path} needs ${describe(want)})`);
    else if (t.dtype !== want.dtype || t.shape.join(',') !== want.shape.join(','))
      problems.push(`${name}: the PyTorch state has ${describe(t)}, the model's ${want.path} needs ${describe(want)}`);
  }
  for (const name of state.keys()) if (!expected.has(name)) problems.push(`${name}: in the PyTorch state but not a weight of this model`);
  if (problems.length > 0) throw new SafetensorsError(`the PyTorch weights do not fit the model:\n  ${problems.join('\n  ')}`);

  const out = new Map<string, Tensor>();
  for (const inst of found) {
    fromTorch(
      inst.group.transform,
      inst.torch.map((name) => state.get(name)!),
    ).forEach((t, k) => out.set(inst.paths[k]!, t));
  }
  if (!c.crf) return { weights: out };
  const crf: CrfParameters = {
    transitions: Float32Array.from(state.get('crf.transitions')!.dataSync()),
    start: Float32Array.from(state.get('crf.start')!.dataSync()),
    end: Float32Array.from(state.get('crf.end')!.dataSync()),
  };
  return { weights: out, crf };
}

/** The {@link NerTorchConfig} of a model that the mapping covers. */
function torchConfig(c: NerModelConfig, state: ReadonlyMap<string, Tensor>): NerTorchConfig {
  return {
    vocab_size: state.get('embed.weight')!.shape[0],
    n_tags: state.get('out.weight')!.shape[0],
    d_model: c.dModel,
    d_ff: c.dFf,
    n_heads: c.nHeads,
    n_layers: c.nLayers,
    max_len: c.maxLen,
    dropout: c.dropout,
    ff_activation: c.ffActivation,
    attention: c.attention === 'local' ? 'local' : 'full',
    local_radius: c.localRadius,
    n_shapes: state.get('shape_embed.weight')?.shape[0] ?? 0,
    char_vocab_size: state.get('char_embed.weight')?.shape[0] ?? 0,
    d_char: c.dChar,
    char_filters: c.charFilters,
    max_word_length: c.maxWordLength,
    bilstm: c.bilstm,
    crf: c.crf,
  };
}

/**
 * A safetensors file of the tagger's weights under PyTorch names (see {@link nerTorchMapping}), with the module's
 * settings as JSON in the metadata ({@link NER_TORCH_CONFIG_KEY}) and `format: 'pt'`:
 * `python3 bench/peers/ner_trax_torch.py FILE ...` builds `TraxTagger` from it and loads it strictly.
 * @public
 */
export async function exportNerTorchSafetensors(
  parts: NerModelAndConfig,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  const state = nerTorchStateDict(parts);
  try {
    const config = torchConfig(resolveNerModelConfig(parts.config), state);
    return await tensorsToSafetensors(state, { ...metadata, format: 'pt', [NER_TORCH_CONFIG_KEY]: JSON.stringify(config) });
  } finally {
    tf.dispose([...state.values()]);
  }
}

/**
 * Loads a safetensors file of PyTorch-named weights (written by `ner_trax_torch.py`'s `save_trax_safetensors`, or
 * by {@link exportNerTorchSafetensors}) into the model, converted back to trax-ts paths: what PyTorch held, bit for
 * bit except the LSTMs' two biases, which are summed. A name or shape that does not fit is refused naming it, and
 * the model keeps its weights. Returns the file's metadata and, for a CRF model, the CRF's scores (build the new
 * tagger's parts with them).
 * @public
 */
export function importNerTorchSafetensors(
  parts: NerModelAndConfig,
  bytes: Uint8Array,
): { metadata: Record<string, string>; crf?: CrfParameters } {
  const { tensors, metadata } = tensorsFromSafetensors(bytes);
  let named: NerTorchWeights | undefined;
  try {
    named = nerWeightsFromTorchStateDict(parts, tensors);
    loadNamedWeights(parts.model, named.weights, { source: 'the PyTorch file', error: (message) => new SafetensorsError(message) });
  } catch (error) {
    if (named) tf.dispose([...named.weights.values()]);
    throw error;
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return named.crf ? { metadata, crf: named.crf } : { metadata };
}
