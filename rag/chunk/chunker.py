"""Split documents into passages sized in the embedding model's own tokens.

Chunks break at sentence boundaries, never cross a section or a PDF page, and overlap by a few sentences
so that a statement cut at a boundary is still found whole. Each chunk keeps its document, title, page,
section and character offsets into ``Document.text``. Tokenizers are passed in; this module loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..documents import SECTION_SEPARATOR, Chunk, Document
from ..text import split_sentences


class Tokenizer(Protocol):
    """What the chunker needs of a tokenizer: token counts and token character spans."""

    def count(self, texts: list[str]) -> list[int]: ...

    def spans(self, text: str) -> list[tuple[int, int]]: ...


@dataclass(frozen=True)
class ChunkSettings:
    """Chunk size and overlap in tokens; ``max_tokens`` already capped to the model's maximum length."""

    max_tokens: int = 254
    overlap: int = 32


def chunk_document(doc: Document, doc_id: str, tokenizer: Tokenizer, settings: ChunkSettings) -> list[Chunk]:
    """Cut one document into chunks of at most ``settings.max_tokens`` tokens."""
    chunks, offset = [], 0
    for section in doc.sections:
        for start, end in _pack(section.text, tokenizer, settings):
            chunks.append(Chunk(
                id=f"{doc_id}-{len(chunks):04d}", document=doc.source, text=section.text[start:end], title=doc.title,
                page=section.page, section=section.heading, start=offset + start, end=offset + end, doc_id=doc_id,
            ))
        offset += len(section.text) + len(SECTION_SEPARATOR)
    return chunks


def _pack(text: str, tokenizer: Tokenizer, settings: ChunkSettings) -> list[tuple[int, int]]:
    """Group a section's sentences into spans of at most max_tokens, consecutive spans sharing ~overlap tokens."""
    pieces = _pieces(text, tokenizer, settings.max_tokens)
    spans, i = [], 0
    while i < len(pieces):
        # Take sentences while they fit
        j, total = i, 0
        while j < len(pieces) and (j == i or total + pieces[j][2] <= settings.max_tokens):
            total += pieces[j][2]
            j += 1
        spans.append((pieces[i][0], pieces[j - 1][1]))
        if j >= len(pieces):
            break

        # Start the next chunk with the last sentences of this one that fit in the overlap
        back, shared = j, 0
        while back - 1 > i and shared + pieces[back - 1][2] <= settings.overlap:
            back -= 1
            shared += pieces[back][2]
        i = back
    return spans


def _pieces(text: str, tokenizer: Tokenizer, limit: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens); a sentence longer than ``limit`` is cut into token windows."""
    sentences = split_sentences(text)
    counts = tokenizer.count([text[a:b] for a, b in sentences]) if sentences else []
    pieces = []
    for (start, end), count in zip(sentences, counts, strict=True):
        if count <= limit:
            pieces.append((start, end, count))
            continue
        # Cut into equal windows (not full ones and a stub) so no window is a fragment of a few tokens
        tokens = tokenizer.spans(text[start:end])
        size = -(-len(tokens) // -(-len(tokens) // limit))
        for k in range(0, len(tokens), size):
            window = tokens[k:k + size]
            pieces.append((start + window[0][0], start + window[-1][1], len(window)))
    return pieces
