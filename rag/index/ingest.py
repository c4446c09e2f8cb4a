"""Adding files to a collection: read, deduplicate, chunk, embed, and commit as one new version.

Each file is handled on its own: one that fails is reported with its reason while the others land. Files and
documents already in the collection (same bytes, or same extracted text) add nothing. Everything a run adds
becomes visible at once, in one atomic commit, or not at all.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..chunk import ChunkSettings, Tokenizer, chunk_document
from ..chunk.backmatter import BODY, LETTERS
from ..documents import Chunk
from ..errors import CollectionError, LoadError, RagError
from ..load import load_file, safe_name
from ..settings import Settings
from .collection import Collection

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


def ingest(collection: Collection, tokenizer: Tokenizer, settings: Settings, files: list[tuple[str, Path]],
           progress: Progress | None = None) -> IngestReport:
    """Add ``files`` (display name, path) to ``collection``, chunked with ``tokenizer`` (the collection's model)."""
    started, report = time.perf_counter(), IngestReport()
    progress = progress or (lambda stage, done, total, item: None)
    chunking, model = ChunkSettings(**collection.manifest["chunking"]), collection.model.name

    # Read and chunk every file outside the write lock: the slow parsing does not block other writers
    pending, budget = [], settings.max_batch_mb * 1024 * 1024
    for done, (display, path) in enumerate(files):
        display = safe_name(display)
        progress("reading", done, len(files), display)
        try:
            size = path.stat().st_size if path.is_file() else 0
            if size > budget:
                raise LoadError(display, f"the batch is over its limit of {settings.max_batch_mb:g} MB")
            docs = load_file(path, display, max_bytes=int(settings.max_file_mb * 1024 * 1024))
            budget -= size
            data = path.read_bytes()
        except RagError as error:
            report.failed.append((display, getattr(error, "reason", str(error))))
            continue
        except OSError as error:
            report.failed.append((display, f"cannot be read ({error.strerror or error})"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        stored = f"{sha[:16]}{_suffix(display)}"
        entries = []
        for doc in docs:
            doc_id = hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            chunks, left_out = keep(chunk_document(doc, doc_id, tokenizer, chunking), settings.index_backmatter)
            if chunks:
                record = {"source": doc.source, "title": doc.title, "filename": display, "file": stored, "sha256": sha,
                          "chunks": len(chunks), "pages": len({s.page for s in doc.sections if s.page}),
                          "metadata": doc.metadata, "added": time.time(), "left_out": left_out}
                entries.append((doc_id, record, chunks))
        if not entries:
            report.failed.append((display, "no body text found (only references, affiliations or keywords)"
                                  if docs and any(d.text.strip() for d in docs) else "no text found"))
            continue
        if unreadable := sorted({n for d in docs for n in d.metadata.get("unreadable_pages", [])}):
            report.warnings.append((display, f"page(s) {', '.join(map(str, unreadable))} could not be read (a broken "
                                             "text layer) and were left out"))
        if replaced := max(d.metadata.get("replaced_characters", 0) for d in docs):
            report.warnings.append((display, f"{replaced} byte(s) could not be decoded as text and were replaced "
                                             "by \ufffd"))
        pending.append((display, stored, data, entries))
    progress("reading", len(files), len(files), "")

    # Embed and commit under the write lock, deduplicating against the collection as it is now
    with collection.writing() as index:
        if collection.model.name != model:  # re-indexed while these files were read: their chunks do not fit
            raise CollectionError(f"Collection {collection.name!r} was re-indexed with {collection.model.name} while "
                                  "the files were read; nothing was added: add them again.")
        documents, blobs, batch = dict(collection.documents), {}, []
        known_files = {d["sha256"] for d in documents.values()}
        for display, stored, data, entries in pending:
            if entries[0][1]["sha256"] in known_files:
                report.skipped.append((display, "already in the collection"))
                continue
            fresh = [(i, r, c) for i, r, c in entries if i not in documents]
            if not fresh:
                report.skipped.append((display, "its text is already in the collection"))
                continue
            for doc_id, record, chunks in fresh:
                documents[doc_id] = record
                batch.extend(chunks)
            known_files.add(entries[0][1]["sha256"])
            blobs[stored] = data
            report.added.append((display, sum(len(c) for _, _, c in fresh)))
        if batch:
            for start in range(0, len(batch), EMBED_BATCH):
                progress("indexing", start, len(batch), "")
                index.upsert(batch[start:start + EMBED_BATCH])
            progress("indexing", len(batch), len(batch), "")
            collection.commit(index, documents, blobs)
    report.seconds = time.perf_counter() - started
    return report


def keep(chunks: list[Chunk], backmatter: bool) -> tuple[list[Chunk], dict[str, int]]:
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
