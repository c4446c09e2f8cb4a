"""Writing an answer from the evidence: a streamed reply, released a checked sentence at a time.

Takes the evidence already selected (numbered sentences of the retrieved passages) and a chat model, asked the way
its catalogue entry says (``rag.models.catalogue.Answering``: the prompt, a grammar or none, whether it may draw
yes/no verdicts, its token limit). The reply is split into sentences as it streams; each sentence is released once
the next one has begun (or the reply has ended), after its support check, so what streams is exactly what is kept.
Sentences that state nothing beyond the question, or say in other words that the documents do not answer, are not
shown; with nothing left the reply is the fixed no-answer phrase, beside the evidence.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from ..documents import Hit
from ..models.catalogue import Answering, answering
from ..text import words
from .evidence import Embed, Evidence
from .fairlock import Waiting
from .grammar import MAX_SENTENCES, answer_grammar, citation_grammar
from .llm import ChatModel
from .prompts import NO_ANSWER, PAPER_REF, evidence_messages, is_abstention, parse_citations
from .sentences import (
    GENERIC,
    adds_nothing,
    cite_at_end,
    complete,
    defects,
    gives_no_number,
    has_words,
    says_no_answer,
    split_answer,
    states_aim,
    with_full_stop,
    without_label,
    without_lead_in,
    without_verdict,
)
from .support import NEAR_COPY, Support, acronyms, check, claim_text

NO_VERDICT = ("No yes/no verdict: this model's verdicts were not measured better than always answering the most "
              "common label, so read the evidence.")
# A list item's marker ("2) The risks ...", "3. Filters ..."): the sentence is shown without it
_LIST_MARKER = re.compile(r"^\(?\d{1,2}(?:\)|\.(?=\s+[A-Z]))\s*")
DROPPED = ("The model wrote nothing worth showing (sentences that restated the question, were cut short or were "
           "about something else): read the evidence, which may still answer it.")
_YES_NO = re.compile(r"^\s*(is|are|was|were|does|do|did|can|could|should|will|would|has|have|had|may|might|must)\b",
                     re.I)


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
    dropped: list[dict] = field(default_factory=list)  # sentences not shown: text, and why

    @property
    def abstained(self) -> bool:
        return is_abstention(self.answer)

    def to_dict(self) -> dict:
        """The JSON shape of ``rag ask --json``, as documented in docs/answers.md."""
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
            "dropped": self.dropped,
            "declined": self.declined,
        }


def is_yes_no(question: str) -> bool:
    """Whether a question asks for yes or no ("Is ...?", "Does ...?")."""
    return bool(_YES_NO.match(question))


def generate(answer: Answer, llm: ChatModel, embed: Embed, max_tokens: int, temperature: float,
             llm_name: str = "", clock: Callable[[], float] = time.perf_counter, ask: bool = True,
             how: Answering | None = None, waiting: Waiting | None = None) -> Iterator[str]:
    """Stream checked, cited sentences answering ``answer.standalone`` from ``answer.evidence``.

    ``how`` overrides the answer settings of ``llm_name``'s catalogue entry. With no evidence, or ``ask`` false,
    the reply is the fixed no-answer phrase and the model is not called. ``waiting`` hears this answer's place in
    line while the shared model answers others (``ChatModel.stream``).
    """
    start = clock()
    def elapsed() -> float:
        return round((clock() - start) * 1000, 1)

    how = how or answering(llm_name)
    verdicts = how.verdicts or not is_yes_no(answer.standalone)
    answer.note = "" if verdicts else NO_VERDICT
    if answer.evidence and ask:
        count = len(answer.evidence)
        grammar = {"sentences": answer_grammar(count, verdicts=verdicts), "citations": citation_grammar(count),
                   "none": None}[how.grammar]
        messages = evidence_messages(answer.standalone, answer.evidence, how.prompt, verdicts)
        text, released, seen = "", 0, set()
        # closing(): stopping early (a repeated sentence, a reader gone) gives the shared model's lock back now
        with closing(llm.stream(messages, min(max_tokens, how.max_tokens), temperature, grammar=grammar,
                                waiting=waiting)) as pieces:
            for piece in pieces:
                answer.timings.setdefault("first_token_ms", elapsed())
                text += piece
                found = split_answer(text)
                # A sentence is whole once the next has begun with words (not a citation that may still be its own)
                ready = found[released:-1] if len(found) > 1 and has_words(found[-1]) else []
                released += len(ready)
                if not (yield from _release(answer, ready, seen, embed, verdicts, elapsed)):
                    break
            else:
                # The reply ended: its last sentence counts if it was finished, not cut off by the length limit. A
                # reply that cites before each sentence ("[3] X fell.") ends in words when it was cut: the citation
                # moved to the end of its sentence would make it look finished
                rest = [s for s in split_answer(text)[released:] if complete(s)]
                if rest and not complete(text.rstrip()):
                    rest.pop()
                yield from _release(answer, rest, seen, embed, verdicts, elapsed)
        answer.citations = parse_citations(answer.answer, count)
    if not answer.answer:
        # Nothing worth showing: no evidence, not asked, the no-answer phrase, or only sentences that said nothing
        if any(d["reason"] != "says the documents do not answer" for d in answer.dropped):
            answer.note = DROPPED
        answer.answer = NO_ANSWER
        yield NO_ANSWER
    answer.timings.setdefault("first_token_ms", elapsed())
    answer.timings["generate_ms"] = elapsed()


def _release(answer: Answer, sentences: list[str], seen: set[str], embed: Embed, verdicts: bool,
             elapsed: Callable[[], float]):
    """Check and yield whole sentences; returns False at the first repeated one (small models loop) and once
    ``MAX_SENTENCES`` are shown (the prompt asks for at most three; stopping frees the model sooner)."""
    for sentence in sentences:
        sentence = with_full_stop(without_lead_in(PAPER_REF.sub("", without_label(_LIST_MARKER.sub("", sentence)))))
        sentence = sentence if verdicts else without_verdict(sentence)
        if sentence == NO_ANSWER:
            continue
        key = " ".join(claim_text(sentence).lower().rstrip(" .;:!?").split())
        if any(_repeats(key, said) for said in seen):
            return False
        seen.add(key)
        if reason := _not_shown(sentence, answer.standalone):
            answer.dropped.append({"text": sentence, "reason": reason})
            continue
        checked = _checked(sentence, answer, embed)
        if reason := checked.pop("not_shown", ""):
            answer.dropped.append({"text": sentence, "reason": reason})
            continue
        answer.sentences.append(checked)
        answer.timings.setdefault("first_sentence_ms", elapsed())
        piece = ("" if not answer.answer else " ") + checked["text"]
        answer.answer += piece
        yield piece
        if len(answer.sentences) == MAX_SENTENCES:
            return False
    return True


def _repeats(key: str, said: str) -> bool:
    """Whether a sentence (its claim, lower-cased) says again what an earlier one said: the same words, nearly the
    same (Qwen2.5-Coder-0.5B wrote "Digital tomosynthesis (DT) is a new X-ray-based imaging technique ..." and then
    "DT is a new X-ray-based imaging technique ..."), or the earlier one cut short, or grown. Sentences that give
    other numbers give other findings, however alike their words."""
    if key == said:
        return True
    if re.findall(r"\d+(?:\.\d+)?", key) != re.findall(r"\d+(?:\.\d+)?", said):
        return False
    if min(len(key), len(said)) >= 40 and (key in said or said in key):
        return True
    return difflib.SequenceMatcher(None, key.split(), said.split(), autojunk=False).ratio() >= REPEAT_RATIO


# Two sentences of one answer this alike say one thing (difflib's ratio on their words, numbers equal)
REPEAT_RATIO = 0.85


def _not_shown(sentence: str, question: str) -> str:
    """Why a sentence is not shown as an answer ('' when it is)."""
    if says_no_answer(sentence):
        return "says the documents do not answer"
    if adds_nothing(sentence, question):
        return "adds nothing to the question"
    if gives_no_number(sentence, question):
        return "gives no number for a question that asks for one"
    if states_aim(sentence):
        return "says what a study set out to do, not what it found"
    damage = defects(sentence)
    return f"damaged ({', '.join(damage)})" if damage else ""


# Below this cosine with the question, a sentence that shares no content word with it, citing evidence no closer to
# the question, answers another question
ANOTHER_QUESTION = 0.4


def _checked(sentence: str, answer: Answer, embed: Embed) -> dict:
    """A sentence in the JSON shape of ``sentences``: text, cited numbers, and its support check; ``not_shown`` says
    why it is not an answer at all.

    Two kinds are not shown (Qwen2.5-Coder-0.5B on questions the papers do not answer, bench/answers_pdfs.py --set
    wide): a copy of evidence with a term of the question put in ("How long do Greenland sharks live?" got "...
    the longevity of Greenland sharks Rhizoprionodon terraenovae ...", of a paper on Atlantic Sharpnose Sharks),
    and a sentence about something else (IgA in milk, for a question on measles vaccines). A question's term that
    no evidence has, in a sentence that is not a near copy, leaves the sentence shown but unsupported.

    A small model often restates an evidence sentence but gives it the wrong number (Qwen2.5-Coder-0.5B numbered
    the sentences it copied 1, 2, 3 in its own order). A sentence its citations do not support, but that is a near
    copy of another evidence sentence which does support it, is cited to that one; ``model_cited`` keeps what the
    model wrote.
    """
    evidence = answer.evidence
    cited = parse_citations(sentence, len(evidence))
    claim = claim_text(sentence)
    question, vector = embed([answer.standalone, claim])
    # A quote of two sentences is compared sentence by sentence: a copy of either one is a copy
    verdict = check(claim, vector, [side for n in cited for side in evidence[n - 1].sentences()])
    checked = {"text": sentence, "citations": cited}
    if not verdict.supported and evidence:
        def closeness(e: Evidence) -> float:
            return max(float(v @ vector) for _, v in e.sentences())
        best = max(evidence, key=closeness)
        if best.n not in cited and closeness(best) >= NEAR_COPY:
            other = check(claim, vector, best.sentences())
            if other.supported:
                verdict = other
                checked = {"text": cite_at_end(claim.rstrip(" ."), f"[{best.n}]") + ".", "citations": [best.n],
                           "model_cited": cited}
    # A terse answer ("Bleeding [1].") shares no word with its question either: it is about the question when the
    # evidence it cites is
    near = max((evidence[n - 1].score for n in cited), default=0.0)
    if not words(claim) & (words(answer.standalone) - GENERIC) \
            and max(float(question @ vector), near) < ANOTHER_QUESTION:
        return {**checked, "not_shown": "answers another question"}
    if grafted := _grafted(claim, answer.standalone, evidence):
        said = ", ".join(f"'{w}'" for w in grafted)
        if verdict.score >= NEAR_COPY:
            return {**checked, "not_shown": f"puts the question's {said} into evidence that does not say it"}
        verdict = Support(False, verdict.score, f"the question's {said}, which no evidence mentions")
    # An abbreviation that neither the question nor any evidence has was made up: Qwen2.5-Coder-0.5B wrote "Patients
    # on a GFD had significantly more osteoporosis" of evidence on aromatase inhibitors (PubMedQA dev)
    if unknown := acronyms(claim) - acronyms(" ".join([answer.standalone, *(e.text for e in evidence)])):
        verdict = Support(False, verdict.score, f"{', '.join(sorted(unknown))}, which no evidence names")
    return {**checked, "supported": verdict.supported, "support": round(max(0.0, min(1.0, verdict.score)), 4),
            "reason": verdict.reason}


def _grafted(claim: str, question: str, evidence: list[Evidence]) -> list[str]:
    """The question's content words that the claim states and no evidence sentence has (in any form: the first five
    letters decide, so "infants" matches "infant")."""
    def stem(word: str) -> str:
        return word[:5]

    said = {stem(w) for e in evidence for w in words(e.text)}
    return sorted(w for w in (words(question) - GENERIC) & words(claim) if stem(w) not in said)
