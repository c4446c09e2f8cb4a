"""bf16 embedding with the linear layers packed for oneDNN (rag.models.packed) against the same bf16 model unpacked.

Both are the app's index (``TxtaiIndex``) in bf16, in one process, measured in alternation: one query at a time
(200 SciFact claims, p50 and p95, as a search embeds its question) and batches of passages (512 SciFact
abstracts, cut at the model's 256 tokens, best of 2 rounds), with the cosine of each packed vector to its
unpacked one. Meaningful on a CPU with native bf16 (AVX-512 BF16 or AMX), which is where the app uses bf16.
Usage: .venv/bin/python bench/packed.py  ->  bench/results/packed.json
"""

import time
from dataclasses import replace

import numpy as np
from common import claims, scifact_texts, write

import rag.models.speed as speed
from rag.cpu import NATIVE_BF16, cpu_flags, cpu_name
from rag.index.local.index import TxtaiIndex
from rag.models import resolve_embeddings


def bf16_indexes() -> tuple:
    """The app's index of the bundled model in bf16, loaded: packed as the app runs it, and unpacked."""
    model = replace(resolve_embeddings(), precision="bf16")
    packed = TxtaiIndex(model, {})
    packed.embed(["warm-up"])
    pack, speed.pack = speed.pack, lambda module: 0  # the same preparation, without the packing
    try:
        plain = TxtaiIndex(model, {})
        plain.embed(["warm-up"])
    finally:
        speed.pack = pack
    return packed, plain


def main() -> None:
    packed, plain = bf16_indexes()
    model, questions = packed.model, claims(200)
    texts = [t for _, t in scifact_texts(512)]
    layers = {name: sum(type(m).__name__ == "PackedLinear" for m in index.embeddings.model.model.modules())
              for name, index in (("packed", packed), ("unpacked", plain))}
    indexes = {"unpacked": plain, "packed": packed}
    query_ms = {name: [] for name in indexes}
    for claim in questions[:5]:  # warm-up
        for index in (plain, packed):
            index.embed([claim])
    for claim in questions:
        for name, index in indexes.items():
            started = time.perf_counter()
            index.embed([claim])
            query_ms[name].append((time.perf_counter() - started) * 1000)
    rates, vectors = {}, {}
    for _ in range(2):
        for name, index in indexes.items():
            started = time.perf_counter()
            vectors[name] = index.embed(texts)
            rates[name] = max(rates.get(name, 0.0), len(texts) / (time.perf_counter() - started))
    cosine = (vectors["packed"] * vectors["unpacked"]).sum(axis=1)
    queries = {name: {"p50_ms": round(float(np.percentile(t, 50)), 2), "p95_ms": round(float(np.percentile(t, 95)), 2)}
               for name, t in query_ms.items()}
    write("packed.json", {
        "cpu": cpu_name(), "native_bf16_flags": sorted(set(NATIVE_BF16) & cpu_flags()), "model": model.name,
        "packed_layers": layers, "query_embedding": queries,
        "query_speed_ratio": round(queries["unpacked"]["p50_ms"] / queries["packed"]["p50_ms"], 2),
        "passages_per_s": {k: round(v, 1) for k, v in rates.items()},
        "passage_speed_ratio": round(rates["packed"] / rates["unpacked"], 2),
        "cosine_packed_to_unpacked": {"mean": round(float(cosine.mean()), 6), "min": round(float(cosine.min()), 6)},
    })


if __name__ == "__main__":
    main()
