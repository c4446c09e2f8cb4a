"""Indexing throughput: the app's pipeline against plain txtai.Embeddings(path=model), in the same run.

Both index the same texts with the same model: the shared PDFs (as the app reads them) and SciFact abstracts.
The app chunks to the model's 256-token limit and passes maxlength; plain txtai embeds each text as it is with
its defaults. Figures: texts/s, chunks/s and tokens/s (tokens the model actually sees), and the ratio.
Usage: .venv/bin/python bench/indexing.py [--scifact 1000]  ->  bench/results/indexing.json
"""

import argparse
import time

from common import SHARED, scifact_texts, write

from rag.chunk import ChunkSettings, ModelTokenizer, chunk_document
from rag.documents import Document, Section
from rag.index.local import TxtaiIndex
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scifact", type=int, default=1000, help="abstracts to index (0 = all 5,183)")
    args = parser.parse_args()
    model = resolve_embeddings()
    tokenizer = ModelTokenizer(model.path)
    corpora = {
        "pdfs": [d for p in sorted((SHARED / "pdfs").glob("*.pdf")) for d in load_file(p)],
        "scifact": [Document(i, "", [Section(t)]) for i, t in scifact_texts(args.scifact or None)],
    }
    result = {"model": model.name}
    for name, docs in corpora.items():
        a, b = ours(docs, model, tokenizer), plain(docs, model, tokenizer)
        result[name] = {"texts": len(docs), "app": a, "plain_txtai": b,
                        "speed_ratio_texts": round(a["texts_per_s"] / b["texts_per_s"], 2),
                        "speed_ratio_tokens": round(a["tokens_per_s"] / b["tokens_per_s"], 2)}
    write("indexing.json", result)


if __name__ == "__main__":
    main()
