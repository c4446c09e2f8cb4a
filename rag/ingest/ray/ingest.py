"""Ingest on Ray: reading, chunking and embedding run as Ray Data pipelines; the result is committed here, as one
new version, through the same steps as a local ingest (``rag.ingest.ingest``), so it is that ingest's result.

1. Files to chunks, in map tasks: the files' bytes, read here (a cluster's nodes need not see this disk), go
   through ``ingest.prepare`` with the collection's own tokenizer, sent once through the object store.
2. Here, in file order: the batch limit, the failures and warnings (``ingest.read``), and what is new against
   the collection (``ingest.additions``), cut into the batches of ``EMBED_BATCH`` chunks a local ingest embeds
   (a vector depends a little on its batch: padding changes bf16 results by up to 1e-3).
3. Embedding in an actor pool, one model per actor: a GPU each where the cluster has GPUs, else a CPU each.
4. ``ingest.commit`` under the write lock: deduplicated again against the collection as it is by then, the
   vectors given to the index as they are (``rag.index.local.txtai_adapter.PrecomputedVectors``), one atomic
   version. Ray is shut down (or let go) first; a failure before the commit leaves the collection as it was.
"""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import numpy as np

from ...chunk import ChunkSettings, Tokenizer
from ...errors import ClusterError, LoadError
from ...index.local.collection import Collection
from ...load import read_file, safe_name
from ...models import ModelInfo
from ...settings import Settings
from ..ingest import EMBED_BATCH, IngestReport, Prepared, Progress, additions, commit, read
from .cluster import first_line, session
from .workers import Embedder, fingerprint, pack, prepare_row

BLOCKS = 256  # most blocks the files are spread over: enough to keep every worker of a large cluster busy


def ray_ingest(collection: Collection, tokenizer: Tokenizer, settings: Settings, files: list[tuple[str, Path]],
               progress: Progress | None = None, address: str | None = None) -> IngestReport:
    """Add ``files`` (display name, path) to ``collection`` as ``ingest.ingest`` does, the work done on Ray
    (connected to ``address``, else a local instance)."""
    started, progress = time.perf_counter(), progress or (lambda stage, done, total, item: None)
    chunking, model = ChunkSettings(**collection.manifest["chunking"]), collection.model
    contents, failures = read_all(files, settings)
    with session(address) as ray:
        try:
            results = chunk_files(ray, contents, tokenizer, chunking, settings.index_backmatter, progress)
        except Exception as error:  # noqa: BLE001 - whatever a worker raised, carried by Ray
            raise ClusterError(f"The Ray ingest failed while reading the files ({first_line(error)}); nothing "
                               f"was added to {collection.name!r}.") from error

        def reader(number: int, display: str, path: Path) -> tuple[bytes, Prepared]:
            if number in failures:
                raise failures[number]
            if isinstance(results[number], str):
                raise LoadError(display, results[number])
            return contents[number][1], results[number]

        progress("reading", len(files), len(files), "")
        pending, report = read(files, settings, reader, lambda *event: None)
        collection.refresh()
        batch = additions(collection.documents, pending, IngestReport())[2]
        try:
            vectors = embed(ray, model, [c.id for c in batch], [c.text for c in batch], address, progress)
        except Exception as error:  # noqa: BLE001 - likewise
            raise ClusterError(f"The Ray ingest failed while embedding ({first_line(error)}); nothing was added "
                               f"to {collection.name!r}.") from error
    commit(collection, model.name, pending, report, progress, vectors)
    report.seconds = time.perf_counter() - started
    return report


def read_all(files: list[tuple[str, Path]], settings: Settings) -> tuple[dict, dict]:
    """The bytes of every file by its number, (display name, bytes), and the ``LoadError`` of each that cannot
    be read; a file over the batch limit on its own is not read (``ingest.read`` refuses it)."""
    contents, failures = {}, {}
    for number, (display, path) in enumerate(files):
        display = safe_name(display)
        try:
            if path.is_file() and path.stat().st_size > settings.max_batch_mb * 1024 * 1024:
                continue
            contents[number] = display, read_file(path, display, int(settings.max_file_mb * 1024 * 1024))
        except LoadError as error:
            failures[number] = error
        except OSError as error:
            failures[number] = LoadError(display, f"cannot be read ({error.strerror or error})")
    return contents, failures


def chunk_files(ray, contents: dict, tokenizer: Tokenizer, chunking: ChunkSettings, backmatter: bool,
                progress: Progress) -> dict[int, Prepared | str]:
    """Each file's ``Prepared`` (or the reason it cannot be read) by number, from map tasks on Ray."""
    if not contents:
        return {}
    rows = [{"number": n, "name": name, "data": data} for n, (name, data) in contents.items()]
    dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), BLOCKS))
    shared = {"tokenizer": ray.put(tokenizer), "chunking": chunking, "backmatter": backmatter}
    results = {}
    for row in dataset.map(prepare_row, fn_kwargs=shared, num_cpus=1).iter_rows():
        results[row["number"]] = pickle.loads(row["result"])
        progress("reading", len(results), len(rows), contents[row["number"]][0])
    return results


def embed(ray, model: ModelInfo, ids: list[str], texts: list[str], address: str | None,
          progress: Progress) -> dict[str, np.ndarray]:
    """Vectors of ``texts`` by chunk id, embedded in batches of ``EMBED_BATCH`` by an actor pool on Ray."""
    if not texts:
        return {}
    groups = [{"group": g, "texts": json.dumps(texts[s:s + EMBED_BATCH])}
              for g, s in enumerate(range(0, len(texts), EMBED_BATCH))]
    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), max(1, int(resources.get("CPU", 1)))
    # A cluster's nodes may keep this model elsewhere, or not at all: they get this machine's copy if so
    files = ray.put(pack(model.path)) if address else None
    pool = ray.data.from_items(groups, override_num_blocks=len(groups)).map_batches(
        Embedder, batch_size=1, compute=ray.data.ActorPoolStrategy(size=min(gpus or cpus, len(groups))),
        fn_constructor_kwargs={"model": model, "files": files, "expected": fingerprint(model.path)},
        num_gpus=1 if gpus else 0, num_cpus=1)
    vectors, done = {}, 0
    for row in pool.iter_rows():
        start = row["group"] * EMBED_BATCH
        block = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, row["dimensions"])
        vectors.update(zip(ids[start:start + len(block)], block, strict=True))
        done += len(block)
        progress("embedding", done, len(texts), "")
    return vectors
