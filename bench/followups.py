"""Follow-up rewrites on 10 real two-turn conversations: how many standalone questions keep the follow-up and name
what it refers to, with the rewrite checks of ``rag.answer.pipeline`` and without them (the model's rewrite as it
came, as the app did before it checked more than its length, "passage" and the pronouns).

Each conversation is a first question and the answer the app gave, then a follow-up; a standalone question is
right when it is a question, holds every term listed (the follow-up's point and what its pronoun stands for) and
is not the previous answer. "Before" is the app's check as it was at e1a898d (``previous_check`` below).
Writes bench/results/followups.json. Usage: python bench/followups.py [--llm NAME_OR_GGUF]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rag.answer.llm import LlamaCppModel
from rag.answer.pipeline import _PRONOUN, _QUESTION_WORD, rewrite_kept, standalone
from rag.answer.prompts import rewrite_messages
from rag.models import resolve_llm
from rag.settings import Settings
from rag.text import words

CONVERSATIONS = [
    ("What complications does DVT prophylaxis cause in trauma patients?",
     "Heparin-induced thrombocytopenia and bleeding were reported with chemical prophylaxis [1].",
     "How often did they occur?", ["often", "complication|thrombocytopenia|bleeding|prophylaxis"]),
    ("Which mechanical devices prevent deep venous thrombosis after trauma?",
     "Sequential compression devices and venous foot pumps were used [2].",
     "Were they as effective as heparin?", ["effective", "heparin", "compression|device|pump"]),
    ("Does vitamin D supplementation reduce hip fractures?",
     "Daily vitamin D did not reduce hip fractures in community-dwelling women [1].",
     "What dose was used?", ["dose", "vitamin d"]),
    ("What is the mortality of patients with sepsis in intensive care?",
     "Hospital mortality of septic patients was 31% [2].",
     "Did it change over the study period?", ["change", "mortality|sepsis|septic"]),
    ("Can tailored interventions increase mammography use among HMO women?",
     "Telephone counseling raised on-schedule mammography from 61% to 71% [1].",
     "How much did it cost?", ["cost", "counseling|mammography|intervention"]),
    ("Is double balloon enteroscopy safe in a community setting?",
     "No major complications were reported in 50 procedures [3].",
     "What did it find?", ["find|found|diagnos|yield", "enteroscopy"]),
    ("Do emergency ultrasound fellowships improve residents' ultrasound education?",
     "Programs with a fellowship reported more scans per resident [1].",
     "How many scans did residents perform?", ["scans", "resident"]),
    ("What does ACE do in the body?",
     "ACE converts angiotensin I to angiotensin II and degrades bradykinin [1].",
     "Which drugs inhibit it?", ["drug|inhibit", "ace|angiotensin"]),
    ("How did Chile's traffic law reform affect fatalities?",
     "Traffic fatalities fell by 8% after the reform [2].",
     "And severe injuries?", ["injur", "traffic|reform|chile"]),
    ("Are mutations causing low HDL-C linked to carotid intima-media thickness?",
     "Carriers of LCAT, ABCA1 and APOA1 mutations had cIMT similar to controls [1].",
     "Which genes were studied?", ["gene|mutation|lcat|abca1|apoa1", "hdl|studied"]),
]


def previous_check(text: str, question: str, last: tuple[str, str]) -> bool:
    """The rewrite check of rag/answer/pipeline.py at e1a898d: length, "passage", unchanged, pronouns."""
    if not 3 <= len(text) <= 3 * len(question) + 200 or "passage" in text.lower() or text == question:
        return False
    return not (_PRONOUN.search(question) and not (words(text) - words(question)) & words(" ".join(last)))


def right(text: str, terms: list[str], answer: str) -> bool:
    low = text.lower()
    if not (text.rstrip().endswith("?") or _QUESTION_WORD.match(text)):
        return False
    copied = len(set(answer.lower().split()) & set(low.split())) > 0.6 * max(1, len(low.split()))
    return all(re.search(term, low) for term in terms) and not copied


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", default="")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "followups.json")
    args = parser.parse_args()
    settings = Settings.from_env()
    info = resolve_llm(args.llm or settings.llm)
    llm = LlamaCppModel(info, n_ctx=2048, n_threads=settings.n_threads)
    rows = []
    for first, answer, follow, terms in CONVERSATIONS:
        history = [(first, answer)]
        raw = "".join(llm.stream(rewrite_messages(history, follow), 64, 0.0)).strip()
        raw = raw.splitlines()[0].strip(' "') if raw else ""
        kept = standalone(llm, follow, history)
        fallback = f"{first} {follow}"
        before = raw if previous_check(raw, follow, history[-1]) else fallback
        rows.append({"follow_up": follow, "rewrite": raw, "kept": rewrite_kept(raw, follow, history[-1]),
                     "standalone_before": before, "standalone": kept, "right_before": right(before, terms, answer),
                     "right_after": right(kept, terms, answer)})
        print(json.dumps(rows[-1]))
    result = {"llm": info.name, "conversations": len(rows),
              "right_before": sum(r["right_before"] for r in rows), "right_after": sum(r["right_after"] for r in rows),
              "rows": rows}
    args.out.write_text(json.dumps(result, indent=1))
    print(f"{info.name}: right before {result['right_before']}/{len(rows)}, after {result['right_after']}/{len(rows)}")


if __name__ == "__main__":
    main()
