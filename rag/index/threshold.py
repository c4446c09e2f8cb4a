"""How close an unanswerable question comes to a collection: the floor under which the app declines to answer.

Cosine similarities are not on one scale across embedding models (a domain model such as PubMedBERT puts any
two biomedical texts closer than a general one does), so one threshold cannot serve all. For a model whose
value was measured (the catalogue's ``min_similarity``, e.g. 0.3 for the bundled MiniLM from
bench/similarity_gate.py) that value is used; for any other, each commit derives one from the collection: the
closest any off-topic question comes to a passage, plus ``MARGIN``. With the bundled model on the shared PDFs
this gives 0.32, next to the measured 0.3 (off-topic questions reach 0.22; questions about the papers 0.58+).
"""

from __future__ import annotations

OFF_TOPIC = ("What is the capital of France?", "Who won the 2018 football World Cup?", "How do I bake sourdough bread?",
             "What is the speed of light?", "Write a poem about the sea.", "What time is it?", "hello",
             "Explain quantum computing.")
MARGIN = 0.1


def off_topic_floor(index) -> float | None:
    """The closest an off-topic question comes to a passage of ``index``, plus ``MARGIN`` (None when empty)."""
    if not index.count():
        return None
    closest = [hits[0].score for question in OFF_TOPIC if (hits := index.search(question, 1, "dense"))]
    return round(max(closest) + MARGIN, 3) if closest else None
