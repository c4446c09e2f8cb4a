"""Re-indexing: a collection rebuilt with another embedding model, from its stored original files.

Every document is read again from ``files/`` and chunked with the new model's tokenizer and length limit (a
512-token model gets longer passages than a 256-token one), then embedded into a fresh index that is committed
as the next version with the new model recorded. Until that commit, questions are answered from the old
version; a file that cannot be read again aborts the rebuild and leaves the collection as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..chunk import ChunkSettings, Tokenizer, chunk_document
from ..documents import Document
from ..errors import CollectionError, RagError
from ..index.local.collection import Collection
from ..load import load_bytes
from ..models import ModelInfo
from ..settings import Settings
from .ingest import EMBED_BATCH, Progress, chunks_to_index


def reindex(collection: Collection, model: ModelInfo, tokenizer: Tokenizer, settings: Settings,
            progress: Progress | None = None) -> dict:
    """Rebuild ``collection`` with ``model`` (``tokenizer`` is its tokenizer); a summary of what was done."""
    started, before = time.perf_counter(), collection.model.name
    progress = progress or (lambda stage, done, total, item: None)
    chunking = ChunkSettings(min(settings.chunk_tokens, model.maxlength - 2), settings.chunk_overlap)

    def build(index) -> dict[str, dict]:
        documents, batch = {}, []
        kept = f"nothing was changed, the collection keeps {before}"
        for records, doc in stored_documents(collection, progress, kept):
            doc_id = doc.id
            chunks, left_out = chunks_to_index(chunk_document(doc, doc_id, tokenizer, chunking),
                                               settings.index_backmatter)
            if chunks:  # the record it had (the file's first, if the reader now gives other text), renewed
                record = collection.documents.get(doc_id) or records[0]
                documents[doc_id] = {**record, "source": doc.source, "title": doc.title, "metadata": doc.metadata,
                                     "pages": len({s.page for s in doc.sections if s.page}),
                                     "chunks": len(chunks), "left_out": left_out}
                batch.extend(chunks)
        for start in range(0, len(batch), EMBED_BATCH):
            progress("indexing", start, len(batch), "")
            index.upsert(batch[start:start + EMBED_BATCH])
        progress("indexing", len(batch), len(batch), "")
        return documents

    collection.rebuild(model, chunking.__dict__, build)
    return {"collection": collection.name, "from": before, "to": model.name, "documents": len(collection.documents),
            "chunks": sum(d["chunks"] for d in collection.documents.values()),
            "seconds": round(time.perf_counter() - started, 1)}


def stored_documents(collection: Collection, progress: Progress,
                     consequence: str) -> Iterator[tuple[list[dict], Document]]:
    """Each document read again from the collection's stored files, with the records of the file it came from; a
    file that cannot be read is an error ending in ``consequence``."""
    files: dict[str, list[dict]] = {}
    for record in collection.documents.values():
        files.setdefault(record["file"], []).append(record)
    for done, (stored, records) in enumerate(files.items()):
        name = records[0]["filename"]
        progress("reading", done, len(files), name)
        try:
            docs = load_bytes(collection.read_file(stored), name)
        except (RagError, OSError) as error:
            raise CollectionError(f"{name} could not be read again ({getattr(error, 'reason', error)}): "
                                  f"{consequence}.") from None
        for doc in docs:
            yield records, doc
    progress("reading", len(files), len(files), "")
