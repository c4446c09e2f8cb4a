"""Passage vectors computed in one place (a Ray worker) and indexed in another, exactly as txtai would have.

txtai's ``Embeddings.index`` and ``upsert`` hand the rows' texts to its vector model (``Transform.vectors`` calls
``model.vectors(stream, ...)``), and consuming that stream is what fills the content database and BM25. The model
has no way to take vectors for rows that also carry text: its ``vectorize`` would encode an array like a text.
So for one call the model is stood in for by ``PrecomputedVectors``, which consumes the same stream and returns
the given vectors in txtai's own memory-mapped buffer. ``passage_vectors`` is the other side: the call txtai makes for a
batch of passages while indexing (``Vectors.batch``: ``prepare`` each text, ``vectorize`` the batch), so a vector
made on a worker is the one a local ingest of the same batch makes (the batch matters: padding changes bf16
results by up to 1e-3, so the Ray ingest embeds the same batches of ``EMBED_BATCH`` chunks as a local one).
"""

from __future__ import annotations

import numpy as np


class PrecomputedVectors:
    """txtai's vector model for one index or upsert call whose rows come with their vectors, in row order."""

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


def passage_vectors(embeddings, texts: list[str]) -> np.ndarray:
    """The vectors txtai's indexing computes for one batch of passages ``texts`` with the model of ``embeddings``
    (a txtai ``Embeddings``)."""
    model = embeddings.model
    return np.asarray(model.vectorize([model.prepare(text, "data") for text in texts], "data"), dtype=np.float32)
