#!/usr/bin/env python3
"""PyTorch peer of the NER benchmark: the same tagger as trax-ts's like-for-like configuration, on CPU.

Reads the batches written by bench/ner.ts (JSON: vocab_size, n_tags, d_model, d_ff, n_heads, n_layers,
train_batches, infer_batches, each batch {ids, tags, mask} as nested lists), trains for the given number of
steps, tags the inference batches, and prints one JSON line with tokens/s, sentences/s and peak RSS.

Run it as bench/ner.ts does: OPENBLAS_NUM_THREADS=1 GOMP_SPINCOUNT=0, torch.set_num_threads(2). Without
libopenblas0-pthread Debian's torch links the reference BLAS and is about 12x slower: not a fair peer.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Pre-LayerNorm Transformer encoder block: x + Attn(LN(x)), then x + FF(LN(x))."""

    def __init__(self, d_model, d_ff, n_heads, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, pad):
        h = self.norm1(x)
        a, _ = self.attn(h, h, h, key_padding_mask=pad, need_weights=False)
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.norm2(x)))


class Tagger(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.pos = nn.Parameter(torch.zeros(cfg["max_len"], cfg["d_model"]))
        self.blocks = nn.ModuleList(
            Block(cfg["d_model"], cfg["d_ff"], cfg["n_heads"], cfg["dropout"]) for _ in range(cfg["n_layers"])
        )
        self.norm = nn.LayerNorm(cfg["d_model"])
        self.out = nn.Linear(cfg["d_model"], cfg["n_tags"])

    def forward(self, ids, mask):
        x = self.embed(ids) + self.pos[: ids.shape[1]]
        pad = mask == 0
        for block in self.blocks:
            x = block(x, pad)
        return F.log_softmax(self.out(self.norm(x)), dim=-1)


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    torch.set_num_threads(int(cfg.get("torch_threads", 2)))
    model = Tagger(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [{k: torch.tensor(v) for k, v in b.items()} for b in cfg["train_batches"]]

    def step(b):
        opt.zero_grad()
        logp = model(b["ids"], b["mask"])
        nll = F.nll_loss(logp.reshape(-1, logp.shape[-1]), b["tags"].reshape(-1), reduction="none")
        w = b["mask"].reshape(-1).float()
        loss = (nll * w).sum() / w.sum()
        loss.backward()
        opt.step()
        return float(loss)

    model.train()
    for b in batches[: cfg["warmup_steps"]]:
        step(b)
    timed = batches[cfg["warmup_steps"]:]
    tokens = sum(int(b["mask"].sum()) for b in timed)
    t0 = time.perf_counter()
    for b in timed:
        last_loss = step(b)
    train_s = time.perf_counter() - t0

    model.eval()
    infer = [{k: torch.tensor(v) for k, v in b.items()} for b in cfg["infer_batches"]]
    with torch.no_grad():
        model(infer[0]["ids"], infer[0]["mask"]).argmax(-1)
        t0 = time.perf_counter()
        sentences = 0
        for b in infer:
            model(b["ids"], b["mask"]).argmax(-1)
            sentences += b["ids"].shape[0]
        infer_s = time.perf_counter() - t0

    print(json.dumps({
        "train_tokens_per_s": tokens / train_s,
        "infer_sentences_per_s": sentences / infer_s,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "last_loss": last_loss,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
