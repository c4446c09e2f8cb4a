"""The PostgreSQL backend's vector store: a collection's passages, vectors and keyword index in one table.

Each collection has a passages table (``rag_p<collection id>_<generation>``: a re-index with another model makes
a new one) with the chunk's text and fields, its vector (pgvector, HNSW on inner product: vectors are unit
length, so it is cosine) and a ``tsvector`` of its text (GIN): PostgreSQL's own full-text search finds the
keyword candidates, which BM25 scores (``rag.index.postgres.text``). Hybrid scores every candidate either side finds on
both sides, ``weight`` x cosine + (1 - weight) x BM25 scaled to 0..1, so a passage's score never mixes one side
with a missing other.

An index works through the connection it is given: the one a write holds its transaction on (see
``rag.index.postgres.collection``), or a reader's. txtai computes the vectors (``TxtaiIndex`` without an index is the
model), so a passage has the vector a FAISS collection would give it. txtai's own ``pgvector`` ANN, content and
``pgtext`` scoring are not used: each commits on its own connection (a write could not be one transaction), their
tables have fixed names (one collection per schema, which txtai cannot set with psycopg 3), its configuration
lives in a local file, and ``pgtext`` matches every word of a question (``plainto_tsquery``) and drops its table
on each ``index`` call.
"""

from __future__ import annotations

import json

import numpy as np

from ...documents import Chunk, Hit
from ...models import ModelInfo
from ..local.index import FIELDS, WEIGHTS, TxtaiIndex, chunk_of
from .text import Bm25

# HNSW candidates a query (pgvector's default: 40), from a collection size on. bench/postgres.py: at 10k passages
# recall@10 is 0.99 at 100 (and at 400 the planner gives up the index for a 3 times slower scan); at 100k it is
# 0.77 at 40, 0.91 at 100, 0.97 at 200 and 0.99 at 400, for 4 ms more than at 100
EF_SEARCH = {0: 100, 50_000: 400}
EXACT_BELOW = 20_000  # a filtered search over fewer passages than this is exact (no index): see ``search``


def table_sql(table: str, dimensions: int, temporary: bool = False) -> list[str]:
    """The statements that create a passages table and its indexes (a temporary table: gone with the session)."""
    return [f"CREATE {'TEMPORARY ' if temporary else ''}TABLE {table} (id text PRIMARY KEY, doc_id text NOT NULL, "
            f"text text NOT NULL, fields jsonb NOT NULL, embedding vector({int(dimensions)}) NOT NULL, "
            "terms tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED, words integer NOT NULL)",
            f"CREATE INDEX ON {table} USING hnsw (embedding vector_ip_ops)",
            f"CREATE INDEX ON {table} USING gin (terms)",
            f"CREATE INDEX ON {table} (doc_id)"]


class PgIndex:
    """The passages of one collection in PostgreSQL, read and written through ``connection``."""

    def __init__(self, model: ModelInfo, models: dict | None, connection, table: str | None,
                 owns_connection: bool = False):
        self.model, self.connection, self.table, self.owns = model, connection, table, owns_connection
        self.encoder = TxtaiIndex(model, models)  # the model alone: embeds, holds no passages
        self.bm25 = Bm25()

    def create(self, table: str, temporary: bool = False) -> None:
        """Create an empty passages table named ``table`` for this index's model, and use it."""
        for statement in table_sql(table, self.embed(["dimensions"]).shape[1], temporary):
            self.connection.execute(statement)
        self.table = table
        self.bm25.forget()

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray | None = None) -> None:
        """Add chunks (replacing any with the same id), embedded here or with their ``vectors``."""
        if not chunks:
            return
        if vectors is None:
            vectors = self.encoder.passage_vectors([c.text for c in chunks])
        rows = [(c.id, c.doc_id, c.text, json.dumps({f: getattr(c, f) for f in FIELDS}), np.asarray(v, np.float32))
                for c, v in zip(chunks, vectors, strict=True)]
        with self.connection.cursor() as cursor:  # words: the passage's length in indexed terms (for BM25)
            cursor.executemany(f"INSERT INTO {self.table} (id, doc_id, text, fields, embedding, words) SELECT v.*, "
                               "(SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0) FROM "
                               "unnest(to_tsvector('english', v.text))) FROM (VALUES (%s, %s, %s, %s::jsonb, "
                               "%s::vector)) AS v (id, doc_id, text, fields, embedding) ON CONFLICT (id) DO UPDATE "
                               "SET doc_id = excluded.doc_id, text = excluded.text, fields = excluded.fields, "
                               "embedding = excluded.embedding, words = excluded.words", rows)
        self.bm25.forget()

    def passage_vectors(self, texts: list[str]) -> np.ndarray:
        return self.encoder.passage_vectors(texts)

    def delete(self, ids: list[str]) -> None:
        if ids and self.table:
            self.connection.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", (list(ids),))
            self.bm25.forget()

    def search(self, query: str, k: int, mode: str = "hybrid", weight: float = 0.5,
               documents: set[str] | None = None) -> list[Hit]:
        """The ``k`` best passages for ``query`` (``weight``: the dense share of hybrid), within ``documents``
        (document ids) if given.

        Candidates: the ``k`` nearest vectors (the HNSW index, or, when ``documents`` leaves fewer than
        ``EXACT_BELOW`` passages, an exact scan of just those: an HNSW scan filtered afterwards could miss them),
        and the keyword candidates of ``rag.index.postgres.text``. Each is scored on both sides: cosine, and BM25
        divided by the best BM25 among them.
        """
        if not query.strip() or not self.table or documents is not None and not documents:
            return []
        weight = WEIGHTS.get(mode, weight)
        scope = "doc_id = ANY(%(docs)s)" if documents is not None else "TRUE"
        terms = self.bm25.terms(self.connection, query) if weight < 1 else []
        self.bm25.count(self.connection, self.table, terms)  # size, mean length, term counts: once per version
        keyword = self.bm25.candidates(self.table, scope, terms) if terms else None
        if weight == 0 and keyword is None:
            return []
        sides, params = [], {"docs": sorted(documents or ()), "n": k}
        if weight > 0:
            sides.append(f"(SELECT id FROM {self.table} WHERE {scope} ORDER BY embedding <#> %(q)s LIMIT %(n)s)")
            params["q"] = self.encoder.embed([query])[0]
        if keyword is not None:
            sides.append(keyword[0])
            params.update(keyword[1])
        dense = "-(embedding <#> %(q)s)" if weight > 0 else "0"
        sql = (f"SELECT id, text, fields, {dense}, terms::text, words FROM {self.table} "
               f"WHERE id IN ({' UNION '.join(sides)})")
        exact = documents is not None and weight > 0 and self._size(documents) < EXACT_BELOW
        ef = max(v for size, v in EF_SEARCH.items() if self.bm25.totals[0] >= size)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SET hnsw.ef_search = {max(ef, k)}")
            if exact:  # the planner would otherwise still walk the HNSW graph and filter what it finds
                cursor.execute("SET enable_indexscan = off")
            try:
                rows = cursor.execute(sql, params).fetchall()
            finally:
                if exact:
                    cursor.execute("SET enable_indexscan = on")
        score = self.bm25.scorer(terms)
        matched = [score(tsvector, words) for *_, tsvector, words in rows]
        best = max(matched, default=0.0) or 1.0
        scored = sorted(((weight * float(d) + (1 - weight) * s / best, i, t, f)
                         for (i, t, f, d, _, _), s in zip(rows, matched, strict=True)), key=lambda r: (-r[0], r[1]))
        return [Hit(chunk_of({**f, "id": i, "text": t}), total) for total, i, t, f in scored[:k]
                if weight > 0 or total > 0]

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
                yield ([chunk_of({**f, "id": i, "text": t}) for i, t, f, _ in rows],
                       np.stack([v.to_numpy() for *_, v in rows]))

    def ann(self) -> dict:
        """Which vector index is in use, for the manifest."""
        return {"kind": "hnsw", "ef_search": EF_SEARCH, "exact_below": EXACT_BELOW}

    def save(self, path) -> None:  # a commit of the connection's transaction saves it (see PgCollection.commit)
        return None

    def close(self) -> None:
        self.encoder.close()
        if self.owns:  # a scratch index: its uncommitted table goes with the connection
            self.connection.close()

