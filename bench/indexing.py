"""Indexing throughput in one process: the app's pipeline against plain txtai, in the same run.

Both index with the same model: the shared PDFs (as the app reads them) and SciFact abstracts. The app chunks to
the model's 256-token limit, in the precision it picks for this CPU (``rag.cpu``). Two plain txtai baselines:
``Embeddings(path=model)`` embedding each whole text with its defaults (it truncates at 512 tokens, so it sees
less text), and, the like-for-like one, ``Embeddings(path=model, maxlength=256, content=True, hybrid=True)`` with
exact FAISS indexing the app's own passages (the same texts, so the same tokens), in txtai's default fp32.
Figures: texts/s, chunks/s and tokens/s (tokens the model actually sees), and the ratios.
Usage: .venv/bin/python bench/indexing.py [--scifact 1000]  ->  bench/results/indexing.json
"""

import argparse
import time

from common import PLAIN_TXTAI, SHARED, scifact_texts, write

from rag.chunk import ChunkSettings, ModelTokenizer, chunk_document
from rag.cpu import cpu_name, embedding_precision
from rag.documents import Document, Section
from rag.index.local.index import TxtaiIndex
from rag.load import load_file
from rag.models import resolve_embeddings


def ours(docs: list[Document], model, tokenizer) -> dict:
    started = time.perf_counter()
    chunks = [c for i, d in enumerate(docs) for c in chunk_document(d, f"d{i}", tokenizer,
                                                                    ChunkSettings(model.maxlength - 2, 32))]
    index = TxtaiIndex(model)
    index.upsert(chunks)
    seconds = time.perf_counter() - started
    tokens = sum(min(n + 2, model.maxlength) for n in tokenizer.count([c.text for c in chunks]))
    return {"seconds": round(seconds, 2), "chunks": len(chunks), "chunks_per_s": round(len(chunks) / seconds, 1),
            "texts_per_s": round(len(docs) / seconds, 2), "tokens_per_s": round(tokens / seconds, 1)}


def plain(docs: list[Document], model, tokenizer) -> dict:
    from txtai import Embeddings

    texts = [d.text for d in docs]
    started = time.perf_counter()
    embeddings = Embeddings(path=str(model.path))
    embeddings.index(texts)
    seconds = time.perf_counter() - started
    tokens = sum(min(n + 2, 512) for n in tokenizer.count(texts))
    return {"seconds": round(seconds, 2), "texts_per_s": round(len(texts) / seconds, 2),
            "tokens_per_s": round(tokens / seconds, 1)}


def plain_passages(chunks: list[str], model) -> dict:
    from txtai import Embeddings

    started = time.perf_counter()
    embeddings = Embeddings(path=str(model.path), **PLAIN_TXTAI)
    embeddings.index([(i, t, None) for i, t in enumerate(chunks)])
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "chunks_per_s": round(len(chunks) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scifact", type=int, default=1000, help="abstracts to index (0 = all 5,183)")
    args = parser.parse_args()
    model = resolve_embeddings(precision=embedding_precision())  # as the app runs it on this CPU
    tokenizer = ModelTokenizer(model.path)
    corpora = {
        "pdfs": [d for p in sorted((SHARED / "pdfs").glob("*.pdf")) for d in load_file(p)],
        "scifact": [Document(i, "", [Section(t)]) for i, t in scifact_texts(args.scifact or None)],
    }
    result = {"model": model.name, "precision": model.precision, "cpu": cpu_name()}
    TxtaiIndex(model).embed(["warm-up"])  # imports and the model load are not indexing: neither side is charged
    for name, docs in corpora.items():
        a, b = ours(docs, model, tokenizer), plain(docs, model, tokenizer)
        c = plain_passages([c.text for i, d in enumerate(docs) for c in chunk_document(
            d, f"d{i}", tokenizer, ChunkSettings(model.maxlength - 2, 32))], model)
        result[name] = {"texts": len(docs), "app": a, "plain_txtai": b, "plain_txtai_same_passages": c,
                        "speed_ratio_texts": round(a["texts_per_s"] / b["texts_per_s"], 2),
                        "speed_ratio_tokens": round(a["tokens_per_s"] / b["tokens_per_s"], 2),
                        "speed_ratio_same_passages": round(a["chunks_per_s"] / c["chunks_per_s"], 2)}
    write("indexing.json", result)


if __name__ == "__main__":
    main()
