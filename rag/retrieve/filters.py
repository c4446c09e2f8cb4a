"""Restricting a search to some of a collection's documents: chosen by name, by year range, or by journal.

The filter becomes the set of document ids it admits, and the index searches only their passages (inside FAISS
and BM25, see ``rag.index.local.txtai_adapter``), so a filtered search returns the best passages of those
documents rather than what is left of the best passages overall. Year and journal come from the documents'
metadata (PubMed and JATS records carry both, and PDFs that print them: ``rag.load.pdfcite``); a document without
a year is left out by a year filter, one without a journal by a journal filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    documents: tuple[str, ...] = ()  # document ids, names as shown, or file names
    year_from: int | None = None
    year_to: int | None = None
    journal: str = ""  # a part of the journal's name, any case

    def __bool__(self) -> bool:
        return bool(self.documents or self.year_from or self.year_to or self.journal.strip())

    def select(self, documents: dict[str, dict]) -> set[str]:
        """The ids of the documents (a collection's document table) that the filter admits."""
        chosen = set()
        for doc_id, record in documents.items():
            meta = record.get("metadata") or {}
            if self.documents and not {doc_id, record.get("source"), record.get("filename")} & set(self.documents):
                continue
            year = _year(meta.get("year"))
            if (self.year_from or self.year_to) and (year is None or year < (self.year_from or year)
                                                     or year > (self.year_to or year)):
                continue
            if self.journal.strip() and self.journal.strip().lower() not in str(meta.get("journal") or "").lower():
                continue
            chosen.add(doc_id)
        return chosen

    def describe(self) -> str:
        """'documents a.pdf, b.pdf; years 2015-2020; journal "Lancet"', for messages."""
        parts = [f"documents {', '.join(self.documents)}"] if self.documents else []
        if self.year_from or self.year_to:
            parts.append(f"years {self.year_from or '…'}-{self.year_to or '…'}")
        if self.journal.strip():
            parts.append(f'journal "{self.journal.strip()}"')
        return "; ".join(parts)


class Filtered:
    """A collection seen through a filter: its searches cover the admitted documents only."""

    def __init__(self, collection, filters: Filters):
        self.collection, self.filters = collection, filters

    def search(self, query: str, k: int, mode: str, weight: float):
        return self.collection.search(query, k, mode, weight, self.filters)

    def __getattr__(self, name):
        return getattr(self.collection, name)


def _year(value) -> int | None:
    found = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(value or ""))
    return int(found.group(1)) if found else None
