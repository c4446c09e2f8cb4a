"""Answers to questions written from the shared PDFs, through the engine as the app uses it.

Two sets: ``shared``, 16 questions on the five shared PDFs (tuned on), and ``wide``, 20 questions on 15 PDFs
(five shared, ten of pdfs-wide), written from the wide papers' abstracts after the answer rules were made: three
that no paper answers, and two of the shared set asked again among more papers. Each question has the facts a
right answer states (regular expressions, any one of them per fact); an answer is right when its shown sentences
state every fact, and for a question the papers do not answer, when no sentence is shown (the no-answer phrase
beside the evidence). Reports, per model: right answers, answer sentences supported by the evidence they cite,
sentences not shown (and why), answers with no sentence (the no-answer phrase), the median time to the first shown
sentence, and every answer as printed. Writes
bench/results/answers_pdfs_<llm>.json (answers_wide_<llm>.json for the wide set).
Usage: .venv/bin/python bench/answers_pdfs.py [--set shared|wide] [--llm NAME_OR_GGUF]
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
# Written from the abstracts of ten pdfs-wide papers; None: no paper answers it, the app should say so
WIDE_PAPERS = ("frazier2015", "gharibi2024", "hua2024", "stinson2006", "griffiths2015", "loope2014", "robinson2015",
               "mtega2025", "laddomada2014", "good2009")
WIDE = [
    ("How long do Greenland sharks live?", None),
    ("What is the survival rate after surgery for pancreatic cancer?", None),
    ("Which vaccine prevents measles in infants?", None),
    ("What effective paternity did the Vespula rufa-group species show?", [r"1\.5", r"2\.1"]),
    ("What predicts average relatedness within vespine wasp colonies?", [r"colony size"]),
    ("How is colony size related to paternity frequency in wasps?", [r"higher|more|increas|greater|positive"]),
    ("Can newly weaned grey seal pups recognise individuals they have met before?", [r"familiar|recogni"]),
    ("Did oxytocin concentrations differ between familiar and stranger trials in grey seals?",
     [r"no significant|not differ|no difference|did not"]),
    ("How did paired stranger seal pups behave compared with familiar pairs?", [r"check|aggress"]),
    ("How many animals were recorded killed on the road in the Ngorongoro Conservation Area in one year?",
     [r"\b85\b"]),
    ("Which species was most often killed on the road in the Ngorongoro Conservation Area?",
     [r"night ?jar|caprimulgus"]),
    ("Did wildlife roadkill in Ngorongoro differ between seasons?", [r"not differ|no significant|0\.371|did not"]),
    ("How many volatile markers were selected for Fusarium poae contamination of durum wheat?", [r"\b29\b"]),
    ("Which technique was used to analyse the volatiles of infected wheat kernels?", [r"spme|gc"]),
    ("Which social tagging systems were compared with PubMed?", [r"citeulike", r"connotea"]),
    ("How well did social tags agree with MeSH indexing?", [r"low"]),
    ("How does garlic mustard suppress the growth of native tree seedlings?", [r"mycorrhiz|fung|microb"]),
    ("Is middle or high socioeconomic status associated with the risk of COPD?", [r"lower"]),
    ("Which heparins does level one evidence support for thromboprophylaxis in trauma?",
     [r"low molecular weight|lmwh"]),
    ("What constraints to patient care were found at Kamuzu Central Hospital?", [r"human resource|staff|equipment"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared" / "data" / "pdfs")
    parser.add_argument("--set", choices=("shared", "wide"), default="shared")
    parser.add_argument("--llm", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Settings.from_env(data_dir=Path(folder), **({"llm": args.llm} if args.llm else {})))
        engine.create("pdfs")
        files = sorted(args.pdfs.glob("*.pdf"))
        if args.set == "wide":
            wide = args.pdfs.parent / "pdfs-wide"
            files += sorted(p for p in wide.glob("*.pdf") if p.name.startswith(WIDE_PAPERS))
        engine.ingest("pdfs", files)
        for question, facts in QUESTIONS if args.set == "shared" else WIDE:
            answer = engine.ask("pdfs", question).run()
            shown = " ".join(s["text"] for s in answer.sentences).lower()
            right = not answer.sentences if facts is None else all(re.search(f, shown) for f in facts)
            rows.append({"question": question, "answer": answer.answer, "right": right,
                         "answerable": facts is not None,
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
              "declined_answerable": sum(not r["sentences"] for r in rows if r["answerable"]),
              "declined_unanswerable": sum(not r["sentences"] for r in rows if not r["answerable"]),
              "dropped": sum(len(r["dropped"]) for r in rows), "without_sentences": sum(not r["sentences"]
                                                                                     for r in rows),
              "median_first_sentence_ms": statistics.median(firsts) if firsts else None, "rows": rows}
    slug = re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")
    out = args.out or ROOT / "bench" / "results" / f"answers_{'pdfs' if args.set == 'shared' else 'wide'}_{slug}.json"
    out.write_text(json.dumps(result, indent=1))
    print({k: v for k, v in result.items() if k != "rows"})


if __name__ == "__main__":
    main()
