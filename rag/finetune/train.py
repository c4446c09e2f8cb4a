"""Training a sentence-transformers model on pairs with the recipe of PubMedBERT's embeddings card, and measuring
it on held-out pairs the card's way.

The recipe: MultipleNegativesRankingLoss (every other positive in the batch is a negative) with cosine similarity
and scale 20; the model's own pooling (mean for the models this app uses); inputs cut at the model's maximum length
(at most 512 tokens). AdamW at 2e-5 with a linear warm-up over the first tenth of the steps and gradients clipped
at 1. It runs on the GPU where torch sees one, else on the CPU, in bf16 autocast where the CPU computes bf16
natively (``rag.cpu``) and fp32 elsewhere. The measure: the card's Pearson correlation between cosine similarity
and 1/0 labels (each anchor with its own positive, and with another's), and nDCG@10 of each anchor's positive among
all the held-out positives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..metrics import derangement, ndcg, pair_pearson
from .pairs import Pair, batches

# progress(step, steps, loss): called before the first step (step 0, loss NaN) and after every step
Progress = Callable[[int, int, float], None]
LEARNING_RATE, WARMUP, SCALE = 2e-5, 0.1, 20.0


def load_model(path: Path, device: str, maxlength: int):
    """The sentence-transformers model in ``path`` on ``device``, cutting inputs at ``maxlength`` tokens."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()  # its bars for loading and saving weights would interleave with ours
    model = SentenceTransformer(str(path), device=device)
    model.max_seq_length = min(maxlength or 512, 512)
    return model


def device() -> str:
    """Where to train: "cuda" where torch sees a GPU, else "cpu"."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def measure(model, pairs: list[Pair], seed: int = 0) -> dict:
    """The card's Pearson x 100 and nDCG@10 of ``model`` on ``pairs``."""
    anchors = [p.anchor for p in pairs]
    positives = sorted({p.positive for p in pairs})
    number = {text: i for i, text in enumerate(positives)}
    a = model.encode(anchors, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    p = model.encode(positives, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    own = np.array([number[pair.positive] for pair in pairs])
    scores = a @ p.T  # anchors x positives, cosine
    rows = np.arange(len(pairs))
    other = own[derangement(len(pairs), seed)]
    keep = other != own  # a shuffled pair that drew the same text (two anchors sharing a positive) is not a negative
    relevant: dict[str, set[int]] = {}
    for pair in pairs:
        relevant.setdefault(pair.anchor, set()).add(number[pair.positive])
    ranked = np.argsort(-scores, axis=1)[:, :10]
    gains = [ndcg([str(i) for i in ranked[r]], {str(i): 1 for i in relevant[pair.anchor]})
             for r, pair in enumerate(pairs)]
    return {"pearson": pair_pearson(scores[rows, own], scores[rows, other][keep]),
            "ndcg@10": round(float(np.mean(gains)), 4), "pairs": len(pairs)}


def train(model, pairs: list[Pair], epochs: int, batch_size: int, bf16: bool, progress: Progress | None = None,
          seed: int = 0, learning_rate: float = LEARNING_RATE) -> dict:
    """Train ``model`` in place on ``pairs``; how it went (steps, seconds, the first and last epoch's mean loss)."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.util import cos_sim
    from transformers import get_linear_schedule_with_warmup

    loss_of = MultipleNegativesRankingLoss(model, scale=SCALE, similarity_fct=cos_sim)
    plan = [(epoch, b) for epoch in range(epochs) for b in batches(pairs, batch_size, seed + epoch)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(WARMUP * len(plan)), len(plan))
    where, losses_by_epoch, started = model.device, {}, time.perf_counter()
    model.train()
    if progress:
        progress(0, len(plan), float("nan"))
    try:
        for step, (epoch, batch) in enumerate(plan, 1):
            features = [_features(model, [p.anchor for p in batch], where),
                        _features(model, [p.positive for p in batch], where)]
            with torch.autocast(where.type, dtype=torch.bfloat16, enabled=bf16):
                loss = loss_of(features, None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses_by_epoch.setdefault(epoch, []).append(loss.item())
            if progress:
                progress(step, len(plan), losses_by_epoch[epoch][-1])
    finally:
        model.eval()
    means = [float(np.mean(v)) for _, v in sorted(losses_by_epoch.items())]
    return {"steps": len(plan), "seconds": round(time.perf_counter() - started, 1),
            "loss_first_epoch": round(means[0], 4) if means else None,
            "loss_last_epoch": round(means[-1], 4) if means else None}


def _features(model, texts: list[str], where) -> dict:
    """The model's tokenized input for ``texts``, on the model's device."""
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # preprocess from sentence-transformers 6
    return {k: v.to(where) if hasattr(v, "to") else v for k, v in tokenize(texts).items()}
