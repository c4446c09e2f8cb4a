"""A collection in PostgreSQL: the same operations as a folder's ``Collection``, on the tables of ``storage``.

A write opens its own connection and transaction and holds the collection's row lock from ``writing`` to
``commit``: the passages it inserts, the originals it stores and the new manifest become visible together at the
commit, or, if anything fails or the process dies, not at all (PostgreSQL rolls the transaction back). A write
that waited for another's lock starts from what that one committed, so two servers adding documents to one
collection at once lose nothing. Searches run on a reader connection and see the last committed version; before
each one the version number is checked, so a server sees another's documents on its next question.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from ...errors import CollectionError
from ...models import ModelInfo
from ..base import CollectionBase
from ..threshold import off_topic_floor
from .database import lost
from .index import PgIndex


class PgCollection(CollectionBase):
    """One collection of a PostgreSQL database, opened with the embedding model it was built with."""

    backend = "postgresql"

    def __init__(self, database, name: str, model: ModelInfo, models: dict,
                 resolve: Callable[[dict], ModelInfo] | None = None):
        self.database, self.model, self.models, self.resolve = database, model, models, resolve
        self.write_lock = threading.Lock()
        self._reading = threading.RLock()  # one search at a time on the reader connection
        self.connection = database.connect()
        row = self.connection.execute("SELECT id, version, passages, manifest FROM rag_collections WHERE name = %s",
                                      (name,)).fetchone()
        if row is None:
            raise CollectionError(f"No collection named {name!r}.")
        self.id = row[0]
        self.manifest, self.table = {**row[3], "version": row[1]}, row[2]
        self.index = PgIndex(model, models, self.connection, self.table)

    def search(self, query: str, k: int, mode: str, weight: float, filters=None):
        """As ``CollectionBase.search``, tried once more on a new connection if the server dropped this one (a restart),
        and once more after the table it searched was replaced by another server's re-index."""
        import psycopg

        for attempt in (1, 2):
            try:
                return super().search(query, k, mode, weight, filters)
            except psycopg.errors.UndefinedTable:
                if attempt == 2:
                    raise CollectionError(f"The passages of collection {self.name!r} are missing from the database "
                                          f"(table {self.table}); delete the collection and add its files again."
                                          ) from None
            except psycopg.OperationalError as error:
                if attempt == 2:
                    raise lost(self.database.url, error) from None

    def refresh(self) -> None:
        """Pick up a version another server (or process) committed."""
        with self._reading:
            self._reconnect()
            row = self.connection.execute("SELECT version FROM rag_collections WHERE id = %s", (self.id,)).fetchone()
            if row is None:
                raise CollectionError(f"Collection {self.manifest['name']!r} was deleted.")
            if row[0] != self.manifest["version"]:
                self._take(self.connection.execute("SELECT version, passages, manifest FROM rag_collections "
                                                   "WHERE id = %s", (self.id,)).fetchone())

    @contextmanager
    def _write(self):
        """The write lock and a connection whose transaction holds the collection's row lock, with the collection's
        passages table then (None before the first write). Rolled back unless committed."""
        import psycopg

        with self.write_lock:
            connection = self.database.connect(autocommit=False)
            try:
                yield connection, self._lock(connection)[1]
            except psycopg.OperationalError as error:
                raise lost(self.database.url, error, " during a write", ". Nothing of it is in the collection, unless "
                           "the commit itself was cut off; do it again (files already in are skipped).") from None
            finally:
                _end(connection)

    @contextmanager
    def writing(self):
        """Serialize a write across threads, processes and servers; yields the index to change, inside the
        write's transaction (``commit`` commits it; anything else rolls it back)."""
        with self._write() as (connection, table):
            index = PgIndex(self.model, self.models, connection, table)
            try:
                if table is None:
                    index.create(self._table_name(connection))
                yield index
            finally:
                index.close()

    def commit(self, index: PgIndex, documents: dict[str, dict], files: dict[str, bytes],
               changes: dict | None = None) -> None:
        """Store ``files`` and commit ``index``'s passages with ``documents`` as the next version, in the write's
        transaction (call inside ``writing`` or ``rebuild``)."""
        from psycopg.types.json import Jsonb

        connection, version = index.connection, self.manifest["version"] + 1
        manifest = {**self.manifest, "version": version, "index": index.table, "documents": documents,
                    "updated": time.time(), "ann": index.ann(), "off_topic_floor": off_topic_floor(index),
                    **(changes or {})}
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO rag_files (collection, name, data) VALUES (%s, %s, %s) "
                               "ON CONFLICT DO NOTHING", [(self.id, name, data) for name, data in files.items()])
            cursor.execute("DELETE FROM rag_files WHERE collection = %s AND NOT name = ANY(%s)",
                           (self.id, sorted({d.get("file") for d in documents.values()})))
            cursor.execute("UPDATE rag_collections SET version = %s, passages = %s, manifest = %s WHERE id = %s",
                           (version, index.table, Jsonb(manifest), self.id))
        connection.commit()
        with self._reading:
            self._take((version, index.table, manifest))

    def rebuild(self, model: ModelInfo, chunking: dict, build: Callable[[PgIndex], dict[str, dict]]) -> None:
        """Fill a new passages table in ``model`` with ``build`` (which returns the document table) and commit it
        in place of the old one, which is dropped in the same transaction."""
        with self._write() as (connection, old):
            index = PgIndex(model, self.models, connection, None)
            try:
                index.create(self._table_name(connection))
                documents = build(index)
                if old:
                    connection.execute(f"DROP TABLE IF EXISTS {old}")
                self.commit(index, documents, {}, {"embeddings": {"name": model.name, "maxlength": model.maxlength},
                                                   "chunking": chunking})
            finally:
                index.close()

    def read_file(self, stored: str) -> bytes:
        """The content of a stored original (``record["file"]``); OSError if it is not stored."""
        with self._reading:
            self._reconnect()
            row = self.connection.execute("SELECT data FROM rag_files WHERE collection = %s AND name = %s",
                                          (self.id, stored)).fetchone()
        if row is None:
            raise FileNotFoundError(f"{stored} is not stored in the database")
        return bytes(row[0])

    def close(self) -> None:
        with self._reading:
            self.index.close()
            self.connection.close()

    @contextmanager
    def _using(self):
        with self._reading:
            self._reconnect()
            yield self.index

    def _lock(self, connection) -> tuple:
        """Take the collection's row lock in ``connection``'s transaction and the version it holds."""
        row = connection.execute("SELECT version, passages, manifest FROM rag_collections WHERE id = %s FOR UPDATE",
                                 (self.id,)).fetchone()
        if row is None:
            raise CollectionError(f"Collection {self.manifest['name']!r} was deleted.")
        with self._reading:
            self._take(row)
        return row

    def _take(self, row: tuple) -> None:
        """Make ``row`` (version, passages table, manifest) the one searched; call holding ``_reading``."""
        version, table, manifest = row
        if manifest["embeddings"]["name"] != self.model.name:  # re-indexed with another model meanwhile
            if self.resolve is None:
                raise CollectionError(f"Collection {manifest['name']!r} was re-indexed with another embedding model.")
            self.model = self.resolve(manifest)
        if table != self.table or self.index.model is not self.model:
            self.index.close()
            self.index = PgIndex(self.model, self.models, self.connection, table)
        elif version != self.manifest["version"]:
            self.index.bm25.forget()  # passages came or went: term counts and lengths are counted again
        self.manifest, self.table = {**manifest, "version": version}, table

    def _table_name(self, connection) -> str:
        """A new passages table's name: the collection's id and a number the database never gives twice."""
        return f"rag_p{self.id}_{connection.execute('SELECT nextval(%s)', ('rag_tables',)).fetchone()[0]}"

    def _reconnect(self) -> None:
        """A new reader connection if the old one broke (the server restarted, say); call holding ``_reading``."""
        if self.connection.broken or self.connection.closed:
            self.connection = self.database.connect()
            self.index.connection = self.connection


def _end(connection) -> None:
    """Close a write's connection, rolling back what it did not commit (on a lost connection, the server has)."""
    if not connection.broken:
        connection.rollback()
    connection.close()
