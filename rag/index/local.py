"""The local vector store, backend "faiss": txtai ``Embeddings``, exact FAISS, BM25 beside it, content storage.

One index serves the three retrieval modes: dense (cosine on the embedding model's vectors), bm25 (keyword),
and hybrid (a weighted sum of the two, BM25 normalized to 0..1). FAISS runs as ``IDMap,Flat``: exact inner
product search, so retrieval loses nothing to approximation (txtai's default switches to IVF above 5,000
rows). Chunks are stored with their metadata so a hit comes back whole. Persistence is a folder per version;
the collection decides which folder is current.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..documents import Chunk, Hit
from ..models import ModelInfo

FIELDS = ("document", "title", "page", "section", "start", "end", "doc_id", "kind")
WEIGHTS = {"dense": 1.0, "bm25": 0.0}


class TxtaiIndex:
    """A txtai Embeddings index over chunks. Searches are serialized by a lock; writes go to a copy (see Collection)."""

    def __init__(self, model: ModelInfo, models: dict | None = None, path: Path | None = None,
                 overrides: dict | None = None, read_only: bool = False):
        from transformers.utils import logging as transformers_logging
        from txtai import Embeddings

        # The CLI draws its own progress; the model loader's bar on stderr is noise
        transformers_logging.disable_progress_bar()
        self.model = model
        config = {**self.config(model), **(overrides or {})}
        self.embeddings = Embeddings(config, models=models if models is not None else {})
        if path is not None:
            if read_only:  # a reader: vectors memory-mapped from the saved file (see rag.index.mapped)
                from .mapped import MAPPED

                config = {**config, "backend": MAPPED}
            self.embeddings.load(str(path), config=config)
        if model.precision == "bf16":
            autocast_bf16(getattr(self.embeddings.model, "model", None))
        self.lock = threading.Lock()

    @staticmethod
    def config(model: ModelInfo) -> dict:
        """txtai configuration: the model folder, its maximum length, exact FAISS, BM25 for hybrid, content."""
        return {
            "path": str(model.path),
            "maxlength": model.maxlength,
            "content": True,
            "backend": "faiss",
            "faiss": {"components": "IDMap,Flat"},
            "hybrid": True,
        }

    def upsert(self, chunks: list[Chunk]) -> None:
        """Add chunks (replacing any with the same id)."""
        rows = [(c.id, {"text": c.text, **{f: getattr(c, f) for f in FIELDS}}, None) for c in chunks]
        if not rows:
            return
        if self.embeddings.count():
            self.embeddings.upsert(rows)
        else:
            self.embeddings.index(rows)

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        if ids and self.embeddings.count():
            self.embeddings.delete(ids)

    def search(self, query: str, k: int, mode: str = "hybrid", weight: float = 0.5) -> list[Hit]:
        """The ``k`` best chunks for ``query``; ``weight`` is the dense share of the hybrid score."""
        if not query.strip() or not self.embeddings.count():
            return []
        columns = ", ".join(["id", "text", *(f"[{f}]" for f in FIELDS), "score"])
        sql = f"select {columns} from txtai where similar(:q, :w, :c) limit :k"
        params = {"q": query, "w": WEIGHTS.get(mode, weight), "c": k, "k": k}
        with self.lock:
            rows = self.embeddings.search(sql, limit=k, parameters=params)
        return [Hit(_chunk(row), float(row["score"])) for row in rows]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings of ``texts`` (one row each) with the index's model: dot products are cosines."""
        with self.lock:
            return np.asarray(self.embeddings.batchtransform(texts), dtype=np.float32)

    def count(self) -> int:
        return self.embeddings.count()

    def save(self, path: Path) -> None:
        self.embeddings.save(str(path))

    def close(self) -> None:
        self.embeddings.close()


def autocast_bf16(module) -> None:
    """Run a torch module's forward under bf16 autocast (matrix products in bf16, norms and softmax in fp32).

    The module is the one txtai caches and shares between indexes of the same model; wrapping it twice is a
    no-op. Only worth it on CPUs with native bf16 (see ``rag.cpu``).
    """
    import torch

    if not isinstance(module, torch.nn.Module) or getattr(module, "_bf16_autocast", False):
        return
    forward = module.forward

    def autocast_forward(*args, **kwargs):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return forward(*args, **kwargs)

    module.forward = autocast_forward
    module._bf16_autocast = True


def _chunk(row: dict) -> Chunk:
    page = row.get("page")
    return Chunk(
        id=row["id"], text=row["text"], document=row.get("document") or "", title=row.get("title") or "",
        page=int(page) if page is not None else None, section=row.get("section"),
        start=int(row.get("start") or 0), end=int(row.get("end") or 0), doc_id=row.get("doc_id") or "",
        kind=row.get("kind") or "body",
    )
