/**
 * The tagger's context encoder, one named alternative per `NerModelConfig.encoder`: the layers between the token
 * embedding (`x, ids`) and the tag scores (`x`).
 */
import { match } from 'ts-pattern';
import type { Layer } from '../../core/base.js';
import type { Mode } from '../../core/types.js';
import { IdCnnEncoder } from '../../models/id_cnn_encoder.js';
import { type EncoderConfig, ReformerEncoder, TransformerEncoder } from '../../models/index.js';
import { BiLSTMEncoder, PaddedBiLSTM } from '../../rnn/padded_bilstm.js';
import type { NerModelConfig } from './config.js';

/** The ID-CNN's dilations (Strubell et al. 2017): a block of kernel 3 sees 15 tokens. */
export const NER_CNN_DILATIONS: readonly number[] = Object.freeze([1, 2, 4]);

/** The settings of the Reformer and Transformer encoders, from the tagger's configuration. */
function attentionEncoderConfig(c: NerModelConfig, mode: Mode): EncoderConfig {
  return {
    dModel: c.dModel,
    dFf: c.dFf,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    attentionType: c.attention,
    ...(c.attention === 'chunked' || c.attention === 'lsh' ? { chunkLen: c.chunkLen } : {}),
    ...(c.attention === 'local' ? { localRadius: c.localRadius } : {}),
    dropout: c.dropout,
    ffActivation: c.ffActivation,
    maxLen: c.maxLen,
    padId: 0,
    mode,
  };
}

/**
 * The encoder's layers for a checked configuration, `x, ids -> x`: with `bilstm`, a `PaddedBiLSTM(dModel)` first
 * (named `BiLSTM`), then the encoder that `encoder` names. The `'reformer'` layers are exactly those of models saved
 * before the setting existed (the same weight paths, the same weights for the same seed).
 */
export function nerEncoderLayers(c: NerModelConfig, mode: Mode): Layer[] {
  // Only inserted when on: the indices of the layers after it, and so the weight paths, move by one.
  const front = c.bilstm ? [PaddedBiLSTM(c.dModel, 0)] : [];
  return match(c.encoder)
    .with('reformer', () => [...front, ReformerEncoder({ ...attentionEncoderConfig(c, mode), reversible: c.reversible })])
    .with('transformer', () => [...front, TransformerEncoder(attentionEncoderConfig(c, mode))])
    .with('bilstm', () => [BiLSTMEncoder(c.dModel, c.nLayers, { dropout: c.dropout, padId: 0, mode })])
    .with('cnn', () => [
      ...front,
      IdCnnEncoder({ dModel: c.dModel, nBlocks: c.nLayers, dilations: NER_CNN_DILATIONS, dropout: c.dropout, padId: 0, mode }),
    ])
    .exhaustive();
}

/**
 * The encoder of a tagger configuration in words, as the recipe logs it and the demo shows it: `"BiLSTM + 2
 * Reformer blocks (local attention, radius 8)"`, `"2 BiLSTM layers"`, `"ID-CNN: 2 applications of dilations 1, 2,
 * 4 (shared weights)"`, ...
 * @public
 */
export function describeNerEncoder(config: NerModelConfig): string {
  const c = config;
  const attention = (): string =>
    match(c.attention)
      .with('local', () => `local attention, radius ${c.localRadius}`)
      .with('chunked', () => `chunked attention, chunks of ${c.chunkLen}`)
      .with('lsh', () => `LSH attention, chunks of ${c.chunkLen}`)
      .with('full', () => 'full attention')
      .exhaustive();
  const blocks = (name: string): string => `${c.nLayers} ${name} block${c.nLayers === 1 ? '' : 's'}`;
  const front = c.bilstm ? 'BiLSTM + ' : '';
  return match(c.encoder)
    .with('reformer', () => `${front}${blocks('Reformer')} (${attention()}${c.reversible ? ', reversible' : ''})`)
    .with('transformer', () => `${front}${blocks('Transformer')} (${attention()})`)
    .with('bilstm', () => `${c.nLayers} BiLSTM layer${c.nLayers === 1 ? '' : 's'}`)
    .with(
      'cnn',
      () =>
        `${front}ID-CNN: ${c.nLayers} application${c.nLayers === 1 ? '' : 's'} of dilations ${NER_CNN_DILATIONS.join(', ')} (shared weights)`,
    )
    .exhaustive();
}
