/** Reformer and Transformer models built from reversible blocks, and the ID-CNN sequence encoder. */
export { type AttentionFactory, type AttentionSettings, type AttentionType, type AttentionTypeOptions } from './attention_types.js';
export { type BlockHyperparameters, type BlockOptions } from './block_options.js';
export { FeedForward, type FeedForwardOptions, type FfActivation } from './feed_forward.js';
export { EncoderBlock } from './encoder_block.js';
export { DecoderBlock } from './decoder_block.js';
export { EncoderDecoderBlock } from './encoder_decoder_block.js';
export { EncDecAttention, EncDecAttentionLayer, type EncDecAttentionOptions } from './enc_dec_attention.js';
export { type EncoderConfig, MaskFromPadSource } from './encoder_config.js';
export { ReformerEncoder, XYAvg } from './reformer_encoder.js';
export { TransformerEncoder } from './transformer_encoder.js';
export { IdCnnEncoder, type IdCnnEncoderConfig } from './id_cnn_encoder.js';
export { ReformerLM, type ReformerLMConfig } from './reformer_lm.js';
export { TransformerLM, type TransformerLMConfig } from './transformer_lm.js';
export { Reformer, type ReformerConfig } from './reformer.js';
