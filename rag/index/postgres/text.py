"""The keyword side of a PostgreSQL collection: BM25 over PostgreSQL's own full-text search.

PostgreSQL parses each passage into a ``tsvector`` (English stemming and stop words) kept in the passages table
with a GIN index, and its ``words`` (the passage's length in those terms). ``ts_rank`` alone ranks poorly
for questions: it has no inverse document frequency, so a passage full of common words beats one with the
question's rare word (SciFact test nDCG@10 0.578, against 0.645 for txtai's BM25 in a folder collection). So
the candidates come from the index, the best ``PER_TERM`` passages for each of the question's terms, and BM25
(k1 1.2, b 0.75; idf from the term's document frequency in the collection) scores them here, from their
``tsvector``: 0.689 on SciFact test with the limit below (``rag eval retrieval``; 0.690 without it;
``PER_TERM`` 50 gave 0.682 and 200 0.691). A term
found in more than ``COMMON`` passages and more than ``SHARE`` of them brings no candidates of its own (it still
counts in the scores): its idf is small, and ranking its thousands of passages would cost the most. On SciFact
that cost 0.001 at a share of 2% (0.0007 at 5%, nothing at 10%) and a quarter of the time. Document
frequencies and the mean length are counted once per version of the collection.
"""

from __future__ import annotations

import math

K1, B = 1.2, 0.75
PER_TERM = 100
COMMON, SHARE = 200, 0.02


def literal(lexeme: str) -> str:
    """A lexeme as a ``tsquery`` constant (taken as it is: no stemming again)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def occurrences(tsvector: str, term: str) -> int:
    """How often ``term`` occurs in a passage, from its ``tsvector`` as text ('lexeme':1,5 'other':3): found by
    its quoted form, not by parsing the whole vector (three times faster on 1,000 passages)."""
    at = tsvector.find(literal(term) + ":")
    if at < 0:
        return 1 if (literal(term) + " ") in tsvector + " " else 0
    end = tsvector.find(" ", at)
    return tsvector.count(",", at, len(tsvector) if end < 0 else end) + 1


class Bm25:
    """BM25 statistics of one passages table, read through ``connection`` and kept until ``forget``."""

    def __init__(self):
        self.frequency: dict[str, int] = {}
        self.totals: tuple[int, float] | None = None

    def forget(self) -> None:
        """The table changed (a commit): count again on the next search."""
        self.frequency.clear()
        self.totals = None

    def terms(self, connection, query: str) -> list[str]:
        """The query's terms as PostgreSQL indexes them (stemmed, stop words gone), in order."""
        row = connection.execute("SELECT array(SELECT lexeme FROM unnest(to_tsvector('english', %s)) "
                                 "ORDER BY positions[1])", (query,)).fetchone()
        return list(row[0] or [])

    def count(self, connection, table: str, terms: list[str]) -> None:
        """Count what scoring ``terms`` needs that is not counted yet: passages, mean length, frequencies."""
        if self.totals is None:
            size, mean = connection.execute(f"SELECT count(*), avg(words) FROM {table}").fetchone()
            self.totals = (int(size), float(mean or 1.0))
        for term in (t for t in terms if t not in self.frequency):
            self.frequency[term] = int(connection.execute(f"SELECT count(*) FROM {table} WHERE terms @@ %s::tsquery",
                                                          (literal(term),)).fetchone()[0])

    def candidates(self, table: str, scope: str, terms: list[str]) -> tuple[str, dict] | None:
        """SQL selecting the ids of the best ``PER_TERM`` passages (``ts_rank``, within ``scope``) for each term
        that is not too common (else for the rarest), and its parameters; None when no passage has any term.
        Call ``count`` first."""
        found = [t for t in terms if self.frequency[t]]
        if not found:
            return None
        limit = max(COMMON, SHARE * self.totals[0])
        chosen = [t for t in found if self.frequency[t] <= limit] or [min(found, key=self.frequency.get)]
        parts, params = [], {}
        for i, term in enumerate(chosen):
            params[f"term{i}"] = literal(term)
            parts.append(f"(SELECT id FROM {table} WHERE {scope} AND terms @@ %(term{i})s::tsquery "
                         f"ORDER BY ts_rank(terms, %(term{i})s::tsquery, 1) DESC LIMIT {PER_TERM})")
        return " UNION ".join(parts), params

    def scorer(self, terms: list[str]):
        """A function (tsvector as text, words) -> BM25 score of a passage for ``terms`` (call ``count`` first)."""
        if not terms:
            return lambda tsvector, words: 0.0
        size, mean = self.totals
        weights = {t: math.log(1 + (size - self.frequency[t] + 0.5) / (self.frequency[t] + 0.5)) for t in terms}

        def score(tsvector: str, words: int) -> float:
            norm = K1 * (1 - B + B * words / mean)
            return sum(w * f * (K1 + 1) / (f + norm) for t, w in weights.items() if (f := occurrences(tsvector, t)))

        return score
