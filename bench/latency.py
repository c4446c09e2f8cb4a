"""Retrieval latency, recall@10 and memory from 1k to 1M passages, query embedding included, on the app's index.

Embedding 1M passages takes days on a laptop CPU, so passage vectors are synthetic but shaped like real ones:
each is a mix of two real SciFact abstract embeddings (the bundled model's) plus noise, so neighbourhoods and
clusters look like a real collection's. Queries are real SciFact claims, embedded by the real model inside each
timed search (txtai "external" vectors: a passage's text names its vector, any other text is embedded). The
FAISS index (exact, or IVF above ``rag.index.local.ann.EXACT_MAX``, as a save decides), BM25 and content store are the
app's, saved and reopened read-only as the app's searches see them. Texts are SciFact sentences, so BM25 sees
real term statistics. Each size runs in its own process, so its peak memory is its own.

Per size: search p50/p95 per mode, recall@10 of dense search against exact search, exact and IVF FAISS time
alone, build and fit time, resident memory of the reopened index per passage, peak RSS.
Usage: .venv/bin/python bench/latency.py [--sizes 1000 10000 100000 1000000]  ->  bench/results/latency.json
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ROOT, claims, peak_rss_mb, scifact_texts, write

from rag.cpu import cpu_name, embedding_precision
from rag.index.local.index import TxtaiIndex
from rag.models import resolve_embeddings
from rag.text import split_sentences

BASES = 2000  # real abstract embeddings the synthetic passages are mixed from
MARK = " [#"  # a passage text ends with " [#<row>]": the row of its synthetic vector


def synthetic(bases: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((size, bases.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):
        n = min(size, start + 100_000) - start
        a, b = rng.integers(0, len(bases), n), rng.integers(0, len(bases), n)
        mix = bases[a] + rng.uniform(0, 0.6, (n, 1)).astype(np.float32) * bases[b]
        mix += rng.standard_normal(mix.shape).astype(np.float32) * (0.5 / np.sqrt(bases.shape[1]))
        out[start:start + n] = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentiles(times: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2),
            "mean_ms": round(statistics.mean(times), 2)}


def one(size: int, bases_file: str, queries: list[str]) -> dict:
    """Build, save, reopen read-only and time one size (run in a child process)."""
    import faiss

    model = resolve_embeddings(precision=embedding_precision())  # as the app runs it on this CPU
    real = TxtaiIndex(model, {})
    vectors = synthetic(np.load(bases_file), size)

    def transform(texts):
        texts = list(texts)
        rows = [int(t.rsplit(MARK, 1)[1][:-1]) if MARK in t else -1 for t in texts]
        if min(rows) >= 0:
            return vectors[rows]
        return real.embed(texts)

    sentences = [t[a:b] for _, t in scifact_texts() for a, b in split_sentences(t)]
    overrides = {"method": "external", "transform": transform}
    from rag.documents import Chunk

    started = time.perf_counter()
    index = TxtaiIndex(model, {}, overrides=overrides)
    for start in range(0, size, 20000):
        rows = range(start, min(size, start + 20000))
        index.upsert([Chunk(id=f"c{i}", document=f"doc{i // 10}", doc_id=f"doc{i // 10}",
                            text=f"{sentences[i % len(sentences)]}{MARK}{i}]") for i in rows])
    built = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="latency-"))
    started = time.perf_counter()
    index.save(folder / "index")
    saved = time.perf_counter() - started
    index.close()
    del index
    before = rss_mb()
    reader = TxtaiIndex(model, {}, folder / "index", overrides=overrides, read_only=True)
    row = {"passages": size, "ann": reader.ann(), "build_s_without_embedding": round(built, 1),
           "save_and_fit_s": round(saved, 1)}
    for q in queries[:5]:  # warm up
        reader.search(q, 5, "hybrid", 0.5)
    for mode in ("dense", "bm25", "hybrid"):
        times = []
        for q in queries:
            started = time.perf_counter()
            reader.search(q, 5, mode, 0.5)
            times.append((time.perf_counter() - started) * 1000)
        row[mode] = percentiles(times)
    row["resident_mb_after_searches"] = round(rss_mb() - before, 1)
    row["resident_bytes_per_passage"] = round((rss_mb() - before) * 2**20 / size)
    row["disk_bytes_per_passage"] = round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / size)

    # Recall@10 of the app's dense search against exact search over the same vectors
    query_vectors = real.embed(queries)
    _, truth = faiss.knn(query_vectors, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
    found = [[int(h.chunk.id[1:]) for h in reader.search(q, 10, "dense")] for q in queries]
    row["dense_recall_at_10"] = round(float(np.mean([len(set(f) & set(t.tolist())) / 10
                                                    for f, t in zip(found, truth, strict=True)])), 4)
    row["peak_rss_mb"] = peak_rss_mb()  # includes the synthetic source vectors (1.5 kB a passage)
    # FAISS alone, one query at a time: exact over all vectors, and the index the app uses
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    row["faiss_exact"] = percentiles(_faiss_times(exact, query_vectors))
    row["faiss_in_use"] = percentiles(_faiss_times(reader.embeddings.ann.backend, query_vectors))
    reader.close()
    return row


def _faiss_times(index, query_vectors: np.ndarray) -> list[float]:
    times = []
    for v in query_vectors:
        started = time.perf_counter()
        index.search(v[None, :], 10)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000, 1000000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bases", help=argparse.SUPPRESS)
    args = parser.parse_args()
    queries = claims(args.queries)
    if args.one:
        print(json.dumps(one(args.one, args.bases, queries)), flush=True)
        return

    model = resolve_embeddings(precision=embedding_precision())
    result = {"model": model.name, "precision": model.precision, "cpu": cpu_name(), "queries": len(queries),
              "query_embedding_ms": {}, "sizes": []}
    for precision in sorted({"fp32", model.precision}):
        real = TxtaiIndex(resolve_embeddings(precision=precision), {})
        times = []
        for q in queries:
            started = time.perf_counter()
            real.embed([q])
            times.append((time.perf_counter() - started) * 1000)
        result["query_embedding_ms"][precision] = percentiles(times[5:])
    with tempfile.TemporaryDirectory() as tmp:
        bases_file = f"{tmp}/bases.npy"
        np.save(bases_file, real.embed([t for _, t in scifact_texts(BASES)]))
        for size in args.sizes:
            out = subprocess.run([sys.executable, __file__, "--one", str(size), "--bases", bases_file,
                                  "--queries", str(args.queries)], cwd=ROOT, capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(out.stderr[-3000:])
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            result["sizes"].append(row)
    write("latency.json", result)


if __name__ == "__main__":
    main()
