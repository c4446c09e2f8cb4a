"""Retrieval evaluation on BEIR-layout data and PubMedQA files, with the app's own chunking and index.

Builds a throwaway in-memory index (not a saved collection), runs every query in one or more retrieval modes,
turns chunk hits into a document ranking (a document scores as its best chunk), and reports the metrics.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

from ..chunk import ChunkSettings, ModelTokenizer, chunk_document
from ..documents import Document, Section
from ..errors import RagError
from ..index import VectorIndex, open_index
from ..models import ModelInfo


def load_beir(corpus: Path, queries: Path, qrels: Path) -> tuple[list[Document], dict[str, str], dict]:
    """Documents (title + text, source = corpus id), queries by id, and relevance grades by query id."""
    try:
        docs = []
        for line in corpus.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                text = " ".join(x for x in (row.get("title", ""), row.get("text", "")) if x)
                docs.append(Document(str(row["_id"]), row.get("title", ""), [Section(text)]))
        judged: dict[str, dict[str, int]] = {}
        with qrels.open(encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                if len(row) >= 3 and row[2].lstrip("-").isdigit():
                    judged.setdefault(row[0], {})[row[1]] = int(row[2])
        texts = {}
        for line in queries.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                if str(row["_id"]) in judged:
                    texts[str(row["_id"])] = row["text"]
    except (OSError, ValueError, KeyError) as error:
        raise RagError(f"Cannot read the evaluation data: {error}") from None
    return docs, texts, judged


def load_pubmedqa(path: Path) -> tuple[list[Document], dict[str, str], dict]:
    """PubMedQA as retrieval: each record's joined contexts is a document; its question must find it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RagError(f"Cannot read {path}: {error}") from None
    docs = [Document(pmid, "", [Section(" ".join(r["CONTEXTS"]))], {"pmid": pmid}) for pmid, r in data.items()]
    return docs, {pmid: r["QUESTION"] for pmid, r in data.items()}, {pmid: {pmid: 1} for pmid in data}


def build_index(docs: list[Document], model: ModelInfo, chunking: ChunkSettings,
                progress: Callable[[int, int], None] | None = None,
                index: VectorIndex | None = None) -> tuple[VectorIndex, dict]:
    """An index of the documents' chunks (in memory, or ``index``: empty, in ``model``); returns it with build
    statistics."""
    tokenizer, index = ModelTokenizer(model.path), index or open_index("faiss", model)
    started = time.perf_counter()
    chunks = [c for doc in docs for c in chunk_document(doc, doc.source, tokenizer, chunking)]
    chunked = time.perf_counter()
    for start in range(0, len(chunks), 1024):
        index.upsert(chunks[start:start + 1024])
        if progress:
            progress(min(start + 1024, len(chunks)), len(chunks))
    seconds = time.perf_counter() - chunked
    return index, {"documents": len(docs), "chunks": len(chunks), "chunk_seconds": round(chunked - started, 2),
                   "index_seconds": round(seconds, 2), "chunks_per_second": round(len(chunks) / max(seconds, 1e-9), 1)}


def rank_documents(index: VectorIndex, queries: dict[str, str], mode: str, weight: float, depth: int = 100) -> dict:
    """For each query, document ids ranked by their best chunk."""
    runs = {}
    for qid, text in queries.items():
        ranked: list[str] = []
        for hit in index.search(text, depth * 2, mode, weight):
            if hit.chunk.document not in ranked:
                ranked.append(hit.chunk.document)
        runs[qid] = ranked[:depth]
    return runs

