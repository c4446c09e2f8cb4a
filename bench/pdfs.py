"""Indexing speed and answer time on the shared PDFs, through the engine as the app uses it.

Writes bench/results/pdfs.json. Usage: .venv/bin/python bench/pdfs.py [--questions N]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.engine import Engine  # noqa: E402
from rag.settings import Settings  # noqa: E402

QUESTIONS = [
    "What are the complications of DVT prophylaxis in trauma patients?",
    "What barriers to quality improvement were found at Kamuzu Central Hospital?",
    "How do patients experience structured heart failure programmes?",
    "Why are N-domain selective ACE inhibitors of interest?",
    "What does the VESPA software automate?",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "pdfs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pdfs.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Settings.from_env(data_dir=Path(folder)))
        started = time.perf_counter()
        engine.create("bench")
        _ = engine.models.llm
        load_s = time.perf_counter() - started

        timings = []

        def progress(stage: str, done: int, total: int, item: str) -> None:
            timings.append((stage, done, total, time.perf_counter()))

        files = sorted(args.pdfs.glob("*.pdf"))
        report = engine.ingest("bench", [(p.name, p) for p in files], progress)
        indexing = [t for t in timings if t[0] == "indexing"]
        embed_s = indexing[-1][3] - indexing[0][3]

        answers = []
        for question in QUESTIONS:
            answer = engine.ask("bench", question).run()
            timings = answer.timings
            answers.append({"question": question, **timings, "cited": len(answer.citations),
                            "answer_chars": len(answer.answer), "question_to_first_token_ms": round(
                                timings["retrieve_ms"] + timings.get("evidence_ms", 0) + timings["first_token_ms"], 1)})
    result = {
        "models": engine.models.in_use(),
        "files": len(files), "chunks": report.chunks, "failed": report.failed,
        "model_load_s": round(load_s, 2),
        "ingest_s": round(report.seconds, 2), "embed_s": round(embed_s, 2),
        "chunks_per_s_ingest": round(report.chunks / report.seconds, 1),
        "chunks_per_s_embedding": round(report.chunks / embed_s, 1),
        "answers": answers,
        "median_first_token_ms": statistics.median(a["first_token_ms"] for a in answers),
        "median_total_ms": statistics.median(a["total_ms"] for a in answers),
        "median_retrieve_ms": statistics.median(a["retrieve_ms"] for a in answers),
        "median_question_to_first_token_ms": statistics.median(a["question_to_first_token_ms"] for a in answers),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k not in ("answers", "models")}, indent=1))


if __name__ == "__main__":
    main()
