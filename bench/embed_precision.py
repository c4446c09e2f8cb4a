"""Embedding in bf16 (torch autocast) against fp32, in the same run: speed, closeness, and retrieval quality.

Speed and closeness: the first N SciFact abstracts (title and text, cut at the model's 256 tokens) embedded by
the app's index in each precision, alternating, best of two rounds each; cosine of each bf16 vector to its
fp32 vector. Quality: SciFact test (300 claims, 5,183 abstracts) through `rag eval retrieval` with
RAG_EMBED_PRECISION=fp32 and =bf16, nDCG@10 per mode. Names the CPU and whether it has native bf16 (which
is what RAG_EMBED_PRECISION=auto looks at).

Writes bench/results/embed_precision.json. Usage: .venv/bin/python bench/embed_precision.py [--texts 512]
[--no-retrieval]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import replace

import numpy as np
from common import ROOT, SHARED, scifact_texts, write

from rag.cpu import NATIVE_BF16, cpu_flags, cpu_name, embedding_precision
from rag.index.local.index import TxtaiIndex
from rag.models import resolve_embeddings


def speed(texts: list[str], rounds: int = 2) -> tuple[dict, dict]:
    """Texts per second in each precision (best of ``rounds``, alternating) and the vectors of each."""
    model = resolve_embeddings()
    indexes = {p: TxtaiIndex(replace(model, precision=p), {}) for p in ("fp32", "bf16")}
    for index in indexes.values():
        index.embed(texts[:16])  # load and warm up
    best, vectors = {}, {}
    for _ in range(rounds):
        for precision, index in indexes.items():
            started = time.perf_counter()
            vectors[precision] = index.embed(texts)
            rate = len(texts) / (time.perf_counter() - started)
            best[precision] = max(best.get(precision, 0.0), rate)
    return {p: round(r, 1) for p, r in best.items()}, vectors


def retrieval(precision: str) -> dict:
    """SciFact test nDCG@10 per mode with the app's evaluation, in one precision."""
    s = SHARED / "scifact"
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rag"), "eval", "retrieval", "--corpus", str(s / "corpus.jsonl"),
         "--queries", str(s / "queries.jsonl"), "--qrels", str(s / "qrels" / "test.tsv"), "--mode", "all",
         "--json"], env={**os.environ, "RAG_EMBED_PRECISION": precision}, capture_output=True, text=True,
        check=True)
    result = json.loads(done.stdout)
    return {"ndcg@10": {mode: m["ndcg@10"] for mode, m in result["modes"].items()},
            "index_seconds": result["index"]["index_seconds"], "chunks": result["index"]["chunks"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--no-retrieval", action="store_true", help="skip the SciFact nDCG runs (about 6 min)")
    args = parser.parse_args()
    texts = [t for _, t in scifact_texts(args.texts)]
    rates, vectors = speed(texts)
    cosine = (vectors["fp32"] * vectors["bf16"]).sum(axis=1)
    result = {
        "cpu": cpu_name(), "native_bf16_flags": sorted(set(NATIVE_BF16) & cpu_flags()),
        "auto_picks": embedding_precision("auto"), "model": resolve_embeddings().name, "texts": len(texts),
        "texts_per_s": rates, "speed_ratio_bf16_over_fp32": round(rates["bf16"] / rates["fp32"], 2),
        "cosine_to_fp32": {"mean": round(float(cosine.mean()), 6), "min": round(float(cosine.min()), 6)},
    }
    if not args.no_retrieval:
        runs = {p: retrieval(p) for p in ("fp32", "bf16")}
        result["scifact_test"] = {**runs, "ndcg@10_difference": {
            mode: round(runs["bf16"]["ndcg@10"][mode] - runs["fp32"]["ndcg@10"][mode], 4)
            for mode in runs["fp32"]["ndcg@10"]},
            "index_speed_ratio": round(runs["fp32"]["index_seconds"] / runs["bf16"]["index_seconds"], 2)}
    write("embed_precision.json", result)
    if float(np.min(cosine)) < 0.995:
        raise SystemExit("bf16 vectors are further from fp32 than allowed (cosine < 0.995)")


if __name__ == "__main__":
    main()
