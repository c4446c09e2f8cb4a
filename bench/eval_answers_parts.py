"""`rag eval answers` on a whole PubMedQA file in parts (each part a process of its own, its rows kept), then the
figures of all rows together: a long run that can stop and go on where it stopped.

    .venv/bin/python bench/eval_answers_parts.py --pubmedqa ../shared/data/pubmedqa/dev.json --part 100 \
        --work /tmp/ev/qwen05 --out bench/results/eval_answers_500_qwen2.5-coder-0.5b.json [--llm NAME]

A part whose rows file exists is not run again. Every part indexes the whole file, as one run would.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from rag.eval.answers import read_pubmedqa, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pubmedqa", type=Path, required=True)
    ap.add_argument("--part", type=int, default=100)
    ap.add_argument("--work", type=Path, required=True, help="folder for each part's rows and figures")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--llm", default="", help="RAG_LLM for the run (default: the app's default answerer)")
    ap.add_argument("--data", type=Path, help="RAG_DATA_DIR for the run (default: WORK/data); the model pulled there")
    args = ap.parse_args()
    total = len(read_pubmedqa(args.pubmedqa))
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RAG_DATA_DIR": str(args.data or args.work / "data"),
           **({"RAG_LLM": args.llm} if args.llm else {})}
    rows, parts = [], []
    for skip in range(0, total, args.part):
        path = args.work / f"rows_{skip:04d}.json"
        if not path.exists():
            done = subprocess.run([sys.executable, "-m", "rag", "eval", "answers", "--pubmedqa", str(args.pubmedqa),
                                   "--skip", str(skip), "--limit", str(args.part), "--json",
                                   "--rows", str(path.with_suffix(".tmp"))],
                                  env=env, capture_output=True, text=True, check=True)
            (args.work / f"part_{skip:04d}.json").write_text(done.stdout)
            path.with_suffix(".tmp").rename(path)
            print(f"part {skip}: {json.loads(done.stdout)['supported_share']} supported", flush=True)
        rows += json.loads(path.read_text())
        parts.append(json.loads((args.work / f"part_{skip:04d}.json").read_text()))
    result = {k: v for k, v in summary(rows).items() if k != "latencies_ms"}
    result.update({k: parts[0][k] for k in ("answering", "mode", "k", "llm", "model") if k in parts[0]},
                  parts=len(parts), command=" ".join(sys.argv))
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
