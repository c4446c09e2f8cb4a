"""A collection folder on disk: its manifest, atomic writes, fsync, and the file lock every process shares.

The manifest (``collection.json``) names the current index version and the documents; it is replaced atomically,
so readers see the old or the new one, never a part. File locks are POSIX ``fcntl`` locks: the app runs on Linux
and macOS.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ...errors import CollectionError
from ...models import ModelInfo
from ..base import CollectionBusy

try:
    import fcntl
except ImportError:  # Windows
    raise ImportError("This app runs on Linux and macOS (it locks collections with POSIX file locks); on Windows, "
                      "run it in WSL.") from None

MANIFEST = "collection.json"
MANIFEST_KEYS = {"name", "version", "index", "documents", "embeddings", "chunking"}


@contextmanager
def file_lock(folder: Path, wait: bool = True):
    """Hold a collection folder's file lock, shared by every process. ``wait=False`` raises ``CollectionBusy`` at
    once if a write holds it; a folder deleted meanwhile raises ``CollectionError``."""
    try:
        lockfile = open(folder / ".lock", "w")
    except FileNotFoundError:
        raise CollectionError(f"Collection {folder.name!r} was deleted.") from None
    with lockfile:
        try:
            fcntl.flock(lockfile, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise CollectionBusy(f"Collection {folder.name!r} is being written to (documents are being added or "
                                 "removed); try again when that has finished.") from None
        yield


def delete_folder(folder: Path, write_lock: threading.Lock | None = None) -> None:
    """Delete a collection folder, unless a write holds its file lock or ``write_lock`` (the thread lock of the
    collection open in this process): an ingest committing afterwards would otherwise bring it back. The folder
    is renamed away under the locks, so no writer can find it, then removed."""
    if write_lock is not None and not write_lock.acquire(blocking=False):
        raise CollectionBusy(f"Collection {folder.name!r} is being written to (documents are being added or "
                             "removed); try again when that has finished.")
    try:
        with file_lock(folder, wait=False):
            trash = folder.with_name(f".deleted-{folder.name}-{time.time_ns()}")
            folder.rename(trash)
    finally:
        if write_lock is not None:
            write_lock.release()
    try:
        shutil.rmtree(trash)
    except OSError as error:
        raise CollectionError(f"Collection {folder.name!r} was deleted, but its files could not all be removed "
                              f"({error.strerror}: {error.filename}); remove {trash} by hand.") from None


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


def stage_copy(folder: Path, manifest: dict) -> Path | None:
    """A private copy of a collection's current version, ``index-<next>.tmp``, for a write to change and save in
    place (None while the collection has no index yet; a leftover of an interrupted write is replaced).

    The published version's files are never written: its SQLite databases would otherwise hold a large write's
    uncommitted pages, and readers in other processes would find them locked ("database is locked").
    """
    staging = folder / f"index-{manifest['version'] + 1:06d}.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    if not manifest.get("index"):
        return None
    shutil.copytree(folder / manifest["index"], staging)
    return staging


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old or the new content, never a part.

    Only the file's own folder is created: a collection folder deleted meanwhile is not brought back.
    """
    _write_files(path.parent, {path.name: data})


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write files into ``folder`` as ``_write_atomic`` does, with one sync of the folder for all of them (an
    ingest of 1,000 files made 2,000 syncs)."""
    if not files:
        return
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        temporary = folder / f"{name}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    _fsync_dir(folder)


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

