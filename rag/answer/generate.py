"""Writing an answer from the evidence: a grammar-bound, streamed reply whose every sentence is cited and checked.

Takes the evidence already selected (numbered sentences of the retrieved passages) and a chat model. The
model answers from the evidence only, under a grammar (``grammar.py``) that makes it end every sentence with
[n] of evidence that exists, or reply with the fixed no-answer phrase. Text is released a whole sentence at a
time, after the sentence's support check, so what streams is exactly what is kept: nothing is added later.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from ..documents import Hit
from .evidence import Embed, Evidence
from .grammar import answer_grammar
from .llm import ChatModel
from .prompts import NO_ANSWER, evidence_messages, is_abstention, parse_citations
from .support import check, claim_text

# Yes/no verdicts are drawn only by models measured better than always giving PubMedQA dev's most common label
# (accuracy with a grammar forcing yes, no or maybe; bench/answers.py). The bundled SmolLM2-135M scored 0.39 and
# 0.44 (6 evidence sentences / the whole gold abstract) where always "yes" scores 0.55: it draws none.
VERDICT_MODELS: dict[str, float] = {}
NO_VERDICT = ("No yes/no verdict: this model's verdicts were not measured better than always answering the most "
              "common label, so read the evidence.")
_YES_NO = re.compile(r"^\s*(is|are|was|were|does|do|did|can|could|should|will|would|has|have|had|may|might|must)\b",
                     re.I)
_SENTENCE_END = re.compile(r"\]\.")


@dataclass
class Answer:
    """An answer: its checked sentences, the evidence they cite, the passages retrieved, and timings in ms."""

    question: str
    answer: str = ""
    standalone: str = ""
    citations: list[int] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)  # document name -> its reference (title, doi, pmid, journal, year)
    collections: list[str] = field(default_factory=list)  # the collections asked, in the order named
    note: str = ""
    declined: bool = False

    @property
    def abstained(self) -> bool:
        return is_abstention(self.answer)

    def to_dict(self) -> dict:
        """The JSON shape of ``rag ask --json``, as documented in the README."""
        return {
            "question": self.question,
            "collections": self.collections,
            "standalone": self.standalone,
            "answer": self.answer,
            "sentences": self.sentences,
            "evidence": [e.to_dict() for e in self.evidence],
            "citations": [{"n": n, **self.evidence[n - 1].to_dict()} for n in self.citations],
            "passages": [hit.to_dict() for hit in self.passages],
            "note": self.note,
            "timings": self.timings,
            "models": self.models,
            "references": self.references,
            "citations_matched": False,
            "declined": self.declined,
        }


def is_yes_no(question: str) -> bool:
    """Whether a question asks for yes or no ("Is ...?", "Does ...?")."""
    return bool(_YES_NO.match(question))


def generate(answer: Answer, llm: ChatModel, embed: Embed, max_tokens: int, temperature: float,
             llm_name: str = "", clock: Callable[[], float] = time.perf_counter, ask: bool = True) -> Iterator[str]:
    """Stream checked, cited sentences answering ``answer.standalone`` from ``answer.evidence``.

    With no evidence, or ``ask`` false, the reply is the fixed no-answer phrase and the model is not called.
    """
    start = clock()
    verdicts = VERDICT_MODELS.get(llm_name, 0.0) > 0 or not is_yes_no(answer.standalone)
    answer.note = "" if verdicts else NO_VERDICT
    if not answer.evidence or not ask:
        answer.answer = NO_ANSWER
        yield NO_ANSWER
    else:
        grammar = answer_grammar(len(answer.evidence), verdicts=verdicts)
        pending, seen = "", set()
        messages = evidence_messages(answer.standalone, answer.evidence)
        # closing(): stopping early (a repeated sentence, a reader gone) gives the shared model's lock back now
        with closing(llm.stream(messages, max_tokens, temperature, grammar=grammar)) as pieces:
            for piece in pieces:
                answer.timings.setdefault("first_token_ms", round((clock() - start) * 1000, 1))
                pending += piece
                repeated = False
                while match := _SENTENCE_END.search(pending):  # a piece may end more than one sentence
                    sentence, pending = pending[:match.end()], pending[match.end():]
                    key = " ".join(claim_text(sentence).lower().split())
                    if key in seen:  # small models loop: stop at the first repeated sentence
                        repeated = True
                        break
                    seen.add(key)
                    text = ("" if not answer.answer else " ") + sentence.strip()
                    answer.sentences.append(_checked(sentence.strip(), answer.evidence, embed))
                    answer.answer += text
                    yield text
                if repeated:
                    break
        if not answer.answer:
            # The no-answer phrase, or a first sentence cut off by the length limit: nothing cited to show
            answer.answer = NO_ANSWER
            yield NO_ANSWER
        answer.citations = parse_citations(answer.answer, len(answer.evidence))
    answer.timings.setdefault("first_token_ms", round((clock() - start) * 1000, 1))
    answer.timings["generate_ms"] = round((clock() - start) * 1000, 1)


def _checked(sentence: str, evidence: list[Evidence], embed: Embed) -> dict:
    """A sentence in the JSON shape of ``sentences``: text, cited numbers, and its support check."""
    cited = parse_citations(sentence, len(evidence))
    claim = claim_text(sentence)
    vector = embed([claim])[0]
    verdict = check(claim, vector, [(evidence[n - 1].text, evidence[n - 1].vector) for n in cited])
    return {"text": sentence, "citations": cited, "supported": verdict.supported,
            "support": round(max(0.0, min(1.0, verdict.score)), 4), "reason": verdict.reason}
