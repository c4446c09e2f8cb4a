"""Test doubles: a whitespace tokenizer and a scripted chat model, for fast unit tests of logic."""

from __future__ import annotations

import re
from collections.abc import Iterator


class WordTokenizer:
    """Counts words as tokens."""

    def count(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]


class ScriptedLLM:
    """Replies with the given texts in turn (the last one repeats); one token per word."""

    def __init__(self, *replies: str, n_ctx: int = 2048):
        self.replies, self.n_ctx, self.calls = list(replies), n_ctx, []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]:
        self.calls.append(messages)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        yield from re.findall(r"\S+\s*", reply)
