"""What every kind of collection does the same way, whatever stores it: search, embed, remove a document; the
rule for a collection's name, its chunk ids, and the error for a collection a write holds.

A collection class (``rag.index.local.collection.Collection`` in folders, ``rag.index.postgres.collection.
PgCollection`` in PostgreSQL) provides ``manifest``, ``refresh``, ``_using`` (the current index, held for a search),
``writing`` (an index to change, under the write lock) and ``commit``; ``CollectionBase`` builds the rest on them.
"""

from __future__ import annotations

import re

from ..documents import Hit
from ..errors import CollectionError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


class CollectionBusy(CollectionError):
    """A write holds the collection's lock."""


def check_name(name: str) -> str:
    """A collection name, refused if it could escape the data folder or would not be a plain label."""
    if not isinstance(name, str) or not _NAME.match(name) or name.strip(". ") != name or ".." in name:
        raise CollectionError(f"Invalid collection name {name!r}: use 1-64 letters, digits, spaces, '.', '_' "
                              "or '-', starting with a letter or digit.")
    return name


def chunk_ids(doc_id: str, count: int) -> list[str]:
    return [f"{doc_id}-{i:04d}" for i in range(count)]


class CollectionBase:
    """Search, embed and document removal on top of a collection's own storage (a base class: the storage's own
    part is the subclass's)."""

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def documents(self) -> dict[str, dict]:
        """Document records by document id: source, title, file, sha256, chunks, pages, metadata, added."""
        return self.manifest["documents"]

    def search(self, query: str, k: int, mode: str, weight: float, filters=None) -> list[Hit]:
        """Best chunks of the current version (reloaded if another process wrote one), within ``filters`` if any."""
        self.refresh()
        documents = filters.select(self.documents) if filters else None
        with self._using() as index:
            return index.search(query, k, mode, weight, documents)

    def embed(self, texts: list[str]):
        """Unit vectors of ``texts`` with the collection's own embedding model."""
        with self._using() as index:
            return index.embed(texts)

    def remove_chunks(self, index, doc_id: str) -> None:
        """Delete a document's chunks from the index a write changes."""
        index.delete(chunk_ids(doc_id, self.documents[doc_id]["chunks"]))

    def remove_document(self, document: str) -> dict:
        """Remove a document, named by id, source or file name, as a new version; returns its record."""
        with self.writing() as index:
            docs = dict(self.documents)
            matches = [i for i, d in docs.items() if document in (i, d["source"], d.get("filename"))]
            if not matches:
                raise CollectionError(f"No document {document!r} in collection {self.name!r}.")
            for doc_id in matches:
                self.remove_chunks(index, doc_id)
            removed = [docs.pop(doc_id) for doc_id in matches][0]
            self.commit(index, docs, {})
        return removed
