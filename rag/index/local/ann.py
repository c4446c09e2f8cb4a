"""Exact FAISS search while it is fast enough, an IVF index trained on the collection above that size.

A collection starts as ``IDMap,Flat`` (exact inner product). When a save finds it holds more than
``EXACT_MAX`` vectors, the vectors are taken out of the index and put into ``IVF<nlist>,Flat``, with k-means
cells trained on them. ``nprobe`` (cells visited per query) is then calibrated on the collection itself: held-out
query-like vectors made from the stored ones are searched exactly and approximately, and the smallest ``nprobe`` whose
recall@10 reaches ``TARGET_RECALL`` is kept. The cells are retrained the same way once the collection has grown
to ``REGROW`` times the size they were trained on. What is in use is in the txtai config (``faiss``), which the
collection copies into ``collection.json`` (``ann``).

Deletes keep working on both kinds (IVF removes ids from its lists), which is why IVF and not HNSW.
``EXACT_MAX`` and the rest were measured with ``bench/latency.py`` (see "Retrieval at scale" in docs/benchmarks.md).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

# Above this many vectors, an IVF index. Exact search of one query on the AMD EPYC (bench/latency.py): 0.6 ms at
# 10k, 14 ms at 100k, 141 ms at 1M; the calibrated IVF index: 1.3 ms at 100k, 3.8 ms at 1M
EXACT_MAX = 20_000
EXACT = "IDMap,Flat"  # the FAISS index every collection starts with
TARGET_RECALL = 0.99  # recall@10 against exact search, on the calibration queries
REGROW = 4  # retrain the cells when the collection has grown this many times the size they were trained on
PROBES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)


def describe(config: dict, count: int) -> dict:
    """What a txtai config's FAISS index is, for ``collection.json``: exact, or IVF with its cells and probes."""
    faiss_config = config.get("faiss") or {}
    components = faiss_config.get("components", EXACT)
    if not components.startswith("IVF"):
        return {"kind": "exact", "components": components, "vectors": count}
    return {"kind": "ivf", "components": components, "nprobe": faiss_config.get("nprobe"),
            "trained_on": faiss_config.get("trained_on"), "recall_at_10": faiss_config.get("recall_at_10"),
            "vectors": count}


def fit(backend, config: dict, exact_max: int = EXACT_MAX):
    """The IVF index to put in place of FAISS index ``backend`` (or one with its cells retrained) if its size calls
    for it, else None.

    ``config`` is the txtai config whose ``faiss`` section records the choice (and is saved with the index).
    """
    count = backend.ntotal
    faiss_config = config.setdefault("faiss", {})
    trained = faiss_config.get("trained_on")
    if count <= exact_max or (trained and count < REGROW * trained):
        return None
    ids, vectors = stored_vectors(backend)
    index, nprobe, recall = build_ivf(ids, vectors)
    faiss_config.update(components=f"IVF{index.nlist},Flat", nprobe=nprobe, trained_on=count,
                        recall_at_10=round(recall, 4))
    return index


def build_ivf(ids: np.ndarray, vectors: np.ndarray, seed: int = 0):
    """An ``IVF<nlist>,Flat`` inner-product index of ``vectors`` under ``ids``; its calibrated nprobe and recall."""
    import faiss

    count, dim = vectors.shape
    nlist = max(1, min(round(2 * math.sqrt(count)), count // 40))
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(count, min(count, 40 * nlist), replace=False))]
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(sample)
    index.add_with_ids(vectors, ids)
    nprobe, recall = calibrate(index, ids, vectors, rng)
    index.nprobe = nprobe
    return index, nprobe, recall


def calibrate(index, ids: np.ndarray, vectors: np.ndarray, rng, queries: int = 200, k: int = 10) -> tuple[int, float]:
    """The smallest nprobe whose recall@k against exact search reaches ``TARGET_RECALL``, and that recall.

    A question is not near one passage: its embedding sits between passages (its best cosine is ~0.55 with the
    bundled model on SciFact claims). The calibration queries are made alike: the normalized sum of three random
    stored vectors plus noise (best cosine ~0.5). On bench/latency.py's collections, real SciFact claims reach
    at least the recall these queries reach at the same nprobe.
    """
    import faiss

    dim = vectors.shape[1]
    mixed = sum(vectors[rng.choice(len(vectors), queries)] for _ in range(3))
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    noisy = mixed + rng.standard_normal(mixed.shape).astype(np.float32) / math.sqrt(dim)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    _, truth = faiss.knn(noisy, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)
    truth = ids[truth]
    recall = 0.0
    for nprobe in [p for p in PROBES if p < index.nlist] + [index.nlist]:
        index.nprobe = nprobe
        _, found = index.search(noisy, k)
        recall = sum(len(set(t.tolist()) & set(f.tolist())) for t, f in zip(truth, found, strict=True)) / truth.size
        if recall >= TARGET_RECALL:
            break
    return nprobe, recall


def stored_vectors(backend) -> tuple[np.ndarray, np.ndarray]:
    """The ids and vectors held by an ``IDMap,Flat`` or an ``IVF..,Flat`` index (float32, one row each)."""
    import faiss

    if isinstance(backend, faiss.IndexIDMap):
        ids = faiss.vector_to_array(backend.id_map).astype(np.int64)
        return ids, backend.index.reconstruct_n(0, backend.ntotal)
    ivf = faiss.extract_index_ivf(backend)
    lists, dim = ivf.invlists, ivf.d
    ids, vectors = [], []
    for cell in range(ivf.nlist):
        size = lists.list_size(cell)
        if size:
            ids.append(faiss.rev_swig_ptr(lists.get_ids(cell), size).copy())
            codes = faiss.rev_swig_ptr(lists.get_codes(cell), size * lists.code_size).copy()
            vectors.append(codes.view(np.float32).reshape(size, dim))
    return np.concatenate(ids).astype(np.int64), np.concatenate(vectors)


@contextmanager
def faiss_threads(n: int):
    """FAISS's OpenMP threads in this thread set to ``n`` for the block. On 2 cores a single-query search that
    used both left a spinning thread that slowed the next query's embedding: dense search at 10k passages took
    27 ms instead of 19 ms (bench/latency.py; the setting is per calling thread)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
