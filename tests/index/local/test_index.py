"""The local index (backend "faiss"): dense, keyword and hybrid search, deletes, persistence, and embeddings."""

import numpy as np
import pytest

from rag.documents import Chunk
from rag.errors import ConfigError
from rag.index import open_index
from rag.models import resolve_embeddings

PASSAGES = {
    "heparin": "Low molecular weight heparin prevents deep vein thrombosis after hip replacement surgery.",
    "malaria": "Insecticide-treated bed nets reduce malaria infections in young children.",
    "statins": "Statins lower LDL cholesterol and reduce the risk of heart attacks.",
    "asthma": "Inhaled corticosteroids control airway inflammation in patients with asthma.",
}


def chunks(**texts: str) -> list[Chunk]:
    return [Chunk(id=f"{key}-0000", document=f"{key}.pdf", text=text, title=key.title(), page=3, section="Results",
                  start=10, end=10 + len(text), doc_id=key) for key, text in texts.items()]


@pytest.fixture(scope="module")
def model():
    return resolve_embeddings("")


@pytest.fixture
def index(model):
    index = open_index("faiss", model)
    index.upsert(chunks(**PASSAGES))
    yield index
    index.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_finds_the_passage_that_answers(index, mode):
    hits = index.search("Which drug prevents blood clots after hip surgery?", k=3, mode=mode)
    assert hits[0].chunk.id == "heparin-0000"
    assert len(hits) <= 3 and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    hits = index.search("bed nets malaria children", k=2, mode=mode)
    assert hits[0].chunk.id == "malaria-0000"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_search_answers_its_own_question_when_several_follow_one_another(index, mode):
    """The search statement is parsed once per index (rag.index.local.index): no search inherits another's question."""
    questions = {"heparin": "Which drug prevents blood clots after hip surgery?",
                 "malaria": "Do insecticide-treated bed nets reduce malaria infections in children?",
                 "statins": "What lowers LDL cholesterol and the risk of heart attacks?"}
    for _ in range(2):
        for expected, question in questions.items():
            assert index.search(question, k=1, mode=mode)[0].chunk.doc_id == expected


@pytest.mark.slow
def test_a_hit_comes_back_with_its_metadata(index):
    [hit] = index.search("cholesterol and heart attacks", k=1, mode="hybrid")
    assert hit.chunk == chunks(statins=PASSAGES["statins"])[0]
    assert hit.to_dict()["document"] == "statins.pdf" and hit.to_dict()["page"] == 3


@pytest.mark.slow
def test_delete_and_upsert_change_what_is_found(index):
    assert index.count() == 4
    index.delete(["heparin-0000"])
    assert index.count() == 3
    assert all(h.chunk.id != "heparin-0000" for h in index.search("heparin thrombosis", k=4, mode="hybrid"))
    index.upsert(chunks(malaria="Enoxaparin is a heparin given to prevent thrombosis."))
    assert index.count() == 3
    assert index.search("heparin thrombosis", k=1, mode="bm25")[0].chunk.text.startswith("Enoxaparin")


@pytest.mark.slow
def test_blank_queries_and_empty_indexes_find_nothing(model, index):
    assert index.search("   ", k=3) == []
    empty = open_index("faiss", model)
    assert empty.count() == 0 and empty.search("heparin", k=3) == []
    empty.delete(["nothing-0000"])
    empty.close()


@pytest.mark.slow
def test_a_saved_index_loads_with_the_same_results(model, index, tmp_path):
    query = "airway inflammation"
    before = [(h.chunk.id, round(h.score, 4)) for h in index.search(query, k=4, mode="hybrid")]
    index.save(tmp_path / "saved")
    loaded = open_index("faiss", model, path=tmp_path / "saved")
    assert loaded.count() == 4
    assert [(h.chunk.id, round(h.score, 4)) for h in loaded.search(query, k=4, mode="hybrid")] == before
    loaded.close()


@pytest.mark.slow
def test_embeddings_are_unit_vectors_whose_dot_products_rank_meaning(index):
    vectors = index.embed(["Heparin prevents blood clots.", "Anticoagulants stop thrombosis.",
                           "The football match ended in a draw."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    related, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert related > unrelated + 0.2


def test_an_unknown_backend_names_the_setting():
    with pytest.raises(ConfigError, match="RAG_INDEX_BACKEND='nope' is not a known backend .known: faiss"):
        open_index("nope", None)


@pytest.mark.slow
def test_bf16_embeddings_run_in_bf16_and_stay_within_a_rounding_of_fp32(model):
    from dataclasses import replace

    import torch

    texts = [f"{text} (trial {i})" for i in range(48) for text in PASSAGES.values()]  # a batch of passages
    query = ["Which drug prevents blood clots after hip surgery?"]
    fp32_index = open_index("faiss", model, {})
    fp32, fp32_query = fp32_index.embed(texts), fp32_index.embed(query)
    bf16_index = open_index("faiss", replace(model, precision="bf16"), {})
    bf16, bf16_query = bf16_index.embed(texts), bf16_index.embed(query)
    weights = {p.dtype for p in bf16_index.embeddings.model.model.parameters()}
    assert weights == {torch.bfloat16} and {p.dtype for p in fp32_index.embeddings.model.model.parameters()} \
        == {torch.float32}
    kinds = {name: {type(m).__name__ for m in index.embeddings.model.model.modules()}
             for name, index in (("bf16", bf16_index), ("fp32", fp32_index))}
    assert "PackedLinear" in kinds["bf16"] and "Linear" not in kinds["bf16"]  # bf16 runs on packed layers ...
    assert "PackedLinear" not in kinds["fp32"] and "Linear" in kinds["fp32"]  # ... fp32 on torch's own
    for low, high in ((bf16, fp32), (bf16_query, fp32_query)):  # passages and a single query alike
        assert low.dtype == np.float32 and not np.array_equal(low, high)  # computed another way ...
        assert (low * high).sum(axis=1).min() > 0.999  # ... to nearly the same vectors
    # Searching a collection built in fp32 with bf16 queries finds the same passages
    index = open_index("faiss", model, {})
    index.upsert(chunks(**PASSAGES))
    index.embeddings.model.model.forward = bf16_index.embeddings.model.model.forward
    assert index.search("Which drug prevents blood clots after hip surgery?", k=1, mode="dense")[0].chunk.doc_id \
        == "heparin"


def test_bm25_candidates_are_the_best_scored_rows_without_deleted_ones():
    from types import SimpleNamespace

    from rag.index.local.txtai_adapter import candidates

    rng = np.random.default_rng(0)
    scores = np.zeros(100_000, dtype=np.float32)
    scored = rng.choice(len(scores), 3000, replace=False)
    scores[scored] = rng.uniform(0.1, 9, len(scored)).astype(np.float32)
    deleted = scored[np.argsort(-scores[scored])][:3].tolist()  # the three best rows are deleted
    expected = set(np.argsort(-np.where(np.isin(np.arange(len(scores)), deleted), 0, scores))[:25].tolist())
    assert set(candidates(SimpleNamespace(deletes=deleted), scores.copy(), 25).tolist()) == expected
    # Fewer scored rows than asked for: only those, never unscored rows
    few = np.zeros(1000, dtype=np.float32)
    few[[5, 70]] = [1.0, 2.0]
    assert sorted(candidates(SimpleNamespace(deletes=[70]), few, 25).tolist()) == [5]
