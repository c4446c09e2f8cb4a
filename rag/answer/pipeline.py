"""One question through the answer stage: standalone rewrite, retrieval, the similarity gate, generation.

``AnswerStream`` is what ``Engine.ask`` returns: iterate it for the text as it is written; once iteration
ends, ``.answer`` holds the finished ``Answer`` with its passages, citations and timings. The collection and
the LLM come from a loader the engine passes in, so that opening them is timed as part of the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

from ..documents import Hit
from ..settings import Settings
from .generate import Answer, fit_passages, generate
from .llm import ChatModel
from .prompts import rewrite_messages


class Searchable(Protocol):
    """What answering needs of a collection: search, and the name of its embedding model."""

    model: object

    def search(self, query: str, k: int, mode: str, weight: float) -> list[Hit]: ...


def standalone(llm: ChatModel, question: str, history: list[tuple[str, str]]) -> str:
    """A follow-up question rewritten to stand alone (the question itself when there is no history).

    A rewrite that is empty, far too long, talks about "passages", or repeats the question unchanged is not
    trusted: the previous question is prepended instead, so the follow-up keeps its context.
    """
    if not history:
        return question
    text = "".join(llm.stream(rewrite_messages(history, question), 64, 0.0)).strip()
    text = text.splitlines()[0].strip(' "') if text else ""
    if 3 <= len(text) <= 3 * len(question) + 200 and "passage" not in text.lower():
        return text if text != question else f"{history[-1][0]} {question}"
    return f"{history[-1][0]} {question}"


class AnswerStream:
    """An answer being written: iterate for text pieces; ``answer`` is complete once iteration ends."""

    def __init__(self, load: Callable[[], tuple[Searchable, ChatModel, str]], question: str,
                 history: list[tuple[str, str]], settings: Settings):
        self.load, self.settings = load, settings
        self.answer, self.history = Answer(question=question), history

    def __iter__(self) -> Iterator[str]:
        settings, answer = self.settings, self.answer
        start = time.perf_counter()
        collection, llm, llm_name = self.load()
        answer.timings["load_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()
        answer.standalone = standalone(llm, answer.question, self.history)
        hits = collection.search(answer.standalone, settings.top_k, settings.mode, settings.hybrid_weight)
        closest = collection.search(answer.standalone, 1, "dense", 1.0) if settings.min_similarity > 0 else []
        answer.timings["retrieve_ms"] = round((time.perf_counter() - start) * 1000, 1)
        answer.passages = fit_passages(hits, answer.standalone, llm, settings.max_tokens)
        answer.models = {"embeddings": collection.model.name, "llm": llm_name}
        # Nothing in the collection is close to the question: say so rather than let the LLM improvise
        answer.declined = bool(closest) and closest[0].score < settings.min_similarity
        yield from generate(answer, llm, settings.max_tokens, settings.temperature, ask=not answer.declined)
        answer.timings["total_ms"] = round((time.perf_counter() - start) * 1000, 1)

    def run(self) -> Answer:
        """Consume the stream and return the finished answer."""
        for _ in self:
            pass
        return self.answer
