"""The local vector store, backend "faiss": txtai ``Embeddings``, exact FAISS, BM25 beside it, content storage.

One index serves the three retrieval modes: dense (cosine on the embedding model's vectors), bm25 (keyword),
and hybrid (a weighted sum of the two, BM25 normalized to 0..1). FAISS runs as ``IDMap,Flat``: exact inner
product search, so retrieval loses nothing to approximation (txtai's default switches to IVF above 5,000
rows). Above ``ann.EXACT_MAX`` passages a save switches it to an IVF index trained on the collection, with its
probes calibrated for recall (see ``rag.index.local.ann``). A search runs only the side its mode weighs (dense mode
skips BM25, bm25 mode skips the vectors), BM25 in the calling thread. Chunks are stored with their metadata so
a hit comes back whole. Persistence is a folder per version; the collection decides which folder is current.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ...documents import Chunk, Hit
from ...models import ModelInfo
from ...models.speed import prepare_model
from . import ann as ann_module
from . import txtai_adapter
from .ann import EXACT, describe, faiss_threads, fit, stored_vectors

FIELDS = ("document", "title", "page", "section", "start", "end", "doc_id", "kind")
WEIGHTS = {"dense": 1.0, "bm25": 0.0}


class TxtaiIndex:
    """A txtai Embeddings index over chunks. Searches are serialized by a lock; writes go to a copy (see Collection).

    Nothing is loaded until the index is first used: opening a collection (to list its documents, say) costs no
    model load, so the app's page shows while the models load behind it.
    """

    def __init__(self, model: ModelInfo, models: dict | None = None, path: Path | None = None,
                 overrides: dict | None = None, read_only: bool = False, exact_max: int | None = None):
        self.model, self.exact_max = model, exact_max
        self._source = (models if models is not None else {}, path, overrides or {}, read_only)
        self._embeddings = None
        self._parsed: dict[str, dict] = {}  # txtai's parse of each search's SQL (see txtai_adapter.search)
        self._loading = threading.Lock()
        self.lock = threading.Lock()

    @property
    def embeddings(self):
        """The txtai ``Embeddings``, created (and loaded from the saved folder, if any) on first use."""
        if self._embeddings is None:
            with self._loading:
                if self._embeddings is None:
                    self._embeddings = self._load(*self._source)
        return self._embeddings

    def _load(self, models: dict, path: Path | None, overrides: dict, read_only: bool):
        from transformers.utils import logging as transformers_logging
        from txtai import Embeddings

        # The CLI draws its own progress; the model loader's bar on stderr is noise
        transformers_logging.disable_progress_bar()
        config = {**self.config(self.model), **overrides}
        embeddings = Embeddings(config, models=models)
        if path is not None:
            config.pop("faiss")  # the saved index says which FAISS index it is (exact or IVF, see rag.index.local.ann)
            if read_only:  # a reader: vectors memory-mapped from the saved file (see txtai_adapter.MappedFaiss)
                config = {**config, "backend": txtai_adapter.MAPPED}
            embeddings.load(str(path), config=config)
        prepare_model(txtai_adapter.torch_module(embeddings), self.model.precision)
        return embeddings

    @staticmethod
    def config(model: ModelInfo) -> dict:
        """txtai configuration: the model folder, its maximum length, exact FAISS, BM25 for hybrid, content."""
        return {
            "path": str(model.path),
            "maxlength": model.maxlength,
            "content": True,
            "backend": "faiss",
            "faiss": {"components": EXACT},
            "hybrid": True,
        }

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray | None = None) -> None:
        """Add chunks (replacing any with the same id), embedded here or with their ``vectors`` (one row each, as
        ``passage_vectors`` computed them elsewhere)."""
        rows = [(c.id, {"text": c.text, **{f: getattr(c, f) for f in FIELDS}}, None) for c in chunks]
        if not rows:
            return
        embeddings = self.embeddings
        with txtai_adapter.given_vectors(embeddings, vectors, [c.id for c in chunks]):
            if embeddings.count():
                embeddings.upsert(rows)
            else:  # a new index starts exact, whatever an emptied one had become
                embeddings.config["faiss"] = {"components": EXACT}
                embeddings.index(rows)

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        """The vectors indexing computes for one batch of passages (see ``txtai_adapter.passage_vectors``)."""
        with self.lock:
            return txtai_adapter.passage_vectors(self.embeddings, texts)

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        if ids and self.embeddings.count():
            self.embeddings.delete(ids)

    def search(self, query: str, k: int, mode: str = "hybrid", weight: float = 0.5,
               documents: set[str] | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``; ``weight`` is the dense share of the hybrid score. ``documents``
        (document ids) restricts the search to their chunks, inside both searches (see ``txtai_adapter.search``)."""
        if not query.strip() or not self.embeddings.count():
            return []
        columns = ", ".join(["id", "text", *(f"[{f}]" for f in FIELDS), "score"])
        sql = f"select {columns} from txtai where similar(:q, :w, :c) limit :k"
        params = {"q": query, "w": WEIGHTS.get(mode, weight), "c": k, "k": k}
        with self.lock, faiss_threads(1):  # one query: FAISS's spare thread would spin against the model's
            only = None if documents is None else txtai_adapter.index_ids(self.embeddings, documents)
            if only is not None and not len(only):
                return []
            rows = self._search(sql, k, params, mode, only)
        return [Hit(chunk_of(row), float(row["score"])) for row in rows]

    def _search(self, sql: str, k: int, params: dict, mode: str, only: np.ndarray | None = None) -> list[dict]:
        """txtai's search over only the indexes ``mode`` weighs, with BM25 scored in this thread, over the rows
        ``only`` names when given (see ``txtai_adapter.search``)."""
        if sql not in self._parsed:  # the same few statements every time: parsed once (0.2 ms a search)
            self._parsed[sql] = txtai_adapter.parse(self.embeddings, sql)
        dense = None if mode == "bm25" else (lambda ann: ann) if only is None else \
            (lambda ann: txtai_adapter.FilteredAnn(ann, only))
        sparse = None if mode == "dense" else (lambda scoring: txtai_adapter.InThreadScoring(scoring, only))
        return txtai_adapter.search(self.embeddings, sql, self._parsed[sql], k, params["w"], params, dense, sparse)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings of ``texts`` (one row each) with the index's model: dot products are cosines."""
        with self.lock:
            return np.asarray(self.embeddings.batchtransform(texts), dtype=np.float32)

    def count(self) -> int:
        return self.embeddings.count()

    def export(self, batch: int = 1024):
        """Every stored chunk with its vector, ``batch`` at a time: (chunks, vectors) pairs (for a copy)."""
        if not self.count():
            return
        ids, vectors = stored_vectors(txtai_adapter.faiss_index(txtai_adapter.dense_index(self.embeddings)))
        rows = txtai_adapter.stored_rows(self.embeddings)
        for start in range(0, len(ids), batch):
            yield [chunk_of(rows[int(i)]) for i in ids[start:start + batch]], vectors[start:start + batch]

    def save(self, path: Path) -> None:
        """Save to ``path``, first switching to (or retraining) an IVF index if the size calls for it."""
        ann = txtai_adapter.dense_index(self.embeddings)
        if ann is not None:
            ivf = fit(txtai_adapter.faiss_index(ann), self.embeddings.config,
                      ann_module.EXACT_MAX if self.exact_max is None else self.exact_max)
            if ivf is not None:
                txtai_adapter.replace_faiss_index(ann, ivf)
        self.embeddings.save(str(path))

    def ann(self) -> dict:
        """Which FAISS index is in use (exact or IVF, its probes and calibrated recall), for ``collection.json``."""
        return describe(self.embeddings.config, self.count())

    def close(self) -> None:
        with self._loading:
            if self._embeddings is not None:
                self._embeddings.close()


def chunk_of(row: dict) -> Chunk:
    """A chunk from a stored row: its id, text and ``FIELDS`` (a txtai row, or a PostgreSQL one)."""
    page = row.get("page")
    return Chunk(
        id=row["id"], text=row["text"], document=row.get("document") or "", title=row.get("title") or "",
        page=int(page) if page is not None else None, section=row.get("section"),
        start=int(row.get("start") or 0), end=int(row.get("end") or 0), doc_id=row.get("doc_id") or "",
        kind=row.get("kind") or "body",
    )
