"""What runs on Ray's workers for the Ray ingest (``rag.ingest.ray.ingest``): the map task that reads and chunks
a file, and the actor that embeds batches of passages, with the collection's model brought to a node that lacks it.

A worker imports this module from the package the driver sent (see ``rag.ingest.ray.cluster``). A node whose copy of
the model differs from the driver's (another path, another install; told by the files' names and sizes) gets
the driver's files through the object store, written once under the system's temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from ...chunk import ChunkSettings
from ...errors import LoadError
from ...models import ModelInfo
from ..ingest import Prepared, prepare

_tokenizers: dict = {}  # a worker's tokenizers, by the object reference they came in


def prepare_row(row: dict, tokenizer, chunking: ChunkSettings, backmatter: bool) -> dict:
    """Map task: one file's bytes to its pickled ``Prepared``, or the reason it cannot be read. ``tokenizer``
    is an object reference, fetched once per worker."""
    if tokenizer.hex() not in _tokenizers:
        import ray

        _tokenizers[tokenizer.hex()] = ray.get(tokenizer)
    try:
        result: Prepared | str = prepare(row["name"], bytes(row["data"]), _tokenizers[tokenizer.hex()], chunking,
                                         backmatter)
    except LoadError as error:
        result = error.reason
    return {"number": row["number"], "result": pickle.dumps(result)}


class Embedder:
    """Actor: the collection's embedding model, loaded once, embedding one batch of passages per call."""

    def __init__(self, model: ModelInfo, files=None, expected: list | None = None, cache: Path | None = None):
        import torch

        from ...index.local.index import TxtaiIndex

        if not torch.cuda.is_available():
            torch.set_num_threads(1)  # one CPU per actor: as many actors as cores, none waiting on another
        if files is not None and fingerprint(model.path) != expected:  # not this model at that path on this node
            model = replace(model, path=unpack(files, cache))
        self.index = TxtaiIndex(model)

    def __call__(self, batch: dict) -> dict:
        vectors = self.index.passage_vectors(json.loads(batch["texts"][0]))
        return {"group": batch["group"], "dimensions": np.array([vectors.shape[1]]),
                "vectors": np.array([vectors.tobytes()], dtype=object)}


def model_files(folder: Path) -> list[Path]:
    """The files of a model folder (not those in hidden folders, such as a download's ``.cache``)."""
    return [p for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts[:-1])]


def fingerprint(folder: Path) -> list:
    """A model folder's files with their sizes, to tell whether a node has the same model at that path."""
    return [[str(p.relative_to(folder)), p.stat().st_size] for p in model_files(folder)] if folder.is_dir() else []


def pack(folder: Path) -> dict[str, bytes]:
    """Every file of a model folder by its relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in model_files(folder)}


def unpack(files, cache: Path | None = None) -> Path:
    """A node's copy of a packed model folder (an object reference or the dict), written once per node under
    ``cache`` (the system's temporary folder), named by its content."""
    if not isinstance(files, dict):
        import ray

        files = ray.get(files)
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    root = cache or Path(tempfile.gettempdir()) / "biorag-models"
    folder = root / digest.hexdigest()[:16]
    if not folder.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=root))
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        try:
            staging.rename(folder)
        except OSError:  # another actor on this node put it there first
            shutil.rmtree(staging, ignore_errors=True)
    return folder
