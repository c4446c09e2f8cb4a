"""Answer settings compared on the same PubMedQA dev questions, one model at a time: the prompt, a grammar or
none, the token limit (``rag.models.catalogue.Answering``).

The evidence is selected once per question (the app's retrieval over PubMedQA dev, bundled embeddings), then each
setting answers every question. Reports per setting: sentences shown and supported, answers with no sentence,
sentences not shown, and the median time to the first shown sentence. Run alone on an idle machine for times.
Usage: .venv/bin/python bench/answer_formats.py --llm GGUF --first 0 --last 8 "prose,none,160" "prose,citations,160"
Writes bench/results/answer_formats_<llm>.json (or --out), adding to what is there.
"""

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.answer import evidence as evidence_  # noqa: E402
from rag.answer.generate import Answer, generate  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.eval import cli as eval_cli  # noqa: E402
from rag.eval.retrieval import load_pubmedqa  # noqa: E402
from rag.models.catalogue import Answering  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", default="")
    parser.add_argument("--pubmedqa", type=Path, default=ROOT.parent / "shared" / "data" / "pubmedqa" / "dev.json")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--last", type=int, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("formats", nargs="+", help="prompt,grammar,max_tokens")
    args = parser.parse_args()
    settings = Settings.from_env(**({"llm": args.llm} if args.llm else {}))
    engine = Engine(settings)
    docs, _, _ = load_pubmedqa(args.pubmedqa)
    index, _ = eval_cli._index(engine, engine.models.embeddings, docs)
    records = list(json.loads(args.pubmedqa.read_text()).items())[args.first:args.last]
    prepared = []
    for _, record in records:
        answer = Answer(question=record["QUESTION"], standalone=record["QUESTION"])
        answer.passages = index.search(answer.standalone, settings.top_k, settings.mode, settings.hybrid_weight)
        answer.evidence = evidence_.select(answer.standalone, answer.passages, index.embed, settings.evidence)
        prepared.append(answer)
    llm, llm_name = engine.models.llm, engine.models.llm_name
    results = []
    for text in args.formats:
        prompt, grammar, tokens = text.split(",")
        how = Answering(prompt, grammar, verdicts=False, max_tokens=int(tokens))
        rows = []
        for base in prepared:
            answer = Answer(question=base.question, standalone=base.standalone, passages=base.passages,
                            evidence=base.evidence)
            for _ in generate(answer, llm, index.embed, settings.max_tokens, 0.0, llm_name, how=how):
                pass
            rows.append(answer)
        sentences = [s for a in rows for s in a.sentences]
        firsts = [a.timings["first_sentence_ms"] for a in rows if "first_sentence_ms" in a.timings]
        results.append({"format": how.__dict__, "questions": len(rows), "sentences": len(sentences),
                        "supported": sum(s["supported"] for s in sentences),
                        "without_sentences": sum(not a.sentences for a in rows),
                        "dropped": [d for a in rows for d in a.dropped],
                        "median_first_sentence_ms": statistics.median(firsts) if firsts else None,
                        "answers": [a.answer for a in rows]})
        print({k: v for k, v in results[-1].items() if k not in ("answers", "dropped")}, flush=True)
    slug = re.sub(r"[^a-z0-9.]+", "-", llm_name.lower()).strip("-")
    out = args.out or ROOT / "bench" / "results" / f"answer_formats_{slug}.json"
    kept = json.loads(out.read_text()) if out.exists() else []
    out.write_text(json.dumps(kept + [{"llm": llm_name, "questions": [args.first, args.last],
                                       "results": results}], indent=1))


if __name__ == "__main__":
    main()
