"""Writing an answer: fit passages into the LLM's context, stream the reply, and resolve its citations.

Takes hits already retrieved and a chat model; returns text pieces as they come and, at the end, an
``Answer`` with citations that point only at passages the model was shown. When the model writes no [n]
at all, each answer sentence that repeats a passage nearly word for word is given that passage's number,
so a copied statement is never left without its source: the text gets those [n] marks, and the answer is
flagged as ``matched`` so that the UI can say the numbers were added after the fact.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..documents import Hit
from ..text import split_sentences, words
from .llm import ChatModel
from .prompts import NO_ANSWER, answer_messages, is_abstention, parse_citations, passage_block

# Tokens reserved for the chat template's own markup
TEMPLATE_TOKENS = 64


@dataclass
class Answer:
    """An answer with its citations, every passage shown to the model, and timings in milliseconds."""

    question: str
    answer: str = ""
    standalone: str = ""
    citations: list[int] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    matched: bool = False
    declined: bool = False

    @property
    def abstained(self) -> bool:
        return is_abstention(self.answer)

    def to_dict(self) -> dict:
        """The JSON shape of ``rag ask --json``, as documented in the README."""
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [{"n": n, **self.passages[n - 1].to_dict()} for n in self.citations],
            "passages": [hit.to_dict() for hit in self.passages],
            "timings": self.timings,
            "models": self.models,
            "citations_matched": self.matched,
            "declined": self.declined,
        }


def fit_passages(hits: list[Hit], question: str, llm: ChatModel, max_tokens: int) -> list[Hit]:
    """The leading hits whose prompt fits the context window with ``max_tokens`` left for the answer."""
    budget = llm.n_ctx - max_tokens - TEMPLATE_TOKENS
    budget -= sum(llm.count_tokens(m["content"]) for m in answer_messages(question, []))
    kept = []
    for n, hit in enumerate(hits, 1):
        cost = llm.count_tokens(passage_block(n, hit)) + 2
        if cost > budget:
            break
        kept.append(hit)
        budget -= cost
    return kept


def generate(answer: Answer, llm: ChatModel, max_tokens: int, temperature: float,
             clock: Callable[[], float] = time.perf_counter, ask: bool = True) -> Iterator[str]:
    """Stream the model's reply to ``answer.standalone`` from ``answer.passages``, then fill in the citations.

    With no passages, or ``ask`` false, the reply is the fixed no-answer phrase and the model is not called.
    """
    start = clock()
    if not answer.passages or not ask:
        answer.answer = NO_ANSWER
        yield NO_ANSWER
    else:
        text = ""
        for piece in llm.stream(answer_messages(answer.standalone, answer.passages), max_tokens, temperature):
            if not text:
                answer.timings["first_token_ms"] = round((clock() - start) * 1000, 1)
            text += piece
            yield piece
            # Small models can loop: stop at the first sentence that repeats an earlier one
            cut = _repeat_start(text)
            if cut is not None:
                text = text[:cut]
                break
        answer.answer = text.strip()
        answer.citations = parse_citations(answer.answer, len(answer.passages))
        if not answer.citations and not answer.abstained:
            answer.answer, answer.citations = attribute(answer.answer, answer.passages)
            answer.matched = bool(answer.citations)
    answer.timings.setdefault("first_token_ms", round((clock() - start) * 1000, 1))
    answer.timings["generate_ms"] = round((clock() - start) * 1000, 1)


def attribute(text: str, hits: list[Hit], threshold: float = 0.6) -> tuple[str, list[int]]:
    """Credit each answer sentence that repeats a passage (most of its words are in it) to that passage.

    Returns the text with [n] after each credited sentence, and the passage numbers in order of first use.
    """
    cited, out, last = [], [], 0
    passages = [words(hit.chunk.text) for hit in hits]
    for start, end in split_sentences(text):
        sentence, said = text[start:end], words(text[start:end])
        shares = [len(said & p) / len(said) for p in passages] if len(said) >= 4 else [0.0]
        best = max(range(len(shares)), key=shares.__getitem__)
        if shares[best] >= threshold:
            cited += [best + 1] if best + 1 not in cited else []
            match = re.match(r"(.*?)([.!?]*)$", sentence, re.S)
            sentence = f"{match.group(1)} [{best + 1}]{match.group(2)}"
        out += [text[last:start], sentence]
        last = end
    return "".join(out) + text[last:], cited


def _repeat_start(text: str) -> int | None:
    """Where a completed sentence that repeats an earlier one begins, if the text has one."""
    seen = set()
    for start, end in split_sentences(text)[:-1]:
        sentence = " ".join(text[start:end].split()).lower()
        if len(sentence) > 20 and sentence in seen:
            return start
        seen.add(sentence)
    return None
