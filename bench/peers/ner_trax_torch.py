#!/usr/bin/env python3
"""The trax-ts NER tagger as a PyTorch module, and its weights in and out of safetensors files.

`TraxTagger` computes the same function as trax-ts's `NerTaggerModel`: word embeddings, plus word-shape embeddings
and the character CNN when configured, the BiLSTM when configured, learned positions, pre-LayerNorm encoder blocks
with full or local (banded) attention, Dense, then log-softmax (or, with a CRF, the emission scores and the CRF's
scores in `crf`). Chunked and LSH attention have no counterpart here. It is built from the blocks of the benchmark's
PyTorch peer (ner_torch.py: `Block`, `Tagger`, so the shared parameter names are the peer's), with what trax-ts
does differently:

- the encoder keeps Trax's two streams (reversible or not, the same function): `x1 = x2 = x`; each block does
  `x1 += Attention(LayerNorm(x2))`, then `x2 += FeedForward(LayerNorm(x1))`; after the blocks `LayerNorm((x1 + x2) / 2)`;
- LayerNorm epsilon 1e-6 (Trax's), attention without biases (trax-ts's attention has none), masks as a finite
  additive bias (-1e9, as trax-ts), the configured feed-forward activation (`fastGelu` = tanh-approximated GELU);
- the BiLSTM's backward direction reads each sentence reversed within its own length, and adds `[fw | bw]` to x.

Dropout (training only) is drawn differently from trax-ts; in eval mode the two give the same scores.

The weights file is what trax-ts's `ner.exportNerTorchSafetensors` writes: PyTorch names (`ner.nerTorchMapping(config)`,
table in recipes/ner/README.md), the module's settings as JSON in the metadata key `trax_ts_torch_config`.
Safetensors files are read and written here with json, struct and numpy (the `safetensors` package is not in Debian).

Usage:
  python3 bench/peers/ner_trax_torch.py WEIGHTS.safetensors BATCH.json [--train-steps N] [--lr LR] [--save OUT]
BATCH.json holds {"features": [B][L][F] (trax-ts's token features, see ner.encodeFeatures; or "ids": [B][L]),
"mask": [B][L]} (and "tags" to train). Prints one JSON line: the scores [B, L, nTags] before training ("scores":
log-probabilities, or a CRF model's emission scores), and, with --train-steps, the losses and the scores after
("trained_scores"), and the loss on the batch in eval mode before and after ("eval_loss_before",
"eval_loss_after"); --save writes the weights as a safetensors file that `ner.importNerTorchSafetensors` loads
back into trax-ts.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ner_torch import Block, Tagger  # noqa: E402

CONFIG_KEY = "trax_ts_torch_config"
_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I32": np.int32, "I64": np.int64, "I16": np.int16,
           "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read_safetensors(path):
    """The tensors (name -> torch tensor) and metadata (str -> str) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} beyond the end of the file")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, entry in header.items():
        dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if end - begin != count * dtype.itemsize or 8 + n + end > len(data):
            raise ValueError(f"{path}: tensor {name}: data_offsets do not fit its dtype and shape")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=8 + n + begin).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=True))
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes tensors (name -> torch tensor) and string metadata as a safetensors file."""
    header = {"__metadata__": dict(metadata)} if metadata else {}
    chunks, offset = [], 0
    for name, t in tensors.items():
        array = t.detach().cpu().contiguous().numpy()
        code = _CODES[array.dtype]
        raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "fastGelu": lambda: nn.GELU(approximate="tanh")}

# trax-ts masks attention scores by adding this (a finite bias: a query whose keys are all masked stays finite).
MASKED_BIAS = -1e9


class TraxBlock(Block):
    """ner_torch.Block with trax-ts's settings, on Trax's two streams."""

    def __init__(self, d_model, d_ff, n_heads, dropout, activation="relu"):
        super().__init__(d_model, d_ff, n_heads, dropout)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, bias=False, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.ff[1] = _ACTIVATIONS[activation]()

    def forward(self, x1, x2, bias):
        h = self.norm1(x2)
        # A distinct key object keeps torch 1.13 off its fast path, which fails without biases ("qkv_bias must be
        # Tensor"); the computation is the same.
        k = h.view_as(h)
        a, _ = self.attn(h, k, k, attn_mask=bias, need_weights=False)
        x1 = x1 + self.drop(a)
        x2 = x2 + self.drop(self.ff(self.norm2(x1)))
        return x1, x2


class CrfScores(nn.Module):
    """A linear-chain CRF's scores: transitions [from, to], start, end (trax-ts's CrfParameters)."""

    def __init__(self, n_tags):
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))

    def nll(self, emissions, tags, mask):
        """The negative log-likelihood of the tag sequences, summed over sentences, divided by the tokens."""
        m = mask.bool()
        first = emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
        score = self.start[tags[:, 0]] + first
        alpha = self.start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = self.transitions[tags[:, t - 1], tags[:, t]] + emissions[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
            score = score + torch.where(m[:, t], step, torch.zeros_like(step))
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions.unsqueeze(0) + emissions[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(m[:, t].unsqueeze(1), nxt, alpha)
        last = tags.gather(1, (m.sum(1) - 1).unsqueeze(1)).squeeze(1)
        score = score + self.end[last]
        log_z = torch.logsumexp(alpha + self.end, dim=1)
        return (log_z - score).sum() / m.sum()


def reverse_within_length(x, lengths):
    """Each row's first `length` positions reversed, the rest in place (trax-ts's ReverseWithinLength)."""
    pos = torch.arange(x.shape[1]).unsqueeze(0)
    n = lengths.unsqueeze(1)
    index = torch.where(pos < n, n - 1 - pos, pos)
    return x.gather(1, index.unsqueeze(-1).expand_as(x))


class TraxTagger(Tagger):
    """The trax-ts tagger: token features [B, L, F] (or word ids [B, L]) and mask [B, L] -> log-probabilities
    [B, L, nTags], or with a CRF the emission scores (decode or train them with `self.crf`)."""

    def __init__(self, cfg):
        super().__init__({**cfg, "dropout": cfg.get("dropout", 0.0)})
        d, dropout = cfg["d_model"], cfg.get("dropout", 0.0)
        self.cfg = cfg
        self.blocks = nn.ModuleList(
            TraxBlock(d, cfg["d_ff"], cfg["n_heads"], dropout, cfg.get("ff_activation", "relu")) for _ in range(cfg["n_layers"])
        )
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.embed_drop = nn.Dropout(dropout)
        if cfg.get("n_shapes", 0):
            self.shape_embed = nn.Embedding(cfg["n_shapes"], d)
        if cfg.get("char_vocab_size", 0):
            self.char_embed = nn.Embedding(cfg["char_vocab_size"], cfg["d_char"])
            self.char_conv = nn.Conv1d(cfg["d_char"], cfg["char_filters"], 3, padding=1)
            self.char_out = nn.Linear(cfg["char_filters"], d)
        if cfg.get("bilstm", False):
            self.bilstm_fw = nn.LSTM(d, d // 2, batch_first=True)
            self.bilstm_bw = nn.LSTM(d, d // 2, batch_first=True)
        if cfg.get("crf", False):
            self.crf = CrfScores(cfg["n_tags"])

    def char_vectors(self, chars):
        """Character ids [B, L, C] (0 = padding) to word vectors [B, L, dModel] (trax-ts's CharCnn)."""
        b, length, c = chars.shape
        flat = chars.reshape(b * length, c)
        real = (flat != 0).float()
        e = self.char_embed(flat) * real.unsqueeze(-1)  # padding characters contribute zeros
        h = torch.relu(self.char_conv(e.transpose(1, 2))) * real.unsqueeze(1)  # [N, filters, C]
        return self.char_out(h.max(dim=2).values).reshape(b, length, -1)

    def attention_bias(self, ids, mask):
        """[B * heads, L, L]: MASKED_BIAS at padded keys and, with local attention, outside the band."""
        b, length = ids.shape
        bias = (mask == 0).float().mul(MASKED_BIAS).reshape(b, 1, 1, length).expand(b, self.cfg["n_heads"], length, length)
        if self.cfg.get("attention", "full") == "local":
            pos = torch.arange(length)
            band = ((pos.unsqueeze(0) - pos.unsqueeze(1)).abs() > self.cfg["local_radius"]).float().mul(MASKED_BIAS)
            bias = bias + band
        return bias.reshape(b * self.cfg["n_heads"], length, length)

    def forward(self, features, mask):
        if features.dim() == 2:
            features = features.unsqueeze(-1)
        ids = features[..., 0]
        x = self.embed(ids)
        col = 1
        if hasattr(self, "shape_embed"):
            x = x + self.shape_embed(features[..., col])
            col += 1
        if hasattr(self, "char_embed"):
            x = x + self.char_vectors(features[..., col:col + self.cfg["max_word_length"]])
        if hasattr(self, "bilstm_fw"):
            positions = torch.arange(1, ids.shape[1] + 1).unsqueeze(0)
            lengths = ((ids != 0).long() * positions).max(dim=1).values  # after the last real word
            fw, _ = self.bilstm_fw(x)
            bw, _ = self.bilstm_bw(reverse_within_length(x, lengths))
            x = x + torch.cat([fw, reverse_within_length(bw, lengths)], dim=-1)
        x = self.embed_drop(x + self.pos[: ids.shape[1]])
        bias = self.attention_bias(ids, mask)
        x1, x2 = x, x
        for block in self.blocks:
            x1, x2 = block(x1, x2, bias)
        scores = self.out(self.norm((x1 + x2) / 2))
        return scores if hasattr(self, "crf") else F.log_softmax(scores, dim=-1)

    def loss(self, features, tags, mask):
        """The training loss: the CRF's negative log-likelihood, or the masked mean negative log-probability."""
        scores = self(features, mask)
        if hasattr(self, "crf"):
            return self.crf.nll(scores, tags, mask)
        nll = F.nll_loss(scores.reshape(-1, scores.shape[-1]), tags.reshape(-1), reduction="none")
        w = mask.reshape(-1).float()
        return (nll * w).sum() / w.sum()


def load_trax_safetensors(path):
    """A TraxTagger built from the settings in the file's metadata, with the file's weights (strictly: every name)."""
    tensors, metadata = read_safetensors(path)
    if CONFIG_KEY not in metadata:
        raise ValueError(f"{path}: no '{CONFIG_KEY}' metadata; write the file with trax-ts's ner.exportNerTorchSafetensors")
    cfg = json.loads(metadata[CONFIG_KEY])
    model = TraxTagger(cfg)
    model.load_state_dict(tensors, strict=True)
    return model, cfg


def save_trax_safetensors(model, cfg, path):
    """Writes the module's weights with the metadata trax-ts's ner.importNerTorchSafetensors reads."""
    state = {k: v.float() for k, v in model.state_dict().items()}
    write_safetensors(path, state, {"format": "pt", CONFIG_KEY: json.dumps(cfg)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights")
    parser.add_argument("batch")
    parser.add_argument("--train-steps", type=int, default=0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--save")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, cfg = load_trax_safetensors(args.weights)
    batch = json.load(open(args.batch))
    features = torch.tensor(batch["features"] if "features" in batch else batch["ids"], dtype=torch.long)
    mask = torch.tensor(batch["mask"], dtype=torch.long)
    model.eval()
    with torch.no_grad():
        result = {"scores": model(features, mask).tolist(), "torch": torch.__version__}
    if args.train_steps > 0:
        tags = torch.tensor(batch["tags"], dtype=torch.long)
        with torch.no_grad():
            result["eval_loss_before"] = float(model.loss(features, tags, mask))
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        model.train()
        losses = []
        for _ in range(args.train_steps):
            opt.zero_grad()
            loss = model.loss(features, tags, mask)
            loss.backward()
            opt.step()
            losses.append(float(loss))
        model.eval()
        with torch.no_grad():
            result["trained_scores"] = model(features, mask).tolist()
            result["eval_loss_after"] = float(model.loss(features, tags, mask))
        result["losses"] = losses
    if args.save:
        save_trax_safetensors(model, cfg, args.save)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
