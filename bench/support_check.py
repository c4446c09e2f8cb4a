"""Precision and recall of the support check (rag/answer/support.py) on the labelled set of bench/support_set.py.

Each pair's claim is judged against its evidence sentences as the app judges an answer sentence against the
evidence it cites: the bundled embedding model through the index's ``embed``, then ``support.check`` at the
threshold in use. The positive class is "supported". Reported for the whole set and for each half (``tune``:
the records the rules were tuned on; ``held_out``: the other records), with the share of each kind of false
claim that the check accepts (false accepts) and of each kind of true claim that it rejects (false rejects),
the reasons given, and the time of one ``check`` call. The same figures for the check as it was before the rules
against recombined claims (``support.py`` at commit ``BASELINE``, read with git) stand beside them.

Writes bench/results/support_check.json. Usage: .venv/bin/python bench/support_check.py [--examples N]
On the set from pdfs-wide (``bench/support_set.py --wide``), which no rule was tuned on:
.venv/bin/python bench/support_check.py --set bench/data/support_set_wide.json --out support_check_wide.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import ROOT, write

from rag.answer import support
from rag.index import open_index
from rag.models import BUNDLED_EMBEDDINGS, resolve_embeddings

SET = ROOT / "bench" / "data" / "support_set.json"
# The last commit before the rules against recombined claims (issue 25, part 5)
BASELINE = "e1a898d8d6e43c7553d8c76ea1452b5175c3695f"


def baseline_module():
    """``rag/answer/support.py`` as it was at ``BASELINE``, imported under another name; None without git."""
    try:
        source = subprocess.run(["git", "show", f"{BASELINE}:rag/answer/support.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "support_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("support_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def figures(pairs: list[dict], verdicts: list) -> dict:
    """Precision, recall and F1 of "supported", and the share of each kind that the check got wrong."""
    said = [v.supported for v in verdicts]
    truth = [p["label"] == "supported" for p in pairs]
    tp = sum(s and t for s, t in zip(said, truth, strict=True))
    fp = sum(s and not t for s, t in zip(said, truth, strict=True))
    fn = sum(t and not s for s, t in zip(said, truth, strict=True))
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    wrong = Counter(p["kind"] for p, s, t in zip(pairs, said, truth, strict=True) if s != t)
    kinds = Counter(p["kind"] for p in pairs)
    false_accept = {k: round(wrong[k] / n, 4) for k, n in sorted(kinds.items())
                    if k not in ("shortened", "reordered", "reworded", "conclusion")}
    false_reject = {k: round(wrong[k] / n, 4) for k, n in sorted(kinds.items()) if k not in false_accept}
    unsupported = sum(not t for t in truth)
    return {"pairs": len(pairs), "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
            "false_accept_rate": round(fp / max(1, unsupported), 4), "false_accept_by_kind": false_accept,
            "false_reject_rate": round(fn / max(1, len(pairs) - unsupported), 4),
            "false_reject_by_kind": false_reject}


def measure(check, pairs: list[dict], cases: list[tuple]) -> dict:
    """The figures of one version of ``check`` on the whole set and on each half, its reasons and its time."""
    verdicts = [check(*case) for case in cases]
    result = {"all": figures(pairs, verdicts)}
    for half in sorted({p["half"] for p in pairs} - {"independent"}):
        chosen = [i for i, p in enumerate(pairs) if p["half"] == half]
        result[half] = figures([pairs[i] for i in chosen], [verdicts[i] for i in chosen])
    # Reasons by their wording, the words and numbers they quote aside
    result["reasons"] = dict(Counter(re.sub(r'"[^"]*"|\([^)]*\)|\b\d[\d.,]*', "…", v.reason)
                                     for v in verdicts if not v.supported).most_common())
    # Time of one call, the embedding aside (the app embeds the sentence once, whatever the check does with it)
    times = []
    for _ in range(3):
        for case in cases:
            start = time.perf_counter()
            check(*case)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    result["check_ms"] = {"mean": round(statistics.fmean(times), 4), "p50": round(times[len(times) // 2], 4),
                          "p99": round(times[int(len(times) * 0.99)], 4), "max": round(times[-1], 4)}
    return result, verdicts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--out", default="support_check.json", help="the file's name under bench/results")
    parser.add_argument("--examples", type=int, default=12, help="claims caught and true claims rejected, to read")
    args = parser.parse_args()
    if not args.set.exists():
        sys.exit(f"{args.set} is missing: run .venv/bin/python bench/support_set.py first")
    pairs = json.loads(args.set.read_text())["pairs"]
    index = open_index("faiss", resolve_embeddings(BUNDLED_EMBEDDINGS))
    texts = sorted({p["claim"] for p in pairs} | {e for p in pairs for e in p["evidence"]})
    vectors = dict(zip(texts, index.embed(texts), strict=True))
    cases = [(p["claim"], vectors[p["claim"]], [(e, vectors[e]) for e in p["evidence"]], support.THRESHOLD)
             for p in pairs]

    result = {"set": str(args.set.resolve().relative_to(ROOT)), "pairs": len(pairs),
              "labels": dict(Counter(p["label"] for p in pairs)), "kinds": dict(Counter(p["kind"] for p in pairs)),
              "halves": dict(Counter(p["half"] for p in pairs)), "model": index.model.name,
              "threshold": support.THRESHOLD}
    result["in_use"], verdicts = measure(support.check, pairs, cases)
    old = baseline_module()
    if old is not None:
        result["before"], before = measure(old.check, pairs, cases)
        result["baseline_commit"] = BASELINE
        # Claims the new rules catch, and true claims they reject, as a reader would see them
        caught = [(p, v) for p, v, b in zip(pairs, verdicts, before, strict=True)
                  if p["label"] == "unsupported" and b.supported and not v.supported]
        lost = [(p, v) for p, v, b in zip(pairs, verdicts, before, strict=True)
                if p["label"] == "supported" and b.supported and not v.supported]
        show = [{"kind": p["kind"], "evidence": p["evidence"], "claim": p["claim"], "reason": v.reason}
                for p, v in (caught[:: max(1, len(caught) // max(1, args.examples))][: args.examples]
                             + lost[:: max(1, len(lost) // max(1, args.examples))][: args.examples])]
        result["newly_caught"], result["newly_rejected_true"] = len(caught), len(lost)
        result["examples"] = show
    write(args.out, result)


if __name__ == "__main__":
    main()
