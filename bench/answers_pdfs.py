"""Answers to questions written from the five shared PDFs, through the engine as the app uses it.

Each question has the facts a right answer states (regular expressions, any one of them per fact); an answer is
right when its shown sentences state every fact. Reports, per model: right answers, answer sentences supported
by the evidence they cite, sentences not shown (and why), answers with no sentence (the no-answer phrase), the
median time to the first shown sentence, and every answer as printed. Writes bench/results/answers_pdfs_<llm>.json.
Usage: .venv/bin/python bench/answers_pdfs.py [--llm NAME_OR_GGUF]
"""

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.engine import Engine  # noqa: E402
from rag.settings import Settings  # noqa: E402

QUESTIONS = [
    ("What are the risks of heparin for DVT prophylaxis in trauma?", [r"bleed", r"thrombocytopenia"]),
    ("Which complications can mechanical compression devices cause?", [r"soft tissue|skin|bleed|compliance"]),
    ("What complications do inferior vena cava filters have?", [r"migrat|occlu|penetrat"]),
    ("Which prophylactic agent does level one evidence support in trauma patients?",
     [r"low molecular weight heparin|lmwh"]),
    ("Without thromboprophylaxis, how common is DVT after multisystem trauma?", [r"50"]),
    ("What constraints to patient care were identified at Kamuzu Central Hospital?",
     [r"human resource|staff|equipment"]),
    ("Which methods were used in the situational analysis in Malawi?", [r"checklist|interview|register"]),
    ("How did supervised exercise sessions affect heart failure patients?", [r"confiden"]),
    ("What happened to patients' self-care after the heart failure programme ended?", [r"laps|motivation"]),
    ("How many participants took part in the heart failure focus groups?", [r"fifteen|15"]),
    ("What is the inhibition constant of compound 33RE?", [r"11\.21"]),
    ("How selective is compound 33RE for the N-domain of ACE?", [r"927"]),
    ("Which residues does compound 33RE interact with in the N-domain?", [r"his ?388|tyr ?369"]),
    ("What does ACE do in the body?", [r"blood pressure|electrolyte"]),
    ("Which languages is VESPA written in?", [r"python", r"perl"]),
    ("Which program does VESPA use for the selective pressure analysis?", [r"codeml"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "pdfs")
    parser.add_argument("--llm", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Settings.from_env(data_dir=Path(folder), **({"llm": args.llm} if args.llm else {})))
        engine.create("pdfs")
        engine.ingest("pdfs", sorted(args.pdfs.glob("*.pdf")))
        for question, facts in QUESTIONS:
            answer = engine.ask("pdfs", question).run()
            shown = " ".join(s["text"] for s in answer.sentences).lower()
            rows.append({"question": question, "answer": answer.answer, "right": all(re.search(f, shown)
                                                                                   for f in facts),
                         "sentences": answer.sentences, "dropped": answer.dropped,
                         "first_sentence_ms": answer.timings.get("first_sentence_ms")})
            print(f"Q: {question}\nA: {answer.answer}\n   right={rows[-1]['right']} "
                  f"supported={[s['supported'] for s in answer.sentences]} dropped={len(answer.dropped)}", flush=True)
        name = engine.models.llm_name
    sentences = [s for r in rows for s in r["sentences"]]
    firsts = [r["first_sentence_ms"] for r in rows if r["first_sentence_ms"]]
    result = {"llm": name, "questions": len(rows), "right": sum(r["right"] for r in rows),
              "sentences": len(sentences), "supported_share": round(sum(s["supported"] for s in sentences)
                                                                    / max(1, len(sentences)), 4),
              "dropped": sum(len(r["dropped"]) for r in rows), "without_sentences": sum(not r["sentences"]
                                                                                     for r in rows),
              "median_first_sentence_ms": statistics.median(firsts) if firsts else None, "rows": rows}
    slug = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")
    out = args.out or ROOT / "bench" / "results" / f"answers_pdfs_{slug}.json"
    out.write_text(json.dumps(result, indent=1))
    print({k: v for k, v in result.items() if k != "rows"})


if __name__ == "__main__":
    main()
