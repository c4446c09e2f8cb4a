"""A named, persistent collection: its documents, its original files, and its index, on disk.

Layout under ``<data_dir>/collections/<name>/``: ``collection.json`` (the manifest: model, chunking, documents,
current index folder, which FAISS index it is), ``index-NNNNNN/`` (a saved txtai index, one folder per
version) and ``files/`` (the uploaded originals). A write builds the next index version beside the current one
and then replaces the manifest atomically, so a crash at any moment leaves the previous version intact. Writes
are serialized (a thread lock and a file lock); searches go on against the current version while a write runs.
An index a newer version replaces is closed once the last search using it is done. File locks are POSIX
``fcntl`` locks: the app runs on Linux and macOS.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ...errors import CollectionError
from ...models import ModelInfo
from .. import VectorIndex, open_index
from ..base import CollectionBase, CollectionBusy
from ..threshold import off_topic_floor
from .folder import (
    MANIFEST,
    _fsync_tree,
    _write_atomic,
    _write_files,
    file_lock,
    read_manifest,
    stage_copy,
)

log = logging.getLogger(__name__)


class Collection(CollectionBase):
    """One collection, opened with the embedding model it was built with."""

    def __init__(self, folder: Path, model: ModelInfo, models: dict, backend: str = "faiss",
                 resolve: Callable[[dict], ModelInfo] | None = None):
        self.folder, self.model, self.models, self.backend = folder, model, models, backend
        self.resolve = resolve  # the model a manifest names, for a collection another process re-indexed
        self.write_lock = threading.Lock()
        self._guard = threading.Lock()  # guards the swap of ``index`` and the count of searches using each index
        self._users: dict[int, int] = {}
        self._retired: dict[int, VectorIndex] = {}
        self._seen = None  # (inode, mtime, size) of the manifest file last read
        self.manifest = read_manifest(folder)
        self.index, self.opened = self._open_index(self.manifest), self.manifest.get("index")
        self._cleanup_if_idle()

    def refresh(self) -> None:
        """Pick up a version written by another process (the manifest names an index other than the open one).

        The manifest is read again only when its file changed (a write replaces it: a new inode and time), not on
        every search: parsing it took 22 ms at 10,000 documents (bench/postgres.py)."""
        try:
            stat = os.stat(self.folder / MANIFEST)
            seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen is not None and seen == self._seen:
            return
        manifest = read_manifest(self.folder)
        self._seen = seen
        if manifest["embeddings"]["name"] != self.model.name:  # re-indexed with another model meanwhile
            if self.resolve is None:
                raise CollectionError(f"Collection {self.folder.name!r} was re-indexed with another embedding model.")
            self.model = self.resolve(manifest)
        if manifest.get("index") != self.opened:
            self._replace(self._open_index(manifest), manifest)
        else:
            self.manifest = manifest

    @contextmanager
    def writing(self):
        """Serialize a write across threads and processes; yields a fresh copy of the index to change.

        Raises ``CollectionError`` if the collection was deleted before the write could start.
        """
        with self.write_lock, self.locked():
            self.refresh()
            staging = self.folder / f"index-{self.manifest['version'] + 1:06d}.tmp"
            copy = open_index(self.backend, self.model, self.models, stage_copy(self.folder, self.manifest))
            try:
                yield copy
            finally:  # committed or not, the copy is done with: searches use the saved version (``commit``)
                copy.close()
                # A write given up (a cancelled job, a failure) leaves no copy behind; a commit renamed it already
                shutil.rmtree(staging, ignore_errors=True)

    def locked(self, wait: bool = True):
        """Hold the collection's file lock (see ``file_lock``)."""
        return file_lock(self.folder, wait)

    def commit(self, index: VectorIndex, documents: dict[str, dict], files: dict[str, bytes],
               changes: dict | None = None) -> None:
        """Save ``index`` as the next version with ``documents``; call inside ``writing`` or ``rebuild``.
        ``changes`` replaces other manifest entries (the model and chunking of a rebuild)."""
        version = self.manifest["version"] + 1
        _write_files(self.folder / "files", files)
        target = self.folder / f"index-{version:06d}"
        temporary = target.with_name(target.name + ".tmp")  # the staging copy ``writing`` opened, if any
        index.save(temporary)
        _fsync_tree(temporary)
        os.replace(temporary, target)
        manifest = {**self.manifest, "version": version, "index": target.name, "documents": documents,
                    "updated": time.time(), "ann": index.ann(), "off_topic_floor": off_topic_floor(index),
                    **(changes or {})}
        _write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1).encode())
        # Searched from now on: the saved version opened read-only (mapped), not the copy the write changed
        self._replace(self._open_index(manifest), manifest)
        self._cleanup()

    def rebuild(self, model: ModelInfo, chunking: dict, build: Callable[[VectorIndex], dict[str, dict]]) -> None:
        """Replace the index with a new one in ``model``, filled by ``build`` (which returns the document table),
        as the next version: searches use the old one until then (if the commit fails, ``refresh`` goes back)."""
        with self.write_lock, self.locked():
            self.refresh()
            index = open_index(self.backend, model, self.models)
            try:
                documents, self.model = build(index), model
                self.commit(index, documents, {}, {"embeddings": {"name": model.name, "maxlength": model.maxlength},
                                                   "chunking": chunking})
            finally:
                index.close()

    def read_file(self, stored: str) -> bytes:
        """The content of a stored original (``record["file"]``); OSError if it is gone."""
        return (self.folder / "files" / stored).read_bytes()

    def close(self) -> None:  # closes the index once its searches are done; the collection is not usable afterwards
        self._replace(None, self.manifest)

    def _open_index(self, manifest: dict) -> VectorIndex:
        path = self.folder / manifest["index"] if manifest.get("index") else None
        return open_index(self.backend, self.model, self.models, path, read_only=True)

    @contextmanager
    def _using(self):
        """The current index, kept open until the caller is done with it even if a new version replaces it."""
        with self._guard:
            index = self.index
            if index is None:
                raise CollectionError(f"Collection {self.folder.name!r} is closed.")
            self._users[id(index)] = self._users.get(id(index), 0) + 1
        try:
            yield index
        finally:
            with self._guard:
                self._users[id(index)] -= 1
                if not self._users[id(index)]:
                    del self._users[id(index)]
                done = id(index) not in self._users and self._retired.pop(id(index), None) is not None
            if done:
                index.close()

    def _replace(self, index: VectorIndex | None, manifest: dict) -> None:
        """Make ``index`` (the version ``manifest`` names) the one searched; close the one it replaces now, or
        when the last search using it finishes."""
        with self._guard:
            old, self.index, self.manifest, self.opened = self.index, index, manifest, manifest.get("index")
            busy = old is not None and old is not index and id(old) in self._users
            if busy:
                self._retired[id(old)] = old
        if old is not None and old is not index and not busy:
            old.close()

    def _cleanup_if_idle(self) -> None:
        """Clean up after an interrupted write, unless a write is running now (it holds the file lock)."""
        try:
            with self.locked(wait=False):
                self.refresh()  # another process may have committed since this collection was opened
                self._cleanup()
        except CollectionBusy:
            return

    def _cleanup(self) -> None:
        """Remove what an interrupted or superseded write left: old index versions, unreferenced files."""
        current = self.manifest.get("index")
        keep = {d.get("file") for d in self.documents.values()}
        try:
            for entry in self.folder.glob("index-*"):
                if entry.name != current:
                    shutil.rmtree(entry)
            for entry in self.folder.glob("*.tmp"):  # a manifest a killed write never put in place
                entry.unlink(missing_ok=True)
            for entry in (self.folder / "files").glob("*"):
                if entry.name not in keep:
                    entry.unlink(missing_ok=True)
        except OSError as error:  # the collection is sound; only disk space is not given back yet
            log.warning("Collection %r: could not remove %s: %s", self.folder.name, error.filename, error.strerror)
