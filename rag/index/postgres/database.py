"""The PostgreSQL database behind ``RAG_DATABASE_URL``: connections, the tables collections need, clear errors.

The URL is a libpq one (``postgresql://user:password@host:5432/dbname``); SQLAlchemy's ``postgresql+psycopg://``
form is accepted too. The database needs the ``vector`` extension (pgvector) available; the tables are created
on first use. The password never appears in a message.
"""

from __future__ import annotations

import re

from ...errors import ConfigError
from ...settings import masked

SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "CREATE TABLE IF NOT EXISTS rag_collections (id bigserial PRIMARY KEY, name text UNIQUE NOT NULL, "
    "version bigint NOT NULL DEFAULT 0, passages text, manifest jsonb NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rag_files (collection bigint NOT NULL REFERENCES rag_collections (id) "
    "ON DELETE CASCADE, name text NOT NULL, data bytea NOT NULL, PRIMARY KEY (collection, name))",
    "CREATE SEQUENCE IF NOT EXISTS rag_tables",
]


class DatabaseError(ConfigError):
    """The database cannot be reached or used."""


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
                                f"{reason(error)}") from None
        try:
            if not self._ready:
                self._create(connection)
            register_vector(connection)
        except psycopg.Error as error:
            connection.close()
            raise DatabaseError(f"The database at {masked(self.url)} cannot hold collections: {reason(error)} "
                                "(it needs PostgreSQL 15 or later with the pgvector extension)") from None
        return connection

    def _create(self, connection) -> None:
        """Create the tables once per process; two servers starting at once take turns (an advisory lock)."""
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(4206)")
            for statement in SCHEMA:
                connection.execute(statement)
        self._ready = True


def reason(error) -> str:
    """An error's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def lost(url: str, error, during: str = "", meaning: str = "") -> DatabaseError:
    """The error for a connection the database dropped (``during``: what it cut off; ``meaning``: what that left)."""
    return DatabaseError(f"Lost the connection to the database at {masked(url)}{during}: {reason(error)}{meaning}")
