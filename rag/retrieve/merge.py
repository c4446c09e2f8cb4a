"""Several collections searched as one: each with its own embedding model and filter, the hits merged into one list.

How the lists are merged. Collections embedded with the same model score on one scale (a cosine, or the same mix
of cosine and normalized BM25), so their hits are merged by score, exactly as the passages of one collection
would be ranked. Collections embedded with different models do not: a cosine of 0.35 is close for one model and
far for another, so a merge by score would let the model with the higher scale crowd out the other. Their lists
are merged by reciprocal-rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009; k = 60): a hit ranks by
1 / (60 + its rank in its own collection), which takes the collections' best hits in turn, whatever each model's
scale. Either way a hit keeps the score its own collection gave it (what a source shows), names the collection it
came from (``chunk.collection``), and a passage found in two collections (the same file added to both) is kept
once, where it ranks best. Ties keep the order in which the collections were named.
"""

from __future__ import annotations

from ..documents import Hit

RRF_K = 60


class MultiCollectionSearch:
    """One or more collections (each a ``Collection`` or a ``Filtered`` view) searched as one.

    ``search`` merges their hits (see the module's docstring). ``embed`` and ``model`` are the first collection's:
    evidence sentences from all of them are scored against the question with that one model, so they compare.
    ``parts`` are the collections themselves, for what must be judged per collection (the similarity gate).
    """

    def __init__(self, parts: list):
        self.parts = parts
        self.model = parts[0].model

    @property
    def name(self) -> str:
        return " + ".join(part.name for part in self.parts)

    @property
    def manifest(self) -> dict:
        """The document tables of every collection in one (document ids are content hashes, so a document in two
        collections has one id and one record)."""
        documents: dict = {}
        for part in reversed(self.parts):
            documents.update(part.manifest.get("documents", {}))
        return {"documents": documents}

    def search(self, query: str, k: int, mode: str, weight: float) -> list[Hit]:
        """The ``k`` best passages of all the collections, each hit labelled with its collection."""
        lists = []
        for part in self.parts:
            hits = part.search(query, k, mode, weight)
            for hit in hits:
                hit.chunk.collection = part.name
            lists.append(hits)
        return merge(lists, k, same_scale=len({part.model.name for part in self.parts}) == 1)

    def embed(self, texts: list[str]):
        return self.parts[0].embed(texts)


def merge(lists: list[list[Hit]], k: int, same_scale: bool) -> list[Hit]:
    """The ``k`` best hits of ranked lists, one list per collection: by score when ``same_scale``, else by
    reciprocal rank; a passage with the same document and text as a better one is dropped."""
    ranked = sorted((-(hit.score if same_scale else 1.0 / (RRF_K + rank)), i, rank, hit)
                    for i, hits in enumerate(lists) for rank, hit in enumerate(hits, 1))
    merged, seen = [], set()
    for *_, hit in ranked:
        key = (hit.chunk.doc_id or hit.chunk.document, " ".join(hit.chunk.text.split()))
        if key not in seen:
            seen.add(key)
            merged.append(hit)
    return merged[:k]
