"""Calibrate and measure the support check (rag/answer/support.py) on PubMedQA dev.

Claims are the sentences of each record's conclusion (LONG_ANSWER). Each claim is judged against the two
sentences of an abstract closest to it, as the app judges a sentence against the evidence it cites:
- supported: the claim against its own abstract;
- unsupported: the claim against another record's abstract, and a negated copy of the claim ("not" put after
  its first auxiliary verb) against its own abstract.
Reports precision and recall of "supported" at several thresholds and at the one in use.
Writes bench/results/support.json. Usage: .venv/bin/python bench/support.py [--limit N]
"""

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.answer import support  # noqa: E402
from rag.index import open_index  # noqa: E402
from rag.models import resolve_embeddings  # noqa: E402
from rag.text import sentences  # noqa: E402

AUX = re.compile(r"\b(is|are|was|were|can|could|may|might|should|will|would|does|do|did|has|have|had)\b")


def negate(claim: str) -> str | None:
    """The claim with "not" after its first auxiliary verb, or None when it has none or is already negated."""
    if support.negated(claim) or not AUX.search(claim):
        return None
    return AUX.sub(lambda m: f"{m.group(1)} not", claim, count=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pubmedqa", type=Path, default=ROOT.parent / "shared" / "data" / "pubmedqa" / "dev.json")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "support.json")
    args = parser.parse_args()
    records = list(json.loads(args.pubmedqa.read_text()).values())[: args.limit]
    index = open_index("faiss", resolve_embeddings(""))

    abstracts = [[s for c in r["CONTEXTS"] for s in sentences(c)] for r in records]
    claims = [sentences(r["LONG_ANSWER"]) for r in records]
    other = list(range(len(records)))
    random.Random(0).shuffle(other)
    cases = []  # (claim, abstract index, label, kind)
    for i, found in enumerate(claims):
        j = other[i] if other[i] != i else (i + 1) % len(records)
        for claim in found:
            cases += [(claim, i, True, "own"), (claim, j, False, "other")]
            if (flipped := negate(claim)) is not None:
                cases.append((flipped, i, False, "negated"))

    texts = sorted({c for c, *_ in cases} | {s for a in abstracts for s in a})
    vectors = dict(zip(texts, index.embed(texts), strict=True))
    judged = []  # (label, kind, claim vector and evidence as the app would cite it)
    for claim, a, label, kind in cases:
        evidence = sorted(abstracts[a], key=lambda s: -float(vectors[s] @ vectors[claim]))[:2]
        judged.append((label, kind, (claim, vectors[claim], [(s, vectors[s]) for s in evidence])))

    def scores(threshold: float, meaning: bool = True) -> dict:
        verdicts = [support.check(*case, threshold=threshold) for _, _, case in judged]
        said = [v.supported if meaning else v.score >= threshold for v in verdicts]
        tp = sum(s and label for s, (label, _, _) in zip(said, judged, strict=True))
        fp = sum(s and not label for s, (label, _, _) in zip(said, judged, strict=True))
        fn = sum(label and not s for s, (label, _, _) in zip(said, judged, strict=True))
        by_kind = {k: round(sum(s for s, (_, kind, _) in zip(said, judged, strict=True) if kind == k) /
                            max(1, sum(kind == k for _, kind, _ in judged)), 4) for k in ("own", "other", "negated")}
        return {"threshold": threshold, "precision": round(tp / max(1, tp + fp), 4),
                "recall": round(tp / max(1, tp + fn), 4), "supported_share_by_kind": by_kind}

    sweep = [scores(t / 100) for t in range(30, 85, 5)]
    result = {"records": len(records), "cases": len(judged),
              "by_kind": {k: sum(kind == k for _, kind, _ in judged) for k in ("own", "other", "negated")},
              "model": index.model.name, "threshold_in_use": support.THRESHOLD,
              "in_use": scores(support.THRESHOLD), "in_use_similarity_only": scores(support.THRESHOLD, False),
              "sweep": sweep}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "sweep"}, indent=1))
    for row in sweep:
        shares = row["supported_share_by_kind"]
        print(f"{row['threshold']:.2f}  P {row['precision']:.3f}  R {row['recall']:.3f}  {shares}")


if __name__ == "__main__":
    main()
