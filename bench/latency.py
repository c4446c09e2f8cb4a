"""Retrieval latency p50/p95 at 1k, 10k and 100k chunks, in each mode, on the app's index configuration.

Embedding 100k chunks takes hours on a laptop CPU, so corpus vectors here come from a fast stand-in (a
seeded random unit vector per text, txtai's "external" vectors); the query is embedded by the real model
and that time is measured and reported on its own. The FAISS index (exact IDMap,Flat), BM25 and content
store are the app's. Texts are SciFact sentences, so BM25 sees real term statistics.
Usage: .venv/bin/python bench/latency.py [--sizes 1000 10000 100000]  ->  bench/results/latency.json
"""

import argparse
import hashlib
import statistics
import time

import numpy as np
from common import scifact_texts, write

from rag.index.local import TxtaiIndex
from rag.models import resolve_embeddings
from rag.text import split_sentences


def vectors(texts: list[str]) -> np.ndarray:
    out = np.empty((len(texts), 384), dtype=np.float32)
    for i, text in enumerate(texts):
        rng = np.random.default_rng(int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little"))
        v = rng.standard_normal(384).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


def corpus(size: int) -> list[str]:
    sentences = [t[a:b] for _, t in scifact_texts() for a, b in split_sentences(t)]
    return [f"{sentences[i % len(sentences)]} ({i})" for i in range(size)]


def percentile(values: list[float], p: float) -> float:
    return round(float(np.percentile(values, p)), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    model = resolve_embeddings()
    queries = [t.split(".")[0] for _, t in scifact_texts(args.queries * 7)][:: 7][: args.queries]

    # The real model's query embedding time, measured on its own
    real = TxtaiIndex(model)
    times = []
    for q in queries:
        started = time.perf_counter()
        real.embeddings.batchtransform([q])
        times.append((time.perf_counter() - started) * 1000)
    result = {"model": model.name, "query_embedding_ms": {"p50": percentile(times, 50), "p95": percentile(times, 95)}}

    for size in args.sizes:
        index = TxtaiIndex(model, overrides={"method": "external", "transform": vectors})
        started = time.perf_counter()
        texts = corpus(size)
        for start in range(0, size, 20000):
            index.upsert([_chunk(i, texts[i]) for i in range(start, min(size, start + 20000))])
        built = time.perf_counter() - started
        row = {"build_s_without_embedding": round(built, 1)}
        for mode in ("dense", "bm25", "hybrid"):
            times = []
            for q in queries:
                started = time.perf_counter()
                index.search(q, 5, mode, 0.5)
                times.append((time.perf_counter() - started) * 1000)
            row[mode] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                         "mean_ms": round(statistics.mean(times), 2)}
        result[str(size)] = row
        print(size, row, flush=True)
    write("latency.json", result)


def _chunk(i: int, text: str):
    from rag.documents import Chunk

    return Chunk(id=f"c{i}", document=f"doc{i // 10}", text=text, doc_id=f"doc{i // 10}")


if __name__ == "__main__":
    main()
