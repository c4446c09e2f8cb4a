"""Collections in a PostgreSQL database with pgvector (``RAG_DATABASE_URL``), for several app servers sharing them.

Tables: ``rag_collections`` (one row per collection: its manifest as ``jsonb``, the same document as a folder's
``collection.json``, with its version and the name of its passages table), ``rag_files`` (the uploaded
originals) and a passages table per collection (``rag.index.postgres``). Every write is one transaction that
holds the collection's row lock (``SELECT ... FOR UPDATE``): writers on any server take turns, and each sees what
the one before it committed; readers are never blocked and see the last committed version.

The URL is a libpq one (``postgresql://user:password@host:5432/dbname``); SQLAlchemy's ``postgresql+psycopg://``
form is accepted too. The database needs the ``vector`` extension (pgvector) available; the schema is created on
first use. The password never appears in a message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import CollectionError, ConfigError
from ..models import ModelInfo
from .shelf import check_name

SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "CREATE TABLE IF NOT EXISTS rag_collections (id bigserial PRIMARY KEY, name text UNIQUE NOT NULL, "
    "version bigint NOT NULL DEFAULT 0, passages text, manifest jsonb NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rag_files (collection bigint NOT NULL REFERENCES rag_collections (id) "
    "ON DELETE CASCADE, name text NOT NULL, data bytea NOT NULL, PRIMARY KEY (collection, name))",
    "CREATE SEQUENCE IF NOT EXISTS rag_tables",
]
LISTING = ("SELECT manifest->>'name', manifest->'embeddings'->>'name', (manifest->>'updated')::float, "
           "manifest->'ann', (SELECT count(*) FROM jsonb_object_keys(manifest->'documents')), "
           "(SELECT coalesce(sum((d->>'chunks')::int), 0) FROM jsonb_each(manifest->'documents') AS e (k, d)) "
           "FROM rag_collections ORDER BY name")


class DatabaseError(ConfigError):
    """The database cannot be reached or used."""


def masked(url: str) -> str:
    """The URL with its password replaced by ***, for messages."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


class Database:
    """Connections to the database at ``url``, each with pgvector's types registered."""

    def __init__(self, url: str):
        self.url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url.strip())
        self._ready = False

    def connect(self, autocommit: bool = True):
        try:
            import psycopg
            from pgvector.psycopg import register_vector
        except ImportError:
            raise DatabaseError("RAG_DATABASE_URL is set, but the PostgreSQL client is not installed: "
                                "pip install 'biorag[postgres]' (or unset RAG_DATABASE_URL to keep collections in "
                                "folders).") from None

        try:
            connection = psycopg.connect(self.url, autocommit=autocommit, connect_timeout=10)
        except psycopg.Error as error:
            raise DatabaseError(f"Cannot connect to the database at RAG_DATABASE_URL={masked(self.url)}: "
                                f"{_reason(error)}") from None
        try:
            if not self._ready:
                self._create(connection)
            register_vector(connection)
        except psycopg.Error as error:
            connection.close()
            raise DatabaseError(f"The database at {masked(self.url)} cannot hold collections: {_reason(error)} "
                                "(it needs PostgreSQL 15 or later with the pgvector extension)") from None
        return connection

    def _create(self, connection) -> None:
        """Create the tables once per process; two servers starting at once take turns (an advisory lock)."""
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(4206)")
            for statement in SCHEMA:
                connection.execute(statement)
        self._ready = True


class PgShelf:
    """Collections as rows and tables of one PostgreSQL database (see the module's docstring)."""

    where = "postgresql"

    def __init__(self, url: str):
        self.database = Database(url)

    def describe(self) -> str:
        return f"PostgreSQL at {masked(self.database.url)}"

    def list(self) -> list[dict]:
        with self.database.connect() as connection:
            rows = connection.execute(LISTING).fetchall()
        return [{"name": n, "documents": d, "chunks": c, "embeddings": e, "updated": u, "index": a or {"kind": "exact"}}
                for n, e, u, a, d, c in rows]

    def exists(self, name: str) -> bool:
        with self.database.connect() as connection:
            return connection.execute("SELECT 1 FROM rag_collections WHERE name = %s",
                                      (check_name(name),)).fetchone() is not None

    def create(self, name: str, model: ModelInfo, chunking: dict) -> None:
        """Add an empty collection (nothing happens if another server created it meanwhile)."""
        import time

        from psycopg.types.json import Jsonb

        manifest = {"name": check_name(name), "created": time.time(), "updated": time.time(), "version": 0,
                    "index": None, "embeddings": {"name": model.name, "maxlength": model.maxlength},
                    "chunking": chunking, "documents": {}}
        with self.database.connect() as connection:
            connection.execute("INSERT INTO rag_collections (name, manifest) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                               (name, Jsonb(manifest)))

    def manifest(self, name: str) -> dict:
        with self.database.connect() as connection:
            row = connection.execute("SELECT manifest FROM rag_collections WHERE name = %s",
                                     (check_name(name),)).fetchone()
        if row is None:
            raise CollectionError(f"No collection named {name!r}.")
        return row[0]

    def open(self, name: str, model: ModelInfo, models: dict, resolve: Callable[[dict], ModelInfo]):
        from .pgcollection import PgCollection

        return PgCollection(self.database, check_name(name), model, models, resolve)

    def scratch(self, model: ModelInfo, models: dict):
        """An empty passages table in ``model`` (for an evaluation) inside a transaction that is never committed:
        closing the index rolls it back, and a crash leaves nothing in the database either."""
        from .postgres import PgIndex, table_sql

        connection = self.database.connect(autocommit=False)
        index = PgIndex(model, models, connection, "rag_scratch", owns_connection=True)
        for statement in table_sql("rag_scratch", index.embed(["dimensions"]).shape[1], temporary=True):
            connection.execute(statement)
        return index

    def delete(self, name: str, collection=None) -> None:
        """Delete a collection, its files and its passages table in one transaction; refused while a write holds
        it (here or on another server)."""
        import psycopg

        from .store import CollectionBusy

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


def _reason(error) -> str:
    return " ".join(str(error).split()) or type(error).__name__
