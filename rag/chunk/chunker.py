"""Split documents into passages sized in the embedding model's own tokens.

Chunks break at sentence boundaries, never cross a section or a PDF page, and overlap by a few sentences
so that a statement cut at a boundary is still found whole. Each chunk keeps its document, title, page,
section and character offsets into ``Document.text``. Tokenizers are passed in; this module loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..documents import SECTION_SEPARATOR, Chunk, Document
from .backmatter import kinds, sentence_spans
from .frontmatter import FRONT_LIMIT, front_matter


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
    """Cut one document into chunks of at most ``settings.max_tokens`` tokens, each of one kind of text.

    A chunk holds body text or another kind (references, front matter, declarations...: see ``backmatter``), never
    both. The front matter that a PDF's text runs into the abstract is cut off where the abstract begins.
    """
    chunks, offset, after_references = [], 0, False
    body = front_matter(doc.text[:FRONT_LIMIT])  # where the body begins, in the document's text
    for section in doc.sections:
        pieces, after_references = _pieces(section.text, tokenizer, settings.max_tokens, after_references,
                                            front=body - offset, title=doc.title)
        for start, end, kind in _pack(pieces, settings):
            chunks.append(Chunk(
                id=f"{doc_id}-{len(chunks):04d}", document=doc.source, text=section.text[start:end], title=doc.title,
                page=section.page, section=section.heading, start=offset + start, end=offset + end, doc_id=doc_id,
                kind=kind,
            ))
        offset += len(section.text) + len(SECTION_SEPARATOR)
    return chunks


def _pack(pieces: list[tuple[int, int, int, str]], settings: ChunkSettings) -> list[tuple[int, int, str]]:
    """Group sentences into spans of at most max_tokens and one kind, consecutive spans sharing ~overlap tokens."""
    spans, i = [], 0
    while i < len(pieces):
        # Take sentences of the same kind while they fit
        j, total, kind = i, 0, pieces[i][3]
        while j < len(pieces) and pieces[j][3] == kind and (j == i or total + pieces[j][2] <= settings.max_tokens):
            total += pieces[j][2]
            j += 1
        spans.append((pieces[i][0], pieces[j - 1][1], kind))
        if j >= len(pieces):
            break
        if pieces[j][3] != kind:
            i = j
            continue

        # Start the next chunk with the last sentences of this one that fit in the overlap
        back, shared = j, 0
        while back - 1 > i and shared + pieces[back - 1][2] <= settings.overlap:
            back -= 1
            shared += pieces[back][2]
        i = back
    return spans


def _pieces(text: str, tokenizer: Tokenizer, limit: int, after_references: bool, front: int = 0,
            title: str = "") -> tuple[list[tuple[int, int, int, str]], bool]:
    """Sentences as (start, end, tokens, kind), those before offset ``front`` front matter; a sentence longer than
    ``limit`` is cut into token windows."""
    sentences, leading = sentence_spans(text, front)
    counts = tokenizer.count([text[a:b] for a, b in sentences]) if sentences else []
    found, after_references = kinds([text[a:b] for a, b in sentences], after_references, front=leading,
                                    title=title)
    pieces = []
    for (start, end), count, kind in zip(sentences, counts, found, strict=True):
        if count <= limit:
            pieces.append((start, end, count, kind))
            continue
        # Cut into equal windows (not full ones and a stub) so no window is a fragment of a few tokens
        tokens = tokenizer.spans(text[start:end])
        size = -(-len(tokens) // -(-len(tokens) // limit))
        for k in range(0, len(tokens), size):
            window = tokens[k:k + size]
            pieces.append((start + window[0][0], start + window[-1][1], len(window), kind))
    return pieces, after_references
