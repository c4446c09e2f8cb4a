"""Answer and similarity evaluation on PubMedQA: the app's own answers, the model's yes/no/maybe verdicts, and
the model card's question/answer similarity correlation.

Each question goes through the app's answer path (retrieval, evidence, grammar-bound generation, support
checks) and is scored on citations, support, abstentions, sentences not shown (adding nothing to the question),
damaged sentences (glued or cut) and evidence recall. The verdict is measured apart, with a grammar that forces
one of yes, no or maybe from the same evidence: it decides whether the app may show a model's verdicts at all
(``Answering.verdicts`` in the model's catalogue entry).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path

import numpy as np

from ..answer import evidence as evidence_
from ..answer.generate import Answer, generate
from ..answer.llm import ChatModel
from ..answer.prompts import evidence_block, is_abstention
from ..answer.sentences import defects
from ..errors import RagError
from ..index import VectorIndex
from ..metrics import derangement, pair_pearson
from ..settings import Settings

OPTIONS = ("yes", "no", "maybe")
VERDICT_SYSTEM = "You answer biomedical research questions from the numbered evidence given: yes, no or maybe."
VERDICT_GRAMMAR = 'root ::= "yes" | "no" | "maybe"'


def read_pubmedqa(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RagError(f"Cannot read {path}: {error}") from None


def similarity(index: VectorIndex, records: dict, seed: int = 0) -> dict:
    """Pearson correlation x 100 between cosine(question, long answer) and 1/0 for true/shuffled pairs."""
    questions = [r["QUESTION"] for r in records.values()]
    answers = [r["LONG_ANSWER"] for r in records.values()]
    shuffled = [answers[j] for j in derangement(len(answers), seed)]  # no question keeps its own answer
    q, a, s = index.embed(questions), index.embed(answers), index.embed(shuffled)
    positives, negatives = np.sum(q * a, axis=1), np.sum(q * s, axis=1)
    return {"pearson": pair_pearson(positives, negatives), "pairs": 2 * len(positives),
            "positives": positives.tolist(), "negatives": negatives.tolist()}


def verdict(llm: ChatModel, question: str, evidence: list) -> str:
    """yes, no or maybe, as the model judges the question from the evidence (forced by a grammar)."""
    user = f"Evidence:\n{evidence_block(evidence)}\n\nQuestion: {question}\nAnswer yes, no or maybe."
    messages = [{"role": "system", "content": VERDICT_SYSTEM}, {"role": "user", "content": user}]
    return "".join(llm.stream(messages, 4, 0.0, grammar=VERDICT_GRAMMAR)).strip().lower()


def answers(index: VectorIndex, llm: ChatModel, records: dict, settings: Settings, llm_name: str = "",
            verdicts: bool = True, how=None, keep: bool = False) -> dict:
    """The app's answers to PubMedQA questions (citations, support, abstentions, evidence recall, first token),
    and the model's forced verdicts (accuracy and macro-F1 against the majority baseline)."""
    rows = []
    for pmid, record in records.items():
        started = time.perf_counter()
        answer = Answer(question=record["QUESTION"], standalone=record["QUESTION"])
        answer.passages = index.search(answer.standalone, settings.top_k, settings.mode, settings.hybrid_weight)
        answer.evidence = evidence_.select(answer.standalone, answer.passages, index.embed, settings.evidence)
        for _ in generate(answer, llm, index.embed, settings.max_tokens, settings.temperature, llm_name, how=how):
            pass
        ms = (time.perf_counter() - started) * 1000
        rows.append({"pmid": pmid, "gold": record["final_decision"], "question": answer.standalone,
                     "answer": answer.answer, "sentences": answer.sentences, "dropped": answer.dropped,
                     "abstained": is_abstention(answer.answer),
                     "first_sentence_ms": answer.timings.get("first_sentence_ms"),
                     "predicted": verdict(llm, answer.standalone, answer.evidence) if verdicts else None,
                     "evidence_recall": any(e.hit.chunk.document == pmid for e in answer.evidence),
                     "own_abstract_retrieved": any(h.chunk.document == pmid for h in answer.passages),
                     "first_token_ms": answer.timings.get("first_token_ms", 0.0), "ms": ms})
    result = summary(rows, verdicts)
    if keep:
        result["rows"] = rows
    return result


def summary(rows: list[dict], verdicts: bool = True) -> dict:
    """The figures of answers' rows (as ``answers`` keeps them): from one run, or from runs over parts of a file."""
    sentences = [s for r in rows for s in r["sentences"]]
    written = sentences + [d for r in rows for d in r["dropped"]]
    firsts = [r["first_sentence_ms"] for r in rows if r["first_sentence_ms"] is not None]
    result = {
        "questions": len(rows), "sentences": len(sentences),
        "adds_nothing_share": round(sum(d["reason"] == "adds nothing to the question" for r in rows
                                        for d in r["dropped"]) / max(1, len(written)), 4),
        "damaged_sentences": sum(bool(defects(s["text"])) for s in sentences),
        "damaged_examples": [s["text"] for s in sentences if defects(s["text"])][:10],
        "answers_without_sentences": sum(not r["sentences"] for r in rows),
        "valid_citation_share": round(sum(bool(s["citations"]) for s in sentences) / max(1, len(sentences)), 4),
        "supported_share": round(sum(s["supported"] for s in sentences) / max(1, len(sentences)), 4),
        "abstention_share": round(sum(r["abstained"] for r in rows) / len(rows), 4),
        "evidence_recall": round(sum(r["evidence_recall"] for r in rows) / len(rows), 4),
        "own_abstract_retrieved_share": round(sum(r["own_abstract_retrieved"] for r in rows) / len(rows), 4),
        "median_first_token_ms": round(statistics.median(r["first_token_ms"] for r in rows), 1),
        "median_first_sentence_ms": round(statistics.median(firsts), 1) if firsts else None,
        "median_answer_ms": round(statistics.median(r["ms"] for r in rows), 1),
        "latencies_ms": [round(r["ms"], 1) for r in rows],
    }
    if verdicts:
        result.update(_verdict_scores([r["gold"] for r in rows], [r["predicted"] for r in rows]))
    return result


def _verdict_scores(gold: list[str], predicted: list[str]) -> dict:
    """Accuracy and macro-F1 of the verdicts, and the majority-class baseline."""
    majority = max(OPTIONS, key=gold.count)
    f1s = []
    for option in OPTIONS:
        tp = sum(p == g == option for p, g in zip(predicted, gold, strict=True))
        fp = sum(p == option != g for p, g in zip(predicted, gold, strict=True))
        fn = sum(g == option != p for p, g in zip(predicted, gold, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    # Against always answering the majority label, on the same questions: McNemar's exact test on the questions
    # where exactly one of the two is right. A model is cleared for verdicts only when it is ahead and p < 0.05.
    ahead = sum(p == g != majority for p, g in zip(predicted, gold, strict=True))
    behind = sum(p != g == majority for p, g in zip(predicted, gold, strict=True))
    return {"accuracy": round(sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold), 4),
            "macro_f1": round(sum(f1s) / len(f1s), 4),
            "majority_baseline": round(gold.count(majority) / len(gold), 4), "majority_class": majority,
            "verdict_vs_majority": {"right_where_majority_wrong": ahead, "wrong_where_majority_right": behind,
                                    "p_value": round(mcnemar(ahead, behind), 4),
                                    "beats_majority": ahead > behind and mcnemar(ahead, behind) < 0.05}}


def mcnemar(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs (a binomial test of b against p = 0.5)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(0, min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)
