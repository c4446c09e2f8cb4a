"""One question through the answer stage: standalone rewrite, retrieval, the similarity gate, evidence, generation.

``AnswerStream`` is what ``Engine.ask`` returns. ``prepare()`` retrieves and selects the evidence (so that a
UI can show it at once); iterating writes the answer, a checked sentence at a time; once iteration ends,
``.answer`` holds the finished ``Answer``; ``waiting``, when set, hears the question's place in line while the
shared model answers others first. The collection and the LLM come from a loader the engine passes in,
so that opening them is timed as part of the answer. An LLM server that fails (``LLMServerError``) fails the answer,
not the evidence: a follow-up it could not rewrite is searched with the question before it, and the error is raised
where the answer would have begun, after the evidence was selected.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from ..documents import Hit
from ..errors import LLMServerError
from ..models import by_repo
from ..settings import Settings
from ..text import words
from . import evidence
from .fairlock import Waiting
from .generate import Answer, generate
from .llm import ChatModel
from .prompts import rewrite_messages
from .sentences import GENERIC

REFERENCE = ("doi", "pmid", "journal", "year", "authors")  # what a document's metadata may say of its source
FALLBACK_FLOOR = 0.3  # a collection committed before floors were derived, with a model not in the catalogue

_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those)\b", re.I)
# "the trial", "the same patients": a follow-up that points back at the last turn's paper without a pronoun
_POINTS_BACK = re.compile(r"\bthe (?:study|studies|trial|trials|paper|article|review|authors|cohort|participants|"
                          r"same|above|former|latter|previous)\b|\b(?:above|aforementioned)\b", re.I)


class Searchable(Protocol):
    """What answering needs of a collection: search, embeddings with its own model, that model, its manifest, its
    name (``rag.retrieve.merge.MultiCollectionSearch`` offers the same for several, and ``parts``)."""

    name: str
    model: object
    manifest: dict

    def search(self, query: str, k: int, mode: str, weight: float) -> list[Hit]: ...

    def embed(self, texts: list[str]): ...


def standalone(llm: ChatModel, question: str, history: list[tuple[str, str]], waiting: Waiting | None = None) -> str:
    """A follow-up question rewritten to stand alone (the question itself when there is no history).

    The rewrite is kept only when it is still this question: see ``rewrite_kept``. Otherwise the previous question
    is prepended to the follow-up, so it keeps its context. ``waiting`` hears the place in line for the model.
    """
    if not history or stands_alone(question):
        return question
    fallback = with_previous(question, history)
    text = "".join(llm.stream(rewrite_messages(history, question), 64, 0.0, waiting=waiting)).strip()
    text = text.splitlines()[0].strip(' "') if text else ""
    return text if rewrite_kept(text, question, history[-1]) else fallback


# A follow-up that goes on from the last turn by its first words: "And in children?", "What about the cost?"
_GOES_ON = re.compile(r"^\s*(?:and|but|also|so|then|what about|how about)\b", re.I)
SELF_CONTAINED = 4  # content words from which a follow-up without a pronoun is taken to name its own subject


def stands_alone(question: str) -> bool:
    """Whether a follow-up names its own subject, so that rewriting it (an LLM call of a second or more before the
    evidence can be searched) adds nothing: no pronoun ("they", "it", "this"), no opening that goes on from the last
    turn ("And ...", "What about ..."), no "the trial" or "the same" pointing back at the last turn's paper, and
    at least ``SELF_CONTAINED`` content words ("Which programs does VESPA use for selective pressure analyses?",
    not "What dose was used?")."""
    return (len(words(question) - GENERIC) >= SELF_CONTAINED and not _PRONOUN.search(question)
            and not _POINTS_BACK.search(question) and not _GOES_ON.match(question))


def with_previous(question: str, history: list[tuple[str, str]]) -> str:
    """A follow-up searched with the question before it, when it was not rewritten to stand alone."""
    return f"{history[-1][0]} {question}"


_QUESTION_WORD = re.compile(r"^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|"
                            r"could|should|will|would|has|have|had|may|might|must|in|among|for|to)\b", re.I)


def rewrite_kept(text: str, question: str, last: tuple[str, str]) -> bool:
    """Whether a rewritten follow-up can stand for ``question`` after the turn ``last`` (question, answer).

    Refused: an empty or far too long rewrite; one that talks about "passages"; the question unchanged; one that
    is not a question; one that keeps under half of the follow-up's own words; one made mostly of the previous
    answer's words (SmolLM2 answered "How often did they cause complications?" with the previous answer's first
    sentence); one that drops a pronoun without naming anything from the last turn.
    """
    if not 3 <= len(text) <= 3 * len(question) + 200 or "passage" in text.lower() or text == question:
        return False
    if not (text.rstrip().endswith("?") or _QUESTION_WORD.match(text)):
        return False
    own, said = words(question) - GENERIC, words(text)
    if own and len(own & said) < len(own) / 2:
        return False
    answered = words(last[1]) - words(last[0]) - words(question)
    if said and len(said & answered) > len(said) / 2:
        return False
    # "they", "it", "this" must have been replaced by something the conversation talked about
    return not (_PRONOUN.search(question) and not (said - words(question)) & words(" ".join(last)))


class AnswerStream:
    """An answer being written: iterate for text pieces; ``answer`` is complete once iteration ends."""

    def __init__(self, load: Callable[[], tuple[Searchable, ChatModel, str]], question: str,
                 history: list[tuple[str, str]], settings: Settings):
        self.load, self.settings = load, settings
        self.answer, self.history = Answer(question=question), history
        self._loaded: tuple | None = None
        self.failed: LLMServerError | None = None  # the LLM server failed the rewrite: the answer is not asked
        # Told this question's place in line while the shared model answers others first (a follow-up's rewrite,
        # then its answer): a page sets it to show the wait, and may raise from it to give up the place
        self.waiting: Waiting | None = None

    def prepare(self) -> Answer:
        """Open the collection and the LLM, rewrite a follow-up, retrieve, and select the evidence (once)."""
        settings, answer = self.settings, self.answer
        if self._loaded is not None:
            return answer
        start = time.perf_counter()
        self._loaded = collection, llm, llm_name = self.load()
        answer.timings["load_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()
        try:
            answer.standalone = standalone(llm, answer.question, self.history, self.waiting)
        except LLMServerError as error:
            answer.standalone, self.failed = with_previous(answer.question, self.history), error
        answer.passages = collection.search(answer.standalone, settings.top_k, settings.mode, settings.hybrid_weight)
        parts = getattr(collection, "parts", [collection])  # the collections asked (several: ``rag.retrieve.merge``)
        # Nothing in any collection is close to the question: say so rather than let the LLM improvise
        answer.declined = all(below_floor(part, answer.standalone, settings.min_similarity) for part in parts)
        answer.timings["retrieve_ms"] = round((time.perf_counter() - start) * 1000, 1)
        answer.collections = [part.name for part in parts]
        answer.models = {"embeddings": ", ".join(dict.fromkeys(part.model.name for part in parts)), "llm": llm_name}
        answer.references = references(collection.manifest.get("documents", {}), answer.passages)
        start = time.perf_counter()
        answer.evidence = evidence.select(answer.standalone, answer.passages, collection.embed, settings.evidence)
        answer.timings["evidence_ms"] = round((time.perf_counter() - start) * 1000, 1)
        return answer

    def __iter__(self) -> Iterator[str]:
        started = time.perf_counter()
        answer = self.prepare()
        collection, llm, llm_name = self._loaded
        settings = self.settings
        if self.failed is not None and answer.evidence and not answer.declined:
            raise self.failed  # the server that just failed is not asked again within the same question
        yield from generate(answer, llm, collection.embed, settings.max_tokens, settings.temperature, llm_name,
                            ask=not answer.declined, waiting=self.waiting)
        answer.timings["total_ms"] = round(answer.timings["retrieve_ms"] + answer.timings["evidence_ms"]
                                           + (time.perf_counter() - started) * 1000, 1)

    def run(self) -> Answer:
        """Consume the stream and return the finished answer."""
        for _ in self:
            pass
        return self.answer


def below_floor(collection, question: str, setting: str | float) -> bool:
    """Whether the collection's closest passage to the question is below its similarity floor (False when the
    floor is 0 or there is no passage to compare). Each collection is judged on its own model's scale."""
    floor = similarity_floor(setting, collection)
    closest = collection.search(question, 1, "dense", 1.0) if floor > 0 else []
    return bool(closest) and closest[0].score < floor


def similarity_floor(setting: str | float, collection) -> float:
    """The cosine under which a question is declined: RAG_MIN_SIMILARITY, or for "auto" the value measured for the
    collection's embedding model, else the one its last commit derived (see ``rag.index.threshold``)."""
    if setting != "auto":
        return float(setting)
    item = by_repo(collection.model.name)
    if item is not None and item.min_similarity:
        return item.min_similarity
    return collection.manifest.get("off_topic_floor") or FALLBACK_FLOOR


def references(documents: dict, hits: list[Hit]) -> dict:
    """The reference of each document the hits come from: title, and DOI, PMID, journal, year, authors where the
    document has them (PubMed records, PDFs that print a DOI)."""
    found = {}
    for hit in hits:
        record = documents.get(hit.chunk.doc_id) or {}
        meta = record.get("metadata") or {}
        found[hit.chunk.document] = {"title": record.get("title") or hit.chunk.title,
                                     **{k: meta[k] for k in REFERENCE if meta.get(k)}}
    return found
