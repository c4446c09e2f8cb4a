"""Tune the hybrid weight on SciFact train: dense and BM25 candidates once, every weight fused offline.

Writes bench/results/tune_hybrid.json. Usage: python bench/tune_hybrid.py [--split train]
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.chunk import ChunkSettings  # noqa: E402
from rag.eval.retrieval import build_index, load_beir  # noqa: E402
from rag.metrics import summarize  # noqa: E402
from rag.models import resolve_embeddings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "scifact")
    parser.add_argument("--split", default="train")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tune_hybrid.json")
    args = parser.parse_args()

    model = resolve_embeddings()
    docs, queries, qrels = load_beir(args.data / "corpus.jsonl", args.data / "queries.jsonl",
                                     args.data / "qrels" / f"{args.split}.tsv")
    index, stats = build_index(docs, model, ChunkSettings(model.maxlength - 2, 32))
    print(stats, file=sys.stderr)

    # Candidate lists, as txtai's hybrid search takes them (10x the limit from each side)
    lists = {}
    started = time.perf_counter()
    for qid, text in queries.items():
        lists[qid] = (index.search(text, 1000, "dense"), index.search(text, 1000, "bm25"))
    print(f"candidates in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    results = []
    for weight in [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]:
        runs = {}
        for qid, (dense, sparse) in lists.items():
            scores: dict[str, float] = {}
            for w, hits in ((weight, dense), (1 - weight, sparse)):
                for hit in hits if w > 0 else []:
                    scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + w * hit.score
            ranked = []
            for cid, _ in sorted(scores.items(), key=lambda x: -x[1]):
                doc = cid.rsplit("-", 1)[0]
                if doc not in ranked:
                    ranked.append(doc)
            runs[qid] = ranked[:100]
        metrics = {"weight": weight, **summarize(runs, qrels)}
        print(metrics, file=sys.stderr)
        results.append(metrics)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": model.name, "split": args.split, "index": stats, "results": results},
                                   indent=1))


if __name__ == "__main__":
    main()
