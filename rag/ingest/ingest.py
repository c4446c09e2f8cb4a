"""Adding files to a collection: read, deduplicate, chunk, embed, and commit as one new version.

Each file is handled on its own: one that fails is reported with its reason while the others land. Files and
documents already in the collection (same bytes, or same extracted text) add nothing. Everything a run adds
becomes visible at once, in one atomic commit, or not at all. The steps (``read``, ``prepare``, ``additions``,
``commit``) are shared with the Ray ingest (``rag.ingest.ray.ingest``), which runs them on a cluster.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..chunk import ChunkSettings, Tokenizer, chunk_document
from ..chunk.backmatter import BODY, LETTERS
from ..documents import Chunk, Document
from ..errors import CollectionError, LoadError, RagError
from ..index.local.collection import Collection
from ..load import load_bytes, read_file, safe_name
from ..load.crossref import CrossrefLookup
from ..settings import Settings

FRAGMENT = "fragments"

Progress = Callable[[str, int, int, str], None]
EMBED_BATCH = 128


@dataclass
class IngestReport:
    """What an ingest did: files added (with chunk counts), skipped as duplicates, and failed, with reasons."""

    added: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def chunks(self) -> int:
        return sum(n for _, n in self.added)

    @property
    def files(self) -> int:
        """Files looked at: every one is added, skipped or failed."""
        return len(self.added) + len(self.skipped) + len(self.failed)

    def to_dict(self) -> dict:
        return {"added": [{"file": f, "chunks": n} for f, n in self.added],
                "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
                "failed": [{"file": f, "reason": r} for f, r in self.failed],
                "warnings": [{"file": f, "warning": w} for f, w in self.warnings],
                "chunks": self.chunks, "seconds": round(self.seconds, 2)}

    @classmethod
    def from_dict(cls, record: dict) -> IngestReport:
        """The report ``to_dict`` wrote (a job's record keeps it as JSON)."""
        return cls([(a["file"], a["chunks"]) for a in record.get("added", [])],
                   [(s["file"], s["reason"]) for s in record.get("skipped", [])],
                   [(f["file"], f["reason"]) for f in record.get("failed", [])],
                   [(w["file"], w["warning"]) for w in record.get("warnings", [])], record.get("seconds", 0.0))


def stage_uploads(folder: Path,
                  uploads: list[tuple[str, bytes]]) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Write uploaded files, given as (file name as uploaded, content), each into its own folder under ``folder``
    (two uploads may share a name): the (display name, path) of each, and the ones that could not be written."""
    items, failed = [], []
    for i, (filename, data) in enumerate(uploads):
        path = folder / str(i) / safe_name(filename)
        try:
            path.parent.mkdir()
            path.write_bytes(data)
        except OSError as error:  # a full disk, say: this file fails, the others go in
            failed.append((safe_name(filename), f"could not be stored ({error.strerror or error})"))
            continue
        items.append((safe_name(filename), path))
    return items, failed


def ingest(collection: Collection, tokenizer: Tokenizer, settings: Settings, files: list[tuple[str, Path]],
           progress: Progress | None = None) -> IngestReport:
    """Add ``files`` (display name, path) to ``collection``, chunked with ``tokenizer`` (the collection's model)."""
    started, progress = time.perf_counter(), progress or (lambda stage, done, total, item: None)
    chunking, model = ChunkSettings(**collection.manifest["chunking"]), collection.model.name

    # RAG_METADATA_LOOKUP=crossref: each document's DOI checked online, one look-up object (and cache) per ingest
    lookup = CrossrefLookup(settings.data_dir / "cache" / "crossref", base_url=settings.crossref_url).check \
        if settings.metadata_lookup == "crossref" else None

    def read_locally(number: int, display: str, path: Path) -> tuple[bytes, Prepared]:
        data = read_file(path, display, int(settings.max_file_mb * 1024 * 1024))
        return data, prepare(display, data, tokenizer, chunking, settings.index_backmatter, lookup)

    # Read and chunk every file outside the write lock: the slow parsing does not block other writers
    pending, report = read(files, settings, read_locally, progress)
    commit(collection, model, pending, report, progress)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class Prepared:
    """One file read and chunked: (document id, record, chunks) of each document kept, else why none was kept."""

    stored: str
    entries: list[tuple[str, dict, list[Chunk]]]
    problem: str = ""
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[int, str, Path], tuple[bytes, Prepared]]


def prepare(display: str, data: bytes, tokenizer: Tokenizer, chunking: ChunkSettings, backmatter: bool,
            lookup: Callable[[Document], Document] | None = None) -> Prepared:
    """Read and chunk the content of one file (raises ``LoadError``); runs here, or on a Ray worker. ``lookup``
    checks each document's reference before it is chunked (``rag.load.crossref``)."""
    docs = load_bytes(data, display)
    if lookup is not None:
        docs = [lookup(doc) for doc in docs]
    sha = hashlib.sha256(data).hexdigest()
    prepared = Prepared(f"{sha[:16]}{_suffix(display)}", [])
    for doc in docs:
        doc_id = doc.id
        chunks, left_out = chunks_to_index(chunk_document(doc, doc_id, tokenizer, chunking), backmatter)
        if chunks:
            record = {"source": doc.source, "title": doc.title, "filename": display, "file": prepared.stored,
                      "sha256": sha, "chunks": len(chunks), "pages": len({s.page for s in doc.sections if s.page}),
                      "metadata": doc.metadata, "added": time.time(), "left_out": left_out}
            prepared.entries.append((doc_id, record, chunks))
    if not prepared.entries:
        prepared.problem = "no body text found (only references, affiliations or keywords)" \
            if any(d.text.strip() for d in docs) else "no text found"
    if unreadable := sorted({n for d in docs for n in d.metadata.get("unreadable_pages", [])}):
        prepared.warnings.append(f"page(s) {', '.join(map(str, unreadable))} could not be read (a broken text layer) "
                                 "and were left out")
    if replaced := max(d.metadata.get("replaced_characters", 0) for d in docs):
        prepared.warnings.append(f"{replaced} byte(s) could not be decoded as text and were replaced by \ufffd")
    return prepared


def read(files: list[tuple[str, Path]], settings: Settings, reader: Reader,
         progress: Progress) -> tuple[list[tuple[str, bytes, Prepared]], IngestReport]:
    """Each file through ``reader`` (number, display name, path -> bytes, prepared; raises ``LoadError``) in
    order, within the batch limit: (name, bytes, prepared) of each file with something to index, and a report of
    the files that failed and the warnings."""
    pending, report, budget = [], IngestReport(), settings.max_batch_mb * 1024 * 1024
    for done, (display, path) in enumerate(files):
        display = safe_name(display)
        progress("reading", done, len(files), display)
        try:
            size = path.stat().st_size if path.is_file() else 0
            if size > budget:
                raise LoadError(display, f"the batch is over its limit of {settings.max_batch_mb:g} MB")
            data, prepared = reader(done, display, path)
            budget -= size
        except RagError as error:
            report.failed.append((display, getattr(error, "reason", str(error))))
            continue
        except OSError as error:
            report.failed.append((display, f"cannot be read ({error.strerror or error})"))
            continue
        if prepared.problem:
            report.failed.append((display, prepared.problem))
            continue
        report.warnings.extend((display, warning) for warning in prepared.warnings)
        pending.append((display, data, prepared))
    progress("reading", len(files), len(files), "")
    return pending, report


def additions(documents: dict[str, dict], pending: list[tuple[str, bytes, Prepared]],
          report: IngestReport) -> tuple[dict[str, dict], dict[str, bytes], list[Chunk]]:
    """What ``pending`` adds to ``documents``: the new document table, the originals to store, the chunks to
    index; files (same bytes) and documents (same text) already there are skipped."""
    documents, blobs, batch = dict(documents), {}, []
    known_files = {d["sha256"] for d in documents.values()}
    for display, data, prepared in pending:
        sha = prepared.entries[0][1]["sha256"]
        if sha in known_files:
            report.skipped.append((display, "already in the collection"))
            continue
        new = [(i, r, c) for i, r, c in prepared.entries if i not in documents]
        if not new:
            report.skipped.append((display, "its text is already in the collection"))
            continue
        for doc_id, record, chunks in new:
            documents[doc_id] = record
            batch.extend(chunks)
        known_files.add(sha)
        blobs[prepared.stored] = data
        report.added.append((display, sum(len(c) for _, _, c in new)))
    return documents, blobs, batch


def commit(collection: Collection, model: str, pending: list[tuple[str, bytes, Prepared]], report: IngestReport,
           progress: Progress, vectors: dict[str, np.ndarray] | None = None) -> None:
    """Embed (or take from ``vectors``, by chunk id) and commit what ``pending`` adds, under the write lock,
    deduplicating against the collection as it is now; chunks are indexed ``EMBED_BATCH`` at a time."""
    with collection.writing() as index:
        if collection.model.name != model:  # re-indexed while these files were read: their chunks do not fit
            raise CollectionError(f"Collection {collection.name!r} was re-indexed with {collection.model.name} while "
                                  "the files were read; nothing was added: add them again.")
        documents, blobs, batch = additions(collection.documents, pending, report)
        if batch:
            for start in range(0, len(batch), EMBED_BATCH):
                progress("indexing", start, len(batch), "")
                group = batch[start:start + EMBED_BATCH]
                given = [vectors.get(c.id) for c in group] if vectors is not None else [None]
                if any(v is None for v in given):  # embedded here: no worker embedded one of them (see ray_ingest)
                    index.upsert(group)
                else:
                    index.upsert(group, np.stack(given))
            progress("indexing", len(batch), len(batch), "")
            collection.commit(index, documents, blobs)


def chunks_to_index(chunks: list[Chunk], backmatter: bool) -> tuple[list[Chunk], dict[str, int]]:
    """The chunks to index, numbered again from 0, and how many of each kind were left out.

    Back matter (references, affiliations, keywords) is left out unless ``backmatter`` is set, and so are
    fragments of under two words (a page's stray "29."), which would match any short question.
    """
    left_out: dict[str, int] = {}
    kept = []
    for c in chunks:
        kind = c.kind if c.kind != BODY or len(LETTERS.findall(c.text)) >= 2 else FRAGMENT
        if kind == BODY or backmatter and kind != FRAGMENT:
            kept.append(c)
        else:
            left_out[kind] = left_out.get(kind, 0) + 1
    return [replace(c, id=f"{c.doc_id}-{i:04d}") for i, c in enumerate(kept)], left_out


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
