#!/usr/bin/env python3
"""The trax-ts NER tagger as a PyTorch module, and its weights in and out of safetensors files.

`TraxTagger` computes the same function as trax-ts's `NerTaggerModel` in the like-for-like configuration of
bench/ner.ts (word embeddings, learned positions, pre-LayerNorm encoder blocks with full attention, Dense, log-softmax;
no character CNN, word shapes, BiLSTM or CRF). It is built from the blocks of the benchmark's PyTorch peer
(ner_torch.py: `Block`, `Tagger`, so the parameter names are the peer's) with what trax-ts does differently:

- the encoder keeps Trax's two streams (reversible or not, the same function): `x1 = x2 = x`; each block does
  `x1 += Attention(LayerNorm(x2))`, then `x2 += FeedForward(LayerNorm(x1))`; after the blocks `LayerNorm((x1 + x2) / 2)`;
- LayerNorm epsilon 1e-6 (Trax's), attention without biases (trax-ts's `SelfAttention` has none);
- the feed-forward activation of the trax-ts configuration (`relu`, `gelu`, `fastGelu` = tanh-approximated GELU).

Dropout (training only) is drawn differently from trax-ts; in eval mode the two give the same log-probabilities.

The weights file is what trax-ts's `ner.exportNerTorchSafetensors` writes: PyTorch names (see `ner.NER_TORCH_MAPPING`
and recipes/ner/README.md), the module's settings as JSON in the metadata key `trax_ts_torch_config`. Safetensors
files are read and written here with json, struct and numpy (the `safetensors` package is not in Debian).

Usage:
  python3 bench/peers/ner_trax_torch.py WEIGHTS.safetensors BATCH.json [--train-steps N] [--lr LR] [--save OUT]
BATCH.json holds {"ids": [[...]], "mask": [[...]]} (and "tags" to train). Prints one JSON line: the log-probabilities
[B, L, nTags] before training ("log_probs"), and, with --train-steps, the losses and the log-probabilities after
("trained_log_probs"); --save writes the trained weights as a safetensors file that `ner.importNerTorchSafetensors`
loads back into trax-ts.
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


class TraxBlock(Block):
    """ner_torch.Block with trax-ts's settings, on Trax's two streams."""

    def __init__(self, d_model, d_ff, n_heads, dropout, activation="relu"):
        super().__init__(d_model, d_ff, n_heads, dropout)
        self.norm1 = nn.LayerNorm(d_model, eps=1e-6)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, bias=False, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model, eps=1e-6)
        self.ff[1] = _ACTIVATIONS[activation]()

    def forward(self, x1, x2, pad):
        h = self.norm1(x2)
        # torch 1.13's fast path (eval, no grad, query is key is value) fails without biases ("qkv_bias must be
        # Tensor"); a distinct key object takes the ordinary path, the same computation.
        k = h.view_as(h)
        a, _ = self.attn(h, k, k, key_padding_mask=pad, need_weights=False)
        x1 = x1 + self.drop(a)
        x2 = x2 + self.drop(self.ff(self.norm2(x1)))
        return x1, x2


class TraxTagger(Tagger):
    """The trax-ts tagger (like-for-like configuration): ids [B, L], mask [B, L] -> log-probabilities [B, L, nTags]."""

    def __init__(self, cfg):
        super().__init__({**cfg, "dropout": cfg.get("dropout", 0.0)})
        d = cfg["d_model"]
        self.blocks = nn.ModuleList(
            TraxBlock(d, cfg["d_ff"], cfg["n_heads"], cfg.get("dropout", 0.0), cfg.get("ff_activation", "relu"))
            for _ in range(cfg["n_layers"])
        )
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.embed_drop = nn.Dropout(cfg.get("dropout", 0.0))

    def forward(self, ids, mask):
        x = self.embed_drop(self.embed(ids) + self.pos[: ids.shape[1]])
        pad = mask == 0
        x1, x2 = x, x
        for block in self.blocks:
            x1, x2 = block(x1, x2, pad)
        return F.log_softmax(self.out(self.norm((x1 + x2) / 2)), dim=-1)


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
    ids = torch.tensor(batch["ids"], dtype=torch.long)
    mask = torch.tensor(batch["mask"], dtype=torch.long)
    model.eval()
    with torch.no_grad():
        result = {"log_probs": model(ids, mask).tolist(), "torch": torch.__version__}
    if args.train_steps > 0:
        tags = torch.tensor(batch["tags"], dtype=torch.long)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        model.train()
        losses = []
        for _ in range(args.train_steps):
            opt.zero_grad()
            logp = model(ids, mask)
            nll = F.nll_loss(logp.reshape(-1, logp.shape[-1]), tags.reshape(-1), reduction="none")
            w = mask.reshape(-1).float()
            loss = (nll * w).sum() / w.sum()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        model.eval()
        with torch.no_grad():
            result["trained_log_probs"] = model(ids, mask).tolist()
        result["losses"] = losses
    if args.save:
        save_trax_safetensors(model, cfg, args.save)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
