"""Shared helpers of the benchmark scripts: paths, corpora, peak memory, JSON output."""

from __future__ import annotations

import json
import platform
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scifact_texts(limit: int | None = None) -> list[tuple[str, str]]:
    """(id, title + text) of SciFact abstracts, in file order."""
    rows = []
    with open(SHARED / "scifact" / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            rows.append((row["_id"], " ".join(x for x in (row["title"], row["text"]) if x)))
            if limit and len(rows) >= limit:
                break
    return rows


def claims(limit: int) -> list[str]:
    """The first ``limit`` SciFact claims (the questions of its test and train sets), in file order."""
    with open(SHARED / "scifact" / "queries.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle][:limit]


# What someone would write with txtai alone for the app's job (exact FAISS, BM25 beside it, content): the
# baseline of bench/ingest_e2e.py and bench/indexing.py, in txtai's default fp32
PLAIN_TXTAI = {"maxlength": 256, "content": True, "hybrid": True, "backend": "faiss",
               "faiss": {"components": "IDMap,Flat"}}


def write(name: str, result: dict) -> None:
    """Write a result file under bench/results and echo it."""
    import os

    result = {**result, "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "peak_rss_mb": peak_rss_mb()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
