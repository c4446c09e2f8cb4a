"""Several collections asked as one: hits merged into one ranked list (by score on one model's scale, by reciprocal
rank across models), each naming its collection; and with the real models, a passage of the second collection
found, cited and opened."""

import json
from types import SimpleNamespace

import pytest

from rag.documents import Chunk, Hit
from rag.engine import Engine
from rag.retrieve.merge import MultiCollectionSearch, merge
from rag.settings import Settings
from tests.conftest import shared_data

TRAUMA = "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"
HEART = "tully2010_heart_failure_programmes_rehabrespract.pdf"


def hits(collection: str, *scores: float) -> list[Hit]:
    return [Hit(Chunk(f"{collection}{i}-0000", f"{collection}.txt", f"Passage {i} of {collection}.",
                      doc_id=f"{collection}{i}"), s) for i, s in enumerate(scores)]


def names(found: list[Hit]) -> list[str]:
    return [h.chunk.id.split("-")[0] for h in found]


def test_hits_of_one_model_are_merged_by_score():
    assert names(merge([hits("a", 0.9, 0.5, 0.4), hits("b", 0.8, 0.7)], 4, same_scale=True)) == ["a0", "b0", "b1", "a1"]


def test_hits_of_different_models_are_merged_by_rank_not_by_their_scales():
    # "a" scores on a higher scale: by score it would fill the list; by reciprocal rank they take turns
    a, b = hits("a", 0.95, 0.93, 0.92, 0.91), hits("b", 0.41, 0.40, 0.39)
    assert names(merge([a, b], 4, same_scale=True)) == ["a0", "a1", "a2", "a3"]
    merged = merge([a, b], 4, same_scale=False)
    assert names(merged) == ["a0", "b0", "a1", "b1"]
    assert [h.score for h in merged] == [0.95, 0.41, 0.93, 0.40]  # each keeps its own collection's score


def test_a_passage_found_in_two_collections_is_kept_once_where_it_ranks_best():
    same = Chunk("d-0001", "paper.pdf", "Heparin  prevents\nthrombosis.", doc_id="d")
    copy = Chunk("d-0001", "paper.pdf", "Heparin prevents thrombosis.", doc_id="d")
    merged = merge([[Hit(same, 0.6)], [Hit(copy, 0.7), *hits("b", 0.5)]], 5, same_scale=True)
    assert [(h.chunk is copy, h.score) for h in merged] == [(True, 0.7), (False, 0.5)]


def test_a_multi_collection_search_labels_each_hit_with_its_collection_and_merges_the_document_tables():
    def part(name: str, model: str, scores: tuple) -> SimpleNamespace:
        return SimpleNamespace(name=name, model=SimpleNamespace(name=model), search=lambda *_: hits(name, *scores),
                               manifest={"documents": {f"{name}0": {"title": name}}}, embed=lambda t: name)

    both = MultiCollectionSearch([part("a", "m1", (0.9, 0.2)), part("b", "m2", (0.3,))])
    found = both.search("q", 3, "hybrid", 0.5)
    assert [(h.chunk.collection, h.score) for h in found] == [("a", 0.9), ("b", 0.3), ("a", 0.2)]  # by rank
    assert found[1].to_dict()["collection"] == "b"
    assert both.manifest["documents"] == {"a0": {"title": "a"}, "b0": {"title": "b"}}
    assert both.embed(["x"]) == "a" and both.model.name == "m1" and both.name == "a + b"
    same = MultiCollectionSearch([part("a", "m1", (0.9, 0.2)), part("b", "m1", (0.3,))])
    assert [h.score for h in same.search("q", 3, "hybrid", 0.5)] == [0.9, 0.3, 0.2]  # by score


@pytest.mark.slow
def test_a_question_whose_best_passage_is_in_the_second_collection_is_answered_and_cited_from_it(capsys):
    from rag.cli import main

    folder = shared_data("pdfs")
    assert main(["ingest", str(folder / TRAUMA), "--collection", "Trauma"]) == 0
    assert main(["ingest", str(folder / HEART), "--collection", "Heart"]) == 0
    question = "What did patients value in structured heart failure rehabilitation programmes?"
    capsys.readouterr()
    assert main(["ask", question, "--collection", "Trauma", "--collection", "Heart", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["collections"] == ["Trauma", "Heart"] and not answer["declined"]
    assert (answer["passages"][0]["collection"], answer["passages"][0]["document"]) == ("Heart", HEART)
    cited = [c for c in answer["citations"] if c["collection"] == "Heart"]
    assert cited and all(c["document"] == HEART for c in cited)
    # The cited source opens from its own collection: its original is the Heart collection's copy of the PDF
    engine = Engine(Settings.from_env())
    data, filename = engine.original(cited[0]["collection"], cited[0]["chunk_id"])
    assert filename == HEART and data == (folder / HEART).read_bytes()
    assert engine.original("Trauma", cited[0]["chunk_id"]) is None
    # The text output names each source's collection; one collection alone shows none
    assert main(["search", question, "--collection", "Trauma", "--collection", "Heart", "-k", "2"]) == 0
    assert capsys.readouterr().out.startswith(f"[1] Heart / {HEART}, page ")
    assert main(["search", question, "--collection", "Trauma", "-k", "1"]) == 0
    assert capsys.readouterr().out.startswith(f"[1] {TRAUMA}, page ")


@pytest.mark.slow
def test_collections_of_different_embedding_models_take_turns_in_the_merged_list(tmp_path):
    from tests import tiny_bert

    notes = {"heparin.txt": "Heparin prevents deep venous thrombosis after surgery.",
             "aspirin.txt": "Aspirin after hip surgery is cheap and prevents some clots.",
             "nets.txt": "Bed nets lowered malaria in children under five.",
             "statins.txt": "Statins lowered cardiovascular deaths in older adults."}
    for file, text in notes.items():
        (tmp_path / file).write_text(text)
    Engine(Settings.from_env(embeddings=str(tiny_bert.build(tmp_path / "tiny")))).ingest(
        "tiny", [tmp_path / "heparin.txt", tmp_path / "nets.txt"])  # a 32-dimension model of its own
    engine = Engine(Settings.from_env())
    engine.ingest("minilm", [tmp_path / "aspirin.txt", tmp_path / "statins.txt"])
    own = {n: engine.search(n, "clots after surgery", k=2, mode="dense") for n in ("minilm", "tiny")}
    found = engine.search(["minilm", "tiny"], "clots after surgery", k=4, mode="dense")
    expected = [own["minilm"][0], own["tiny"][0], own["minilm"][1], own["tiny"][1]]
    assert [(h.chunk.collection, h.chunk.document, h.score) for h in found] == \
        [(c, h.chunk.document, h.score) for c, h in zip(["minilm", "tiny"] * 2, expected, strict=True)]
