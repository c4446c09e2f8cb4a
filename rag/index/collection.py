"""A named, persistent collection: its documents, its original files, and its index, on disk.

Layout under ``<data_dir>/collections/<name>/``: ``collection.json`` (the manifest: model, chunking, documents,
current index folder), ``index-NNNNNN/`` (a saved txtai index, one folder per version) and ``files/`` (the
uploaded originals). A write builds the next index version beside the current one and then replaces the
manifest atomically, so a crash at any moment leaves the previous version intact. Writes are serialized (a
thread lock and a file lock); searches go on against the current version while a write runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ..documents import Hit
from ..errors import CollectionError
from ..models import ModelInfo
from . import VectorIndex, open_index

MANIFEST = "collection.json"
MANIFEST_KEYS = {"name", "version", "index", "documents", "embeddings", "chunking"}


class Collection:
    """One collection, opened with the embedding model it was built with."""

    def __init__(self, folder: Path, model: ModelInfo, models: dict, backend: str = "faiss"):
        self.folder, self.model, self.models, self.backend = folder, model, models, backend
        self.write_lock = threading.Lock()
        self.manifest = read_manifest(folder)
        self.index = self._open_index(self.manifest)
        self._cleanup_if_idle()

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def documents(self) -> dict[str, dict]:
        """Document records by document id: source, title, file, sha256, chunks, pages, metadata, added."""
        return self.manifest["documents"]

    def search(self, query: str, k: int, mode: str, weight: float) -> list[Hit]:
        """Best chunks for a query, from the current version (reloaded if another process wrote a newer one)."""
        self.refresh()
        return self.index.search(query, k, mode, weight)

    def embed(self, texts: list[str]):
        """Unit vectors of ``texts`` with the collection's own embedding model."""
        return self.index.embed(texts)

    def refresh(self) -> None:
        """Pick up a version written by another process."""
        manifest = read_manifest(self.folder)
        if manifest["version"] != self.manifest["version"]:
            self.index, self.manifest = self._open_index(manifest), manifest

    @contextmanager
    def writing(self):
        """Serialize a write across threads and processes; yields a fresh copy of the index to change."""
        with self.write_lock, open(self.folder / ".lock", "w") as lockfile:
            fcntl.flock(lockfile, fcntl.LOCK_EX)
            self.refresh()
            yield self._open_index(self.manifest)

    def commit(self, index: VectorIndex, documents: dict[str, dict], files: dict[str, bytes]) -> None:
        """Save ``index`` as the next version with ``documents`` as the document table; call inside ``writing``."""
        version = self.manifest["version"] + 1
        for stored, data in files.items():
            _write_atomic(self.folder / "files" / stored, data)
        target = self.folder / f"index-{version:06d}"
        temporary = target.with_name(target.name + ".tmp")
        shutil.rmtree(temporary, ignore_errors=True)
        index.save(temporary)
        _fsync_tree(temporary)
        os.replace(temporary, target)
        manifest = {**self.manifest, "version": version, "index": target.name, "documents": documents,
                    "updated": time.time()}
        _write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1).encode())
        self.index, self.manifest = index, manifest
        self._cleanup()

    def remove_chunks(self, index: VectorIndex, doc_id: str) -> None:
        """Delete a document's chunks from an index copy."""
        index.delete(chunk_ids(doc_id, self.documents[doc_id]["chunks"]))

    def remove_document(self, document: str) -> dict:
        """Remove a document, named by id, source or file name, as a new version; returns its record."""
        with self.writing() as index:
            docs = dict(self.documents)
            matches = [i for i, d in docs.items() if document in (i, d["source"], d.get("filename"))]
            if not matches:
                raise CollectionError(f"No document {document!r} in collection {self.name!r}.")
            for doc_id in matches:
                self.remove_chunks(index, doc_id)
            removed = docs.pop(matches[0])
            for doc_id in matches[1:]:
                docs.pop(doc_id)
            self.commit(index, docs, {})
        return removed

    def _open_index(self, manifest: dict) -> VectorIndex:
        path = self.folder / manifest["index"] if manifest.get("index") else None
        return open_index(self.backend, self.model, self.models, path)

    def _cleanup_if_idle(self) -> None:
        """Clean up after an interrupted write, unless a write is running now (it holds the file lock)."""
        with open(self.folder / ".lock", "w") as lockfile:
            try:
                fcntl.flock(lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            self.manifest = read_manifest(self.folder)
            self._cleanup()

    def _cleanup(self) -> None:
        """Remove what an interrupted or superseded write left: old index versions, unreferenced files."""
        current = self.manifest.get("index")
        keep = {d.get("file") for d in self.documents.values()}
        for entry in self.folder.glob("index-*"):
            if entry.name != current:
                shutil.rmtree(entry, ignore_errors=True)
        for entry in (self.folder / "files").glob("*"):
            if entry.name not in keep:
                entry.unlink(missing_ok=True)


def create_manifest(folder: Path, name: str, model: ModelInfo, chunking: dict) -> None:
    """Write the manifest of a new, empty collection."""
    (folder / "files").mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": name, "created": time.time(), "updated": time.time(), "version": 0, "index": None,
        "embeddings": {"name": model.name, "maxlength": model.maxlength}, "chunking": chunking, "documents": {},
    }
    _write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1).encode())


def read_manifest(folder: Path) -> dict:
    """The manifest of a collection folder, or a CollectionError saying why it cannot be read."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise CollectionError(f"No collection named {folder.name!r}.") from None
    except (OSError, ValueError) as error:
        raise CollectionError(f"Collection {folder.name!r} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or not MANIFEST_KEYS <= manifest.keys():
        raise CollectionError(f"Collection {folder.name!r} cannot be read: {MANIFEST} is not a collection manifest")
    return manifest


def chunk_ids(doc_id: str, count: int) -> list[str]:
    return [f"{doc_id}-{i:04d}" for i in range(count)]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    for entry in folder.rglob("*"):
        if entry.is_file():
            with open(entry, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

