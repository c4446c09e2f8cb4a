"""Ingestion leaves a paper's back matter (reference list, keyword line) out of the index, with the real model."""

import pytest

from rag.chunk.backmatter import BODY, KEYWORDS, REFERENCES
from rag.engine import Engine
from rag.settings import Settings

pytestmark = pytest.mark.slow

# Only the reference list names zebrafish, cholera or organoids
REFERENCE_ONLY = "cholera toxin secretion in zebrafish intestinal organoids"

PAPER = """Enoxaparin versus low-dose heparin after major trauma

Keywords: heparin; venous thromboembolism; trauma; prophylaxis

Patients with major trauma have a high risk of venous thromboembolism. Deep vein thrombosis is often silent and \
may lead to fatal pulmonary embolism. We compared two regimens of prophylaxis in a randomized, double-blind trial \
at a regional trauma centre (Smith et al., 2010; Yang, 2007).

A total of 344 adult patients without intracranial bleeding were assigned to receive enoxaparin or low-dose \
heparin twice daily, starting within 36 hours of injury. Venography was performed on day 14 or earlier if \
symptoms appeared [1-3].

Deep vein thrombosis occurred in 31 percent of patients given enoxaparin and in 44 percent of those given \
low-dose heparin. Major bleeding was rare in both groups. Enoxaparin was more effective than low-dose heparin \
in preventing venous thromboembolism after major trauma.

References

1. Geerts WH, Jay RM, Code KI: A comparison of low-dose heparin with low-molecular-weight heparin as \
prophylaxis against venous thromboembolism after major trauma. N Engl J Med 1996, 335:701-7.
2. Knudson MM, Lewis FR, Clinton A, Atkinson K, Megerman J: Prevention of venous thromboembolism in trauma \
patients. J Trauma 1994, 37:480-7.
3. Okafor CN, Brandt LM, Takahashi Y: Cholera toxin secretion in zebrafish intestinal organoids. \
Dev Biol 2012, 368:212-9.
4. Smith, J. A., & Jones, B. (2010). Malaria transmission in rural Kenya. Malaria Journal, 9, 112-120.
5. Yang X, Li Y, Zhang H (2007) Statin therapy and cardiovascular outcomes. J Clin Invest 117:1233-1240.
"""


def add_paper(engine: Engine, folder) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trauma.txt"
    path.write_text(PAPER)
    report = engine.ingest("papers", [path])
    assert [name for name, _ in report.added] == ["trauma.txt"] and report.failed == []
    (record,) = engine.collection("papers").documents.values()
    return record


def test_back_matter_is_left_out_of_the_index_and_counted(tmp_path):
    engine = Engine(Settings.from_env())
    assert engine.settings.index_backmatter is False
    record = add_paper(engine, tmp_path)
    assert set(record["left_out"]) == {REFERENCES, KEYWORDS}
    assert record["left_out"][KEYWORDS] == 1 and record["left_out"][REFERENCES] >= 1

    hits = engine.search("papers", REFERENCE_ONLY, k=10)
    assert hits, "the body chunks are still found"
    assert {hit.chunk.kind for hit in hits} == {BODY}
    assert all("zebrafish" not in hit.chunk.text and "Geerts WH" not in hit.chunk.text for hit in hits)
    assert all("Keywords:" not in hit.chunk.text for hit in hits)
    # Every indexed chunk is body text, and the body is there
    everything = engine.search("papers", "enoxaparin heparin trauma thrombosis", k=50)
    assert len(everything) == record["chunks"]
    assert {hit.chunk.kind for hit in everything} == {BODY}
    assert any("Enoxaparin was more effective" in hit.chunk.text for hit in everything)
    # Chunk ids are numbered again from 0 without gaps
    assert sorted(hit.chunk.id.rsplit("-", 1)[1] for hit in everything) == [f"{i:04d}" for i in range(len(everything))]


def test_with_index_backmatter_the_reference_chunks_are_indexed(tmp_path):
    without = add_paper(Engine(Settings.from_env()), tmp_path / "a")
    # A data folder of its own, so the same file is not skipped as already in the collection
    engine = Engine(Settings.from_env(data_dir=tmp_path / "data-b", index_backmatter=True))
    record = add_paper(engine, tmp_path / "b")
    assert record["left_out"] == {}
    assert record["chunks"] == without["chunks"] + sum(without["left_out"].values())

    top = engine.search("papers", REFERENCE_ONLY, k=3)[0]
    assert top.chunk.kind == REFERENCES
    assert "zebrafish" in top.chunk.text.lower()
    kinds = {hit.chunk.kind for hit in engine.search("papers", "heparin trauma keywords prophylaxis", k=50)}
    assert kinds == {BODY, REFERENCES, KEYWORDS}
