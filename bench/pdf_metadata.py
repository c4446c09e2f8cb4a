"""PDF references and back matter across publishers: the reader's title, DOI, year, authors and journal, and the
back-matter split of ingestion, scored against ``../shared/data/pdfs-wide`` (25 PDFs, 12 publishers).

Per field: correct, empty or wrong, over all PDFs and per publisher (scored by ``tests/load/pdf_truth.py``, the
measure the tests hold the reader to). Back matter: pages of reference lists whose text is indexed as body, and
body pages (before the reference list) of which nothing is indexed, chunked as ingestion chunks them
(``rag.ingest.ingest.prepare``: ``chunk_document``, then ``chunks_to_index``, back matter left out by default) in the
default embedding model's tokens and the default chunk settings; also the body pages with some text taken for a
reference list.

Writes bench/results/pdf_metadata.json.
Usage: .venv/bin/python bench/pdf_metadata.py [--out NAME.json] [--note TEXT]
"""

from __future__ import annotations

import argparse
import time

from common import SHARED, write

from rag.chunk import ChunkSettings, chunk_document
from rag.chunk.tokenizer import ModelTokenizer
from rag.ingest.ingest import chunks_to_index
from rag.load.pdf import load_pdf
from rag.models import resolve_embeddings
from rag.settings import Settings
from tests.load.pdf_truth import FIELDS, back_matter_split, found_fields, manifest, publisher, score

FOLDER = SHARED / "pdfs-wide"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="pdf_metadata.json")
    parser.add_argument("--note", default="", help="what code was measured (kept in the JSON)")
    args = parser.parse_args()
    model = resolve_embeddings()
    tokenizer = ModelTokenizer(model.path)
    defaults = Settings()  # RAG_CHUNK_TOKENS and RAG_CHUNK_OVERLAP as shipped, capped as the engine caps them
    chunking = ChunkSettings(min(defaults.chunk_tokens, model.maxlength - 2), defaults.chunk_overlap)

    rows, started = [], time.perf_counter()
    for entry in manifest(FOLDER):
        data = (FOLDER / entry["file"]).read_bytes()
        [doc] = load_pdf(data, entry["file"])
        found = found_fields(doc)
        chunks = chunk_document(doc, doc.id, tokenizer, chunking)
        kept, _ = chunks_to_index(chunks, backmatter=False)  # what ingestion indexes (rag.ingest.ingest.prepare)
        split = back_matter_split(entry, doc, chunks, kept)
        rows.append({"file": entry["file"], "publisher": publisher(entry), "score": score(entry, found),
                     "found": found, "reference_pages": split.reference_pages,
                     "references_as_body": split.references_as_body, "body_pages": len(split.body_pages),
                     "body_left_out": split.body_left_out, "body_as_references": split.body_as_references})
    seconds = time.perf_counter() - started

    publishers = sorted({r["publisher"] for r in rows})
    result = {
        "note": args.note, "pdfs": len(rows), "publishers": len(publishers),
        "fields": {f: {k: sum(r["score"][f] == k for r in rows) for k in ("correct", "empty", "wrong")}
                   for f in FIELDS},
        "back_matter": {
            "reference_pages_indexed_as_body": sum(len(r["references_as_body"]) for r in rows),
            "reference_pages": sum(len(r["reference_pages"]) for r in rows),
            "body_pages_left_out": sum(len(r["body_left_out"]) for r in rows),
            "body_pages": sum(r["body_pages"] for r in rows),
            "body_pages_with_text_taken_for_references": sum(len(r["body_as_references"]) for r in rows),
        },
        "per_publisher": {p: {"pdfs": sum(r["publisher"] == p for r in rows),
                              **{f: {k: sum(r["score"][f] == k for r in rows if r["publisher"] == p)
                                     for k in ("correct", "empty", "wrong")} for f in FIELDS}}
                          for p in publishers},
        "per_pdf": rows,
        "chunking": {"model": model.name, "max_tokens": chunking.max_tokens, "overlap": chunking.overlap},
        "seconds": round(seconds, 1),
    }
    write(args.out, result)


if __name__ == "__main__":
    main()
