"""Collections kept as folders under the data folder (``FolderStorage``, the default storage).

The other storage is a PostgreSQL database (``rag.index.postgres.storage.PostgresStorage``, with
``RAG_DATABASE_URL``); ``rag.index.open_storage`` picks one. The engine lists, creates, opens and deletes
collections only through a storage, so the CLI, the UI and the evaluation work the same on both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...errors import CollectionError
from ...models import ModelInfo
from .. import open_index
from ..base import check_name
from .collection import Collection
from .folder import MANIFEST, create_manifest, delete_folder, read_manifest


def summary(manifest: dict) -> dict:
    """A collection's row in a listing: its size, model, last change and vector index."""
    docs = manifest["documents"].values()
    return {"name": manifest["name"], "documents": len(docs), "chunks": sum(d["chunks"] for d in docs),
            "embeddings": manifest["embeddings"]["name"], "updated": manifest["updated"],
            "index": manifest.get("ann") or {"kind": "exact"}}


class FolderStorage:
    """Collections as folders under ``root`` (see ``rag.index.local.collection``)."""

    where = "files"

    def __init__(self, root: Path, backend: str = "faiss"):
        self.root, self.backend = root, backend

    def describe(self) -> str:
        return f"folders in {self.root}"

    def list(self) -> list[dict]:
        """Every collection; one whose manifest cannot be read is listed with ``damaged`` saying why (it is not
        hidden: its documents are still on disk)."""
        found = []
        for folder in sorted(p for p in self.root.glob("[!.]*") if p.is_dir()) if self.root.exists() else []:
            try:
                found.append(summary(read_manifest(folder)))
            except CollectionError as error:
                found.append({"name": folder.name, "documents": 0, "chunks": 0, "damaged": str(error)})
        return found

    def exists(self, name: str) -> bool:
        return (self.root / check_name(name) / MANIFEST).exists()

    def create(self, name: str, model: ModelInfo, chunking: dict) -> None:
        create_manifest(self.root / check_name(name), name, model, chunking)

    def manifest(self, name: str) -> dict:
        return read_manifest(self.root / check_name(name))

    def open(self, name: str, model: ModelInfo, models: dict, resolve: Callable[[dict], ModelInfo]) -> Collection:
        return Collection(self.root / check_name(name), model, models, self.backend, resolve)

    def scratch(self, model: ModelInfo, models: dict):
        """An empty in-memory index in ``model`` (for an evaluation)."""
        return open_index(self.backend, model, models)

    def delete(self, name: str, collection: Collection | None = None) -> None:
        """Delete a collection's folder, a damaged one too (refused during a write: ``delete_folder``)."""
        folder = self.root / check_name(name)
        if not folder.is_dir():
            raise CollectionError(f"No collection named {name!r}.")
        delete_folder(folder, collection.write_lock if collection else None)
