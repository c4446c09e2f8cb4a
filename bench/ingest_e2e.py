"""Ingest end to end, as a user meets it: `rag ingest DIR` against a plain txtai script, whole processes.

The same documents for both: SciFact abstracts cut to about 200 model tokens and written one per .txt file, so
each is one passage on both sides and both embed the same text. The plain script imports txtai, builds
``Embeddings(path=<bundled MiniLM>, maxlength=256, content=True, hybrid=True)`` with exact FAISS, indexes the
texts and saves: what someone would write with txtai alone, in fp32 (txtai's default). `rag ingest` is the
app's command as installed, with its settings as a user has them (bf16 embedding where the CPU has native
bf16, see rag.cpu). Both are timed from process start to exit; each runs twice, alternating, best time kept.
Usage: .venv/bin/python bench/ingest_e2e.py [--abstracts 1000]  ->  bench/results/ingest_e2e.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PLAIN_TXTAI, ROOT, scifact_texts, write

from rag.chunk import ModelTokenizer
from rag.cpu import cpu_name, embedding_precision
from rag.models import resolve_embeddings

PLAIN = """
import json, sys
from pathlib import Path
from txtai import Embeddings
folder, model, out, config = Path(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
texts = [p.read_text() for p in sorted(folder.glob("*.txt"))]
embeddings = Embeddings(path=model, **config)
embeddings.index([(p, t, None) for p, t in enumerate(texts)])
embeddings.save(out)
print(embeddings.count())
"""


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{command[:3]} failed:\n{out.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--abstracts", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    model = resolve_embeddings()
    tokenizer = ModelTokenizer(model.path)
    with tempfile.TemporaryDirectory(prefix="ingest-e2e-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for i, (_, text) in enumerate(scifact_texts(args.abstracts)):
            spans = tokenizer.spans(text)
            (docs / f"{i:05d}.txt").write_text(text[: spans[min(args.tokens, len(spans)) - 1][1]])
        env = {**os.environ, "OMP_NUM_THREADS": str(os.cpu_count())}
        times = {"rag_ingest": [], "plain_txtai": []}
        for run in range(2):
            data = Path(tmp) / f"data{run}"
            times["rag_ingest"].append(timed([str(Path(sys.executable).with_name("rag")), "ingest", str(docs),
                                              "--collection", "bench"], {**env, "RAG_DATA_DIR": str(data)}))
            times["plain_txtai"].append(timed([sys.executable, "-c", PLAIN, str(docs), str(model.path),
                                               str(Path(tmp) / f"plain{run}"), json.dumps(PLAIN_TXTAI)], env))
            print(run, times, flush=True)
    best = {k: round(min(v), 1) for k, v in times.items()}
    write("ingest_e2e.json", {
        "cpu": cpu_name(), "model": model.name, "app_precision": embedding_precision(), "documents": args.abstracts,
        "tokens_per_document": args.tokens, "seconds": times, "best_s": best,
        "docs_per_s": {k: round(args.abstracts / v, 1) for k, v in best.items()},
        "speed_ratio": round(best["plain_txtai"] / best["rag_ingest"], 2),
    })


if __name__ == "__main__":
    main()
