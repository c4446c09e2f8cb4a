"""Test doubles: a whitespace tokenizer, a scripted chat model, a hashing embedder and a one-passage collection, for
fast unit tests of logic."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

import numpy as np

from rag.answer.pipeline import AnswerStream
from rag.documents import Chunk, Hit
from rag.settings import Settings


class WordTokenizer:
    """Counts words as tokens."""

    def count(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]


class ScriptedLLM:
    """Replies with the given texts in turn (the last one repeats); one token per word."""

    def __init__(self, *replies: str, n_ctx: int = 2048):
        self.replies, self.n_ctx, self.calls, self.grammars = list(replies), n_ctx, [], []
        self.streaming = 0  # streams started and not yet finished or closed (the real model holds its lock)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               grammar: str | None = None, waiting=None) -> Iterator[str]:
        self.calls.append(messages)
        self.grammars.append(grammar)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        self.streaming += 1
        try:
            yield from re.findall(r"\S+\s*", reply)
        finally:
            self.streaming -= 1


class HashEmbed:
    """Embeds texts as unit bags of lower-cased words hashed (crc32) into ``dims`` dimensions: deterministic,
    and texts sharing words have a high cosine. For fast logic tests only; it knows nothing of meaning."""

    def __init__(self, dims: int = 512):
        self.dims, self.calls = dims, []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        vectors = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                vectors[row, zlib.crc32(word.encode("utf-8")) % self.dims] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


def evidence_stream(llm, history=()) -> AnswerStream:
    """An answer from one evidence sentence about heparin, asked of ``llm``."""
    embed = HashEmbed()
    text = "Heparin prevents deep venous thrombosis in trauma patients."
    hit = Hit(Chunk(id="d-0000", document="heparin.pdf", text=text, page=1), 0.9)

    class Collection:
        name, manifest, parts = "c", {"documents": {}}, []
        model = type("Model", (), {"name": "hash"})()

        def search(self, query, k, mode, weight):
            return [hit]

        def embed(self, texts):
            return embed(texts)

    collection = Collection()
    collection.parts = [collection]
    stream = AnswerStream(lambda: (collection, llm, "fake-model"), "What does heparin prevent?", list(history),
                          Settings.from_env(min_similarity="0"))
    return stream
