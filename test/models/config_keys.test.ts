/**
 * The settings each model configuration accepts: its own and the block hyperparameters it shares with the others
 * (models/block_options.ts), listed once; a misspelt one is refused with the list.
 */
import { Reformer, ReformerEncoder, ReformerLM, TransformerEncoder, TransformerLM } from '../../src/models/index.js';

const BLOCK = 'dModel, dFf, nHeads, dQk, dV, dropout, attentionDropout, ffDropout, ffActivation, ffChunkSize, mode';
const ATTENTION = 'chunkLen, nChunksBefore, nChunksAfter, nBuckets, nHashes, localRadius';
const block = { dModel: 8, dFf: 16, nHeads: 2, maxLen: 16 };

const known = (build: () => unknown): string => {
  try {
    build();
  } catch (e) {
    const m = /unknown setting 'dmodel'; known settings are (.*)$/.exec((e as Error).message);
    if (m) return m[1]!;
    throw e;
  }
  throw new Error('the misspelt setting was accepted');
};

describe('model configurations', () => {
  test.each([
    [
      'ReformerEncoder',
      () => ReformerEncoder({ ...block, nLayers: 2, dmodel: 8 } as never),
      'vocabSize, padId, nLayers, attentionType, maxLen, positionalEncoding, reversible',
    ],
    [
      'TransformerEncoder',
      () => TransformerEncoder({ ...block, nLayers: 2, dmodel: 8 } as never),
      'vocabSize, padId, nLayers, attentionType, maxLen, positionalEncoding, reversible',
    ],
    [
      'ReformerLM',
      () => ReformerLM({ ...block, vocabSize: 5, nLayers: 2, dmodel: 8 } as never),
      'vocabSize, nLayers, attentionType, maxLen, reversible',
    ],
    [
      'Reformer',
      () => Reformer({ ...block, inputVocabSize: 5, nEncoderLayers: 1, nDecoderLayers: 1, dmodel: 8 } as never),
      'inputVocabSize, outputVocabSize, padId, nEncoderLayers, nDecoderLayers, encoderAttentionType, decoderAttentionType, maxLen, reversible',
    ],
  ])('%s knows the block hyperparameters, the attention settings and its own', (_model, build, own) => {
    expect(known(build)).toBe(`${BLOCK}, ${ATTENTION}, ${own}`);
  });

  test('TransformerLM knows its own settings', () => {
    expect(known(() => TransformerLM({ vocabSize: 5, dmodel: 8 } as never))).toBe(
      'vocabSize, dModel, dFf, nLayers, nHeads, dropout, ffActivation, maxLen, mode',
    );
  });
});
