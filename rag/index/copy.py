"""Copying a collection between the two places collections are kept: folders and a PostgreSQL database.

``rag collections copy NAME --to postgresql`` (or ``--to files``). The copy has the same documents, originals,
passages and vectors (taken from the source's index, not computed again), as one version: a copy that fails
midway is removed, and the source is never changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import CollectionError
from ..models import ModelInfo


def copy_collection(source_storage, target_storage, name: str, new_name: str, models: dict,
                    model_of: Callable[[dict], ModelInfo],
                    progress: Callable[[int, int], None] | None = None) -> dict:
    """Copy collection ``name`` from ``source_storage`` to ``target_storage`` as ``new_name``; a summary."""
    started = time.perf_counter()
    manifest = source_storage.manifest(name)
    if target_storage.exists(new_name):
        raise CollectionError(f"{target_storage.describe()} already has a collection named {new_name!r}: delete it "
                              "there first, or give the copy another name with --as NAME.")
    model = model_of(manifest)
    source = source_storage.open(name, model, models, model_of)
    try:
        target_storage.create(new_name, model, manifest["chunking"])
        target = target_storage.open(new_name, model, models, model_of)
        try:
            _fill(source, target, progress or (lambda done, total: None))
        except BaseException:
            target.close()
            target_storage.delete(new_name)  # half a copy is no copy
            raise
        target.close()
    finally:
        source.close()
    chunks = sum(d["chunks"] for d in manifest["documents"].values())
    return {"collection": name, "copy": new_name, "from": source_storage.describe(), "to": target_storage.describe(),
            "documents": len(manifest["documents"]), "chunks": chunks,
            "seconds": round(time.perf_counter() - started, 1)}


def _fill(source, target, progress: Callable[[int, int], None]) -> None:
    """The source's chunks with their vectors, and its originals, committed to the empty ``target`` at once."""
    documents = dict(source.documents)
    total, done = sum(d["chunks"] for d in documents.values()), 0
    with target.writing() as index, source._using() as stored:
        for chunks, vectors in stored.export():
            index.upsert(chunks, vectors)
            done += len(chunks)
            progress(done, total)
        if done != total:
            raise CollectionError(f"Collection {source.name!r} holds {done} passages where its manifest lists "
                                  f"{total}; nothing was copied.")
        files = {record["file"]: source.read_file(record["file"]) for record in documents.values()}
        target.commit(index, documents, files)
