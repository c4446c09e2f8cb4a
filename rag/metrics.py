"""Retrieval metrics over ranked document ids: nDCG@k, Recall@k and MRR@k, as BEIR and TREC compute them; and
the pair-similarity figure of PubMedBERT's embeddings card.

Pure functions on plain lists and dicts; averaging over queries is the caller's.
"""

from __future__ import annotations

import math
import random

import numpy as np


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """Normalized discounted cumulative gain at k with graded relevance (gain = grade, log2 discount)."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    """Share of the relevant documents found in the first k."""
    wanted = {doc for doc, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def mrr(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document within the first k (0 if none)."""
    for rank, doc in enumerate(ranked[:k]):
        if relevant.get(doc, 0) > 0:
            return 1.0 / (rank + 1)
    return 0.0


def summarize(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean of every metric over the queries that have relevance judgements."""
    queries = [q for q in qrels if q in runs]
    if not queries:
        return {}
    results = {"ndcg@10": [ndcg(runs[q], qrels[q], 10) for q in queries],
               "mrr@10": [mrr(runs[q], qrels[q], 10) for q in queries]}
    for k in (1, 5, 10, 100):
        results[f"recall@{k}"] = [recall(runs[q], qrels[q], k) for q in queries]
    return {name: round(sum(values) / len(values), 4) for name, values in results.items()} | {"queries": len(queries)}


def derangement(n: int, seed: int = 0) -> list[int]:
    """A shuffled order of range(n) in which no item keeps its place (n >= 2): each question gets another's answer."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    # A place that drew itself takes the next place's draw, which cannot be itself (its own was drawn here)
    return [order[j] if order[j] != j else order[(j + 1) % n] for j in range(n)]


def pair_pearson(positives: np.ndarray, negatives: np.ndarray) -> float:
    """The card's figure: Pearson correlation x 100 between the cosine similarity of pairs and their 1/0 labels
    (own pairs labelled 1, shuffled pairs 0)."""
    scores = np.concatenate([positives, negatives])
    labels = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    return round(float(np.corrcoef(scores, labels)[0, 1]) * 100, 2)
