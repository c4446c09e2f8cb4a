"""The PostgreSQL backend's vector store: a collection's passages, vectors and keyword index in one table.

Each collection has a passages table (``rag_p<collection id>_<generation>``: a re-index with another model makes
a new one) with the chunk's text and fields, its vector (pgvector, HNSW on inner product: vectors are unit
length, so it is cosine) and a ``tsvector`` of its text (GIN): PostgreSQL's own full-text search is the keyword
side. Hybrid scores every candidate either side finds on both sides, ``weight`` x cosine + (1 - weight) x
``ts_rank`` scaled to 0..1, so the two scores of one passage are never mixed with a missing one.

An index works through the connection it is given: the one a write holds its transaction on (see
``rag.index.pgcollection``), or a reader's. txtai computes the vectors (``TxtaiIndex`` without an index is the
model), so a passage has the vector a FAISS collection would give it. txtai's own ``pgvector`` ANN, content and
``pgtext`` scoring are not used: each commits on its own connection (a write could not be one transaction), their
tables have fixed names (one collection per schema, which txtai cannot set with psycopg 3), its configuration
lives in a local file, and ``pgtext`` matches every word of a question (``plainto_tsquery``) and drops its table
on each ``index`` call.
"""

from __future__ import annotations

import json
import re

import numpy as np

from ..documents import Chunk, Hit
from ..models import ModelInfo
from .local import FIELDS, TxtaiIndex

EF_SEARCH = 100  # HNSW candidates per query (pgvector's default is 40); see bench/postgres.py for its recall
EXACT_BELOW = 20_000  # a filtered search over fewer passages than this is exact (no index): see ``search``
WORD = re.compile(r"[^\W_]+")
RANK = "ts_rank(terms, %(t)s, 1)"  # normalization 1: divided by 1 + log(passage length)


def table_sql(table: str, dimensions: int, temporary: bool = False) -> list[str]:
    """The statements that create a passages table and its indexes (a temporary table: gone with the session)."""
    return [f"CREATE {'TEMPORARY ' if temporary else ''}TABLE {table} (id text PRIMARY KEY, doc_id text NOT NULL, "
            f"text text NOT NULL, fields jsonb NOT NULL, embedding vector({int(dimensions)}) NOT NULL, "
            "terms tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)",
            f"CREATE INDEX ON {table} USING hnsw (embedding vector_ip_ops)",
            f"CREATE INDEX ON {table} USING gin (terms)",
            f"CREATE INDEX ON {table} (doc_id)"]


class PgIndex:
    """The passages of one collection in PostgreSQL, read and written through ``connection``."""

    def __init__(self, model: ModelInfo, models: dict | None, connection, table: str | None,
                 owns_connection: bool = False):
        self.model, self.connection, self.table, self.owns = model, connection, table, owns_connection
        self.encoder = TxtaiIndex(model, models)  # the model alone: embeds, holds no passages

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray | None = None) -> None:
        """Add chunks (replacing any with the same id), embedded here or with their ``vectors``."""
        if not chunks:
            return
        if vectors is None:
            vectors = self.encoder.passage_vectors([c.text for c in chunks])
        rows = [(c.id, c.doc_id, c.text, json.dumps({f: getattr(c, f) for f in FIELDS}), np.asarray(v, np.float32))
                for c, v in zip(chunks, vectors, strict=True)]
        with self.connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} (id, doc_id, text, fields, embedding) VALUES "
                               "(%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET doc_id = excluded.doc_id, "
                               "text = excluded.text, fields = excluded.fields, embedding = excluded.embedding", rows)

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        return self.encoder.passage_vectors(texts)

    def delete(self, ids: list[str]) -> None:
        if ids and self.table:
            self.connection.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", (list(ids),))

    def search(self, query: str, k: int, mode: str = "hybrid", weight: float = 0.5,
               documents: set[str] | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query`` (``weight``: the dense share of hybrid), within ``documents``
        (document ids) if given.

        Dense candidates come from the HNSW index, or, when ``documents`` leaves fewer than ``EXACT_BELOW``
        passages, from an exact scan of just those (an HNSW scan filtered afterwards could miss them). The
        keyword score is ``ts_rank`` over the question's words joined by OR, divided by the best one found.
        """
        words = WORD.findall(query)
        if not words or not self.table or documents is not None and not documents:
            return []
        weight = {"dense": 1.0, "bm25": 0.0}.get(mode, weight)
        scope = "doc_id = ANY(%(docs)s)" if documents is not None else "TRUE"
        exact = documents is not None and self._size(documents) < EXACT_BELOW
        sides = []
        if weight > 0:
            sides.append(f"SELECT id FROM (SELECT id FROM {self.table} WHERE {scope} "
                         "ORDER BY embedding <#> %(q)s LIMIT %(n)s) AS dense")
        if weight < 1:
            sides.append(f"SELECT id FROM (SELECT id FROM {self.table} WHERE {scope} AND terms @@ %(t)s "
                         f"ORDER BY {RANK} DESC LIMIT %(n)s) AS keyword")
        dense = "-(embedding <#> %(q)s)" if weight > 0 else "0"
        sql = (f"SELECT id, text, fields, {dense}, {RANK} FROM {self.table} "
               f"WHERE id IN ({' UNION '.join(sides)})")
        terms = " | ".join(dict.fromkeys(w.lower() for w in words))
        with self.connection.cursor() as cursor:
            cursor.execute(f"SET hnsw.ef_search = {max(EF_SEARCH, k)}")
            if exact:  # the planner would otherwise still walk the HNSW graph and filter what it finds
                cursor.execute("SET enable_indexscan = off")
            try:
                vector = self.encoder.embed([query])[0] if weight > 0 else None
                rows = cursor.execute(sql.replace("%(t)s", "to_tsquery('english', %(t)s)"),
                                      {"q": vector, "t": terms, "n": k, "docs": sorted(documents or ())}).fetchall()
            finally:
                if exact:
                    cursor.execute("SET enable_indexscan = on")
        best = max((float(r[4]) for r in rows), default=0.0) or 1.0
        scored = sorted(((weight * float(d) + (1 - weight) * float(s) / best, i, t, f) for i, t, f, d, s in rows),
                        key=lambda row: (-row[0], row[1]))
        return [Hit(_chunk(i, t, f), score) for score, i, t, f in scored[:k]]

    def _size(self, documents: set[str]) -> int:
        row = self.connection.execute(f"SELECT count(*) FROM {self.table} WHERE doc_id = ANY(%s)",
                                      (sorted(documents),)).fetchone()
        return int(row[0])

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.encoder.embed(texts)

    def count(self) -> int:
        if not self.table:
            return 0
        return int(self.connection.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])

    def export(self, batch: int = 1024):
        """Every stored chunk with its vector, ``batch`` at a time: (chunks, vectors) pairs (for a copy)."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT id, text, fields, embedding FROM {self.table} ORDER BY id")
            while rows := cursor.fetchmany(batch):
                yield [_chunk(i, t, f) for i, t, f, _ in rows], np.stack([v.to_numpy() for *_, v in rows])

    def ann(self) -> dict:
        """Which vector index is in use, for the manifest."""
        return {"kind": "hnsw", "ef_search": EF_SEARCH, "exact_below": EXACT_BELOW}

    def save(self, path) -> None:  # a commit of the connection's transaction saves it (see PgCollection.commit)
        return None

    def close(self) -> None:
        self.encoder.close()
        if self.owns:  # a scratch index: its uncommitted table goes with the connection
            self.connection.close()


def _chunk(chunk_id: str, text: str, fields: dict) -> Chunk:
    page = fields.get("page")
    return Chunk(id=chunk_id, text=text, document=fields.get("document") or "", title=fields.get("title") or "",
                 page=int(page) if page is not None else None, section=fields.get("section"),
                 start=int(fields.get("start") or 0), end=int(fields.get("end") or 0),
                 doc_id=fields.get("doc_id") or "", kind=fields.get("kind") or "body")
