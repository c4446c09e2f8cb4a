"""Chunks to searchable indexes: the vector-store protocol, its backends, collections on disk, and ingestion.

A backend is picked by name (the ``RAG_INDEX_BACKEND`` setting) through ``open_index``; collections and the
evaluation code ask for an index only through it, so a second backend is added here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from ..documents import Chunk, Hit
from ..errors import ConfigError
from ..models import ModelInfo


class VectorIndex(Protocol):
    """What a collection and the evaluation need of a vector store."""

    model: ModelInfo

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray | None = None) -> None: ...

    def passage_vectors(self, texts: list[str]) -> np.ndarray: ...

    def delete(self, ids: list[str]) -> None: ...

    def search(self, query: str, k: int, mode: str = "hybrid", weight: float = 0.5,
               documents: set[str] | None = None) -> list[Hit]: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def count(self) -> int: ...

    def ann(self) -> dict: ...

    def save(self, path: Path) -> None: ...

    def close(self) -> None: ...


def _faiss(model: ModelInfo, models: dict | None, path: Path | None, read_only: bool = False) -> VectorIndex:
    from .local import TxtaiIndex

    return TxtaiIndex(model, models, path, read_only=read_only)


# Backend name -> constructor(model, shared model cache, saved index folder or None, read_only)
BACKENDS = {"faiss": _faiss}


def check_backend(backend: str) -> None:
    """Refuse a backend name that no backend answers to, naming the setting and the known names."""
    if backend not in BACKENDS:
        raise ConfigError(f"RAG_INDEX_BACKEND={backend!r} is not a known backend (known: {', '.join(BACKENDS)}).")


def open_index(backend: str, model: ModelInfo, models: dict | None = None, path: Path | None = None,
               read_only: bool = False) -> VectorIndex:
    """An index of the named backend: empty, or loaded from ``path`` (``read_only``: for searches only, which
    lets a backend map its vectors from the file instead of reading them into memory)."""
    check_backend(backend)
    return BACKENDS[backend](model, models, path, read_only)
