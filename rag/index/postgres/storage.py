"""Collections in a PostgreSQL database with pgvector (``RAG_DATABASE_URL``), for several app servers sharing them.

Tables: ``rag_collections`` (one row per collection: its manifest as ``jsonb``, the same document as a folder's
``collection.json``, with its version and the name of its passages table), ``rag_files`` (the uploaded
originals) and a passages table per collection (``rag.index.postgres.index``). Every write is one transaction that
holds the collection's row lock (``SELECT ... FOR UPDATE``): writers on any server take turns, and each sees what
the one before it committed; readers are never blocked and see the last committed version.

Connections and the URL: ``rag.index.postgres.database``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ...errors import CollectionError
from ...models import ModelInfo
from ..base import CollectionBusy, check_name
from .database import Database, lost, masked

LISTING = ("SELECT manifest->>'name', manifest->'embeddings'->>'name', (manifest->>'updated')::float, "
           "manifest->'ann', (SELECT count(*) FROM jsonb_object_keys(manifest->'documents')), "
           "(SELECT coalesce(sum((d->>'chunks')::int), 0) FROM jsonb_each(manifest->'documents') AS e (k, d)) "
           "FROM rag_collections ORDER BY name")


class PostgresStorage:
    """Collections as rows and tables of one PostgreSQL database (see the module's docstring)."""

    where = "postgresql"

    def __init__(self, url: str):
        self.database = Database(url)
        self._connection, self._lock = None, threading.Lock()

    def _run(self, work):
        """``work(connection)`` on the storage's own connection (opened once, one caller at a time: listing the
        collections on every page of the app costs a query, not a connection), tried once more on a new
        connection if the server dropped the old one."""
        with self._lock:
            if self._connection is None:
                self._connection = self.database.connect()  # says so if psycopg is not installed
            import psycopg

            for attempt in (1, 2):
                if self._connection is None or self._connection.broken or self._connection.closed:
                    self._connection = self.database.connect()
                try:
                    return work(self._connection)
                except psycopg.OperationalError as error:
                    if attempt == 2:
                        raise lost(self.database.url, error) from None

    def describe(self) -> str:
        return f"PostgreSQL at {masked(self.database.url)}"

    def list(self) -> list[dict]:
        rows = self._run(lambda connection: connection.execute(LISTING).fetchall())
        return [{"name": n, "documents": d, "chunks": c, "embeddings": e, "updated": u, "index": a or {"kind": "exact"}}
                for n, e, u, a, d, c in rows]

    def exists(self, name: str) -> bool:
        return self._run(lambda connection: connection.execute(
            "SELECT 1 FROM rag_collections WHERE name = %s", (check_name(name),)).fetchone()) is not None

    def create(self, name: str, model: ModelInfo, chunking: dict) -> None:
        """Add an empty collection (nothing happens if another server created it meanwhile)."""
        import time

        from psycopg.types.json import Jsonb

        manifest = {"name": check_name(name), "created": time.time(), "updated": time.time(), "version": 0,
                    "index": None, "embeddings": {"name": model.name, "maxlength": model.maxlength},
                    "chunking": chunking, "documents": {}}
        self._run(lambda connection: connection.execute(
            "INSERT INTO rag_collections (name, manifest) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (name, Jsonb(manifest))))

    def manifest(self, name: str) -> dict:
        row = self._run(lambda connection: connection.execute(
            "SELECT manifest FROM rag_collections WHERE name = %s", (check_name(name),)).fetchone())
        if row is None:
            raise CollectionError(f"No collection named {name!r}.")
        return row[0]

    def open(self, name: str, model: ModelInfo, models: dict, resolve: Callable[[dict], ModelInfo]):
        from .collection import PgCollection

        return PgCollection(self.database, check_name(name), model, models, resolve)

    def scratch(self, model: ModelInfo, models: dict):
        """An empty passages table in ``model`` (for an evaluation) inside a transaction that is never committed:
        closing the index rolls it back, and a crash leaves nothing in the database either."""
        from .index import PgIndex

        index = PgIndex(model, models, self.database.connect(autocommit=False), None, owns_connection=True)
        index.create("rag_scratch", temporary=True)
        return index

    def delete(self, name: str, collection=None) -> None:
        """Delete a collection, its files and its passages table in one transaction; refused while a write holds
        it (here or on another server)."""
        import psycopg


        if collection is not None and not collection.write_lock.acquire(blocking=False):
            raise CollectionBusy(f"Collection {name!r} is being written to (documents are being added or removed); "
                                 "try again when that has finished.")
        try:
            with self.database.connect(autocommit=False) as connection:
                try:
                    row = connection.execute("SELECT id, passages FROM rag_collections WHERE name = %s FOR UPDATE "
                                             "NOWAIT", (check_name(name),)).fetchone()
                except psycopg.errors.LockNotAvailable:
                    raise CollectionBusy(f"Collection {name!r} is being written to (documents are being added or "
                                         "removed); try again when that has finished.") from None
                if row is None:
                    raise CollectionError(f"No collection named {name!r}.")
                connection.execute("DELETE FROM rag_collections WHERE id = %s", (row[0],))
                if row[1]:
                    connection.execute(f"DROP TABLE IF EXISTS {row[1]}")
                connection.commit()
        finally:
            if collection is not None:
                collection.write_lock.release()
