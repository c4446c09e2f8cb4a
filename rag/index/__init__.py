"""Passages to searchable indexes: the vector-store protocol, where collections are stored, and the two registries.

- ``open_index``: a vector index of the backend named by ``RAG_INDEX_BACKEND`` (``local.index``: txtai with
  FAISS and BM25); collections and the evaluation ask for an index only through it.
- ``open_storage``: where collections are kept, folders under the data folder (``local.storage``) or, when
  ``RAG_DATABASE_URL`` names one, a PostgreSQL database (``postgres.storage``); the engine asks only through it.

A second backend or storage is added here and nowhere else. ``base`` is what every collection shares whatever
stores it; ``threshold`` the similarity under which the app declines to answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from ..documents import Chunk, Hit
from ..errors import ConfigError
from ..models import ModelInfo
from ..settings import Settings


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


class Storage(Protocol):
    """Where collections are kept: what the engine and ``copy`` need of it."""

    where: str  # "files" or "postgresql", as ``open_storage`` names it

    def describe(self) -> str: ...

    def list(self) -> list[dict]: ...

    def exists(self, name: str) -> bool: ...

    def create(self, name: str, model: ModelInfo, chunking: dict) -> None: ...

    def manifest(self, name: str) -> dict: ...

    def open(self, name: str, model: ModelInfo, models: dict, resolve): ...

    def scratch(self, model: ModelInfo, models: dict) -> VectorIndex: ...

    def delete(self, name: str, collection=None) -> None: ...


def _faiss(model: ModelInfo, models: dict | None, path: Path | None, read_only: bool = False) -> VectorIndex:
    from .local.index import TxtaiIndex

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


def _folders(settings: Settings) -> Storage:
    from .local.storage import FolderStorage

    return FolderStorage(settings.data_dir / "collections", settings.index_backend)


def _postgresql(settings: Settings) -> Storage:
    from .postgres.storage import PostgresStorage

    return PostgresStorage(settings.database_url)


# Storage name (its ``where``) -> constructor(settings)
STORAGES = {"files": _folders, "postgresql": _postgresql}


def open_storage(settings: Settings, where: str | None = None) -> Storage:
    """Where collections are kept: ``where`` ("files" or "postgresql"), by default the database when
    ``RAG_DATABASE_URL`` names one, else folders under the data folder."""
    where = where or ("postgresql" if settings.database_url else "files")
    if where == "postgresql" and not settings.database_url:
        raise ConfigError("Set RAG_DATABASE_URL to the PostgreSQL database to use.")
    return STORAGES[where](settings)
