"""Every reach into txtai's insides, in one module: each a small function or stand-in, with why it is needed.

The rest of the package uses txtai's public ``Embeddings`` API (``index``, ``upsert``, ``delete``, ``search``,
``save``, ``load``, ``count``, ``batchtransform``, ``close`` and its ``config``) and this module. Every reach here
was checked against txtai ``CHECKED``, the version pyproject.toml pins. ``REACHES`` lists the classes and
attributes the reaches rely on; tests/index/local/test_txtai_adapter.py checks each is still there (with the
parameters where they matter), so an upgrade that removes one fails loudly instead of searching wrongly. What
txtai would need for each reach to be unnecessary: docs/txtai-upstream.md.
"""

from __future__ import annotations

import copy
import functools
from contextlib import contextmanager
from functools import partial

import numpy as np

from .tuning import filtered_search, top_scored

CHECKED = "9.14.0"  # the txtai version every reach below was checked against

# (module, class, attribute, its parameters or None): what the reaches below rely on, as of CHECKED. Attributes
# set on instances (``Embeddings.ann``, ``Terms.ids``...) are checked on a small index by the test.
REACHES = [
    ("txtai.embeddings.search", "Search", "__init__", ("self", "embeddings", "indexids", "indexonly")),
    ("txtai.embeddings.search", "Search", "__call__", ("self", "queries", "limit", "weights", "index", "parameters")),
    ("txtai.embeddings.search", "Search", "parse", ("self", "queries")),
    ("txtai.embeddings.search", "Search", "dense", ("self", "queries", "limit")),  # calls ann.search
    ("txtai.embeddings.search", "Search", "sparse", ("self", "queries", "limit")),  # calls scoring.batchsearch
    ("txtai.scoring.terms", "Terms", "candidates", ("self", "scores", "topn")),
    ("txtai.scoring.terms", "Terms", "topn", ("self", "scores", "limit", "hasscores", "skipped")),
    ("txtai.scoring.base", "Scoring", "search", ("self", "query", "limit")),
    ("txtai.scoring.base", "Scoring", "batchsearch", ("self", "queries", "limit", "threads")),
    ("txtai.ann.dense.faiss", "Faiss", "load", ("self", "path")),
    ("txtai.ann.dense.faiss", "Faiss", "search", ("self", "queries", "limit")),
    ("txtai.ann.dense.faiss", "Faiss", "scores", ("self", "scores")),
    ("txtai.ann.base", "ANN", "setting", ("self", "name", "default")),
    ("txtai.ann.dense.factory", "ANNFactory", "resolve", ("backend", "config")),
    ("txtai.vectors.base", "Vectors", "vectors", ("self", "documents", "batchsize", "checkpoint", "buffer", "dtype")),
    ("txtai.vectors.base", "Vectors", "prepare", ("self", "data", "category")),
    ("txtai.vectors.base", "Vectors", "vectorize", ("self", "data", "category")),
]


# --- Search: the SQL parsed once, only the sides a mode weighs, stand-ins for them ----------------------------------

def parse(embeddings, sql: str) -> dict:
    """txtai's parse of one search statement (``Search.parse``), to be kept and reused by ``search``."""
    from txtai.embeddings.search import Search

    return Search(embeddings).parse([sql])[0]


def search(embeddings, sql: str, parsed: dict, limit: int, weights: float, parameters: dict,
           dense, sparse) -> list[dict]:
    """The rows of txtai's search for the statement ``sql``, whose parse is ``parsed`` (from ``parse``), with its
    ``parameters``.

    ``dense`` and ``sparse`` each take txtai's component for that side (its ANN, its BM25 scoring) and return what
    searches in its place; None leaves that side out. Why: ``Embeddings.search`` parses the SQL on every call
    (0.2 ms), and runs both sides whatever the weights (dense mode paid for BM25, bm25 mode for the vectors). No
    option sets either, so the ``Search`` object is built here and its ``parse``, ``ann`` and ``scoring`` set.
    Checked against txtai 9.14.0 (``Search.__init__`` takes ``ann`` and ``scoring`` from the embeddings, and
    ``scoring`` only when ``issparse()``; txtai edits the parse it is given, hence the copy).
    """
    from txtai.embeddings.search import Search

    run = Search(embeddings)
    run.parse = lambda queries: [copy.deepcopy(parsed) for _ in queries]
    run.ann = None if dense is None or run.ann is None else dense(run.ann)
    run.scoring = None if sparse is None or run.scoring is None else sparse(run.scoring)
    return run([sql], limit, weights, None, [parameters])[0]


class InThreadScoring:
    """txtai's BM25 scoring, searched in the calling thread over only the rows of ``only`` (txtai index ids) when
    it is given: what ``search`` puts in place of ``Search.scoring``.

    Why: ``Scoring.batchsearch`` starts a thread pool on every query (one query a search here), and has no filter.
    The filter is a mask on ``Terms`` read by ``candidates``, set for this search alone (searches are serialized by
    ``TxtaiIndex.lock``). Checked against txtai 9.14.0 (``Search.sparse`` calls ``batchsearch(queries, limit)``;
    ``Scoring.terms`` holds the BM25 index whose ``ids`` are the rows in index order).
    """

    def __init__(self, scoring, only: np.ndarray | None = None):
        self.scoring, self.only = scoring, only
        terms = getattr(scoring, "terms", None)
        if terms is not None and "candidates" not in vars(terms):
            terms.candidates = partial(candidates, terms)

    def batchsearch(self, queries, limit=3):
        terms = getattr(self.scoring, "terms", None)
        if terms is not None:
            terms.allowed = None if self.only is None else np.isin(np.asarray(terms.ids), self.only)
        try:
            return [self.scoring.search(query, limit) for query in queries]
        finally:
            if terms is not None:
                terms.allowed = None

    def __getattr__(self, name):
        return getattr(self.scoring, name)


def candidates(terms, scores: np.ndarray, topn: int) -> np.ndarray:
    """``Terms.candidates`` (the ``topn`` best scored rows, deleted ones left out), made fast and filterable.

    Why: txtai partitions the whole scores array (see ``rag.index.local.tuning.top_scored``), and has no way to
    leave rows out of a keyword search. Checked against txtai 9.14.0 (``Terms.topn`` calls
    ``self.candidates(scores, topn)``; ``Terms.deletes`` lists the deleted rows).
    """
    scores[terms.deletes] = 0
    if getattr(terms, "allowed", None) is not None:  # a filtered search: rows outside it never score
        scores[~terms.allowed] = 0
    return top_scored(scores, topn)


class FilteredAnn:
    """txtai's FAISS index searched over the rows of ``only`` (txtai index ids) alone: what ``search`` puts in place
    of ``Search.ann`` for a search within some documents.

    Why: txtai's ANN search takes no filter; a filter applied to its results loses the best rows of a few
    documents when many others score higher. Checked against txtai 9.14.0 (``Search.dense`` calls
    ``ann.search(queries, limit)`` and reads (id, score) pairs; ``Faiss.scores`` turns FAISS's into txtai's).
    """

    def __init__(self, ann, only: np.ndarray):
        self.ann, self.only = ann, only

    def search(self, queries, limit):
        scores, ids = filtered_search(faiss_index(self.ann), queries, limit, self.only)
        return [[(i, s) for i, s in zip(row.tolist(), self.ann.scores(score), strict=True) if i >= 0]
                for row, score in zip(ids, scores, strict=True)]

    def __getattr__(self, name):
        return getattr(self.ann, name)


# --- The dense index: txtai's FAISS object, its FAISS index, and a backend that memory-maps it -----------------------

def dense_index(embeddings):
    """txtai's ANN object of ``embeddings`` (None for a keyword-only index).

    Why: the FAISS index inside it is switched to IVF and read for a copy (below). Checked against txtai 9.14.0
    (``Embeddings.ann``)."""
    return embeddings.ann


def faiss_index(ann):
    """The FAISS index inside txtai's ANN object ``ann``.

    Why: its vectors are read for a copy or an IVF index, and a filtered search needs FAISS's own parameters; txtai
    exposes neither. Checked against txtai 9.14.0 (``Faiss.backend``)."""
    return ann.backend


def replace_faiss_index(ann, index) -> None:
    """Put FAISS ``index`` (an IVF index trained on the collection, see ``rag.index.local.ann``) in ``ann``.

    Why: txtai chooses IVF by size alone with its own cell count and probes, and cannot retrain an index it holds.
    Checked against txtai 9.14.0 (``Faiss.save`` writes ``backend``; ``config["faiss"]`` says what is saved)."""
    ann.backend = index


MAPPED = f"{__name__}.MappedFaiss"  # the name txtai resolves as a custom ANN backend (``ANNFactory.resolve``)


@functools.cache
def _mapped_faiss():
    import faiss
    from txtai.ann.dense.faiss import Faiss

    class MappedFaiss(Faiss):
        """A read-only FAISS index whose vectors are memory-mapped (``IO_FLAG_MMAP_IFC``): a collection's readers.

        Why: a reader never changes its index (writes go to a copy, see ``Collection.writing``), so its vectors can
        stay in the saved file, pages the kernel can drop, instead of the process's own memory; a write then does
        not double the memory a collection takes. txtai reads a FAISS index whole and has no option to map it; a
        custom backend is its way in, resolved by its dotted name (``MAPPED``). Checked against txtai 9.14.0
        (``Faiss.load(path)``; ``ANN.setting`` reads the section named by ``config["backend"]``, which is this
        class's name, so it is read from ``faiss`` here).
        """

        __module__ = __name__

        def load(self, path):
            self.backend = faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)

        def setting(self, name, default=None):
            """Settings from the ``faiss`` section (the saved index's: its components and nprobe)."""
            section = self.config.get("faiss") or {}
            return section[name] if name in section else default

    return MappedFaiss


def __getattr__(name: str):
    """``MappedFaiss``, made when txtai first resolves it: importing this module does not import txtai."""
    if name == "MappedFaiss":
        return _mapped_faiss()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- The vector model: vectors given instead of computed, the call indexing makes, the torch module -----------------

class PrecomputedVectors:
    """txtai's vector model for one index or upsert call whose rows come with their vectors, in row order.

    Why: vectors computed elsewhere (a Ray worker) must be indexed exactly as txtai would have. ``Embeddings.index``
    and ``upsert`` hand the rows' texts to the vector model (``Transform.vectors`` calls ``model.vectors(stream,
    ...)``), and consuming that stream is what fills the content database and BM25; the model has no way to take
    vectors for rows that also carry text (its ``vectorize`` would encode an array like a text). So for one call
    this stands in for the model (``given_vectors``), consumes the same stream and returns the given vectors in
    txtai's own memory-mapped buffer. Checked against txtai 9.14.0 (``Vectors.vectors`` and what it returns).
    """

    def __init__(self, model, vectors: np.ndarray, ids: list[str]):
        self.model, self.given, self.ids = model, np.asarray(vectors, dtype=np.float32), ids

    def vectors(self, documents, batchsize=500, checkpoint=None, buffer=None, dtype=None):
        """(ids, dimensions, vectors) as ``txtai.vectors.Vectors.vectors`` returns them, without encoding."""
        ids = [uid for uid, _, _ in documents]  # consuming the stream loads the rows into the database and BM25
        if ids != self.ids:
            raise ValueError(f"the index streamed {len(ids)} rows for {len(self.ids)} given vectors")
        if not ids:
            return ids, None, None
        embeddings = np.memmap(buffer, dtype=dtype or np.float32, shape=self.given.shape, mode="w+")
        embeddings[:] = self.given
        return ids, self.given.shape[1], embeddings

    def __getattr__(self, name):
        return getattr(self.model, name)


@contextmanager
def given_vectors(embeddings, vectors: np.ndarray | None, ids: list[str]):
    """For the block, ``embeddings``' vector model stood in for by ``vectors`` (one row for each of ``ids``);
    nothing changes when ``vectors`` is None. Why: see ``PrecomputedVectors``. Checked against txtai 9.14.0
    (``Embeddings.model`` is the vector model ``index`` and ``upsert`` use)."""
    model = embeddings.model
    if vectors is not None:
        embeddings.model = PrecomputedVectors(model, vectors, ids)
    try:
        yield
    finally:
        embeddings.model = model


def passage_vectors(embeddings, texts: list[str]) -> np.ndarray:
    """The vectors txtai's indexing computes for one batch of passages ``texts`` with the model of ``embeddings``.

    Why: a vector made on a Ray worker must be the one a local ingest of the same batch makes (padding changes
    bf16 results by up to 1e-3, so the Ray ingest embeds the same batches as a local one), and
    ``Embeddings.batchtransform`` prepares texts as queries, not as data. Checked against txtai 9.14.0
    (``Vectors.batch``: ``prepare`` each text as "data", ``vectorize`` the batch)."""
    model = embeddings.model
    return np.asarray(model.vectorize([model.prepare(text, "data") for text in texts], "data"), dtype=np.float32)


def torch_module(embeddings):
    """The torch module txtai embeds with (None for a model that is not one), to be made faster in place
    (``rag.models.speed``). Why: txtai loads it and offers no hook to change it. It is the module txtai caches
    and shares between indexes of the same model, so a change to it applies to them all. Checked against txtai
    9.14.0 (``HFVectors.model``, made by ``PoolingFactory``)."""
    return getattr(embeddings.model, "model", None)


# --- The content database: txtai's SQLite tables --------------------------------------------------------------------

def index_ids(embeddings, documents: set[str]) -> np.ndarray:
    """The txtai index ids (sorted) of the chunks of ``documents`` (chunk ids are "<document id>-NNNN").

    Why: a search within some documents needs their rows' index ids, for FAISS's selector and BM25's mask; txtai's
    SQL filters only after both searches. Checked against txtai 9.14.0 (SQLite table ``sections``: ``indexid``,
    ``id``)."""
    db = embeddings.database.connection
    found = [row[0] for d in sorted(documents)
             for row in db.execute("SELECT indexid FROM sections WHERE id > ? AND id < ?", (f"{d}-", f"{d}."))]
    return np.array(sorted(found), dtype=np.int64)


def stored_rows(embeddings) -> dict[int, dict]:
    """Every stored row by its index id: its fields and ``id``.

    Why: a copy reads every row with its vector by index id; txtai's search API returns rows by query only.
    Checked against txtai 9.14.0 (SQLite tables ``sections``: ``indexid``, ``id``; ``documents``: ``id``, ``data``
    as JSON)."""
    import json

    return {i: {**json.loads(data), "id": uid} for i, uid, data in embeddings.database.connection.execute(
        "SELECT s.indexid, s.id, d.data FROM sections s JOIN documents d ON s.id = d.id")}
