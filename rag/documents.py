"""The data that flows through the pipeline: documents, their sections, and chunks.

Loaders produce ``Document`` objects; the chunker turns them into ``Chunk`` objects; the index stores
chunks and returns ``Hit`` objects. Plain dataclasses, no behaviour beyond small derived values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Section:
    """A run of text at one place in a document: a PDF page, or a part under one heading."""

    text: str
    page: int | None = None
    heading: str | None = None


@dataclass
class Document:
    """One logical document: a file, or one article of a PubMed export.

    ``source`` is what the user sees as the document's name: the file name, or the PMID of a PubMed record.
    ``metadata`` holds what the format offers (pmid, journal, year, authors, doi).
    """

    source: str
    title: str
    sections: list[Section]
    metadata: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The document's text: sections joined by blank lines (chunk offsets point into this)."""
        return SECTION_SEPARATOR.join(section.text for section in self.sections)

    @property
    def id(self) -> str:
        """The document's id in a collection: the first 16 hex digits of the SHA-256 of its text."""
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# Joins sections into the document text; chunk offsets count it
SECTION_SEPARATOR = "\n\n"


@dataclass
class Chunk:
    """A passage of a document, sized for the embedding model, with where it came from."""

    id: str
    document: str
    text: str
    title: str = ""
    page: int | None = None
    section: str | None = None
    start: int = 0
    end: int = 0
    doc_id: str = ""
    kind: str = "body"
    collection: str = ""  # the collection it was found in, set by a search (``rag.retrieve.merge``)


@dataclass
class Hit:
    """A retrieved chunk with its score."""

    chunk: Chunk
    score: float

    def to_dict(self) -> dict:
        """The JSON shape of a hit, as documented in docs/answers.md (``rag search --json``)."""
        return {
            "collection": self.chunk.collection,
            "document": self.chunk.document,
            "page": self.chunk.page,
            "chunk_id": self.chunk.id,
            "text": self.chunk.text,
            "score": round(float(self.score), 4),
        }
