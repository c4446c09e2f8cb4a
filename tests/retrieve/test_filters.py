"""Filters by document, year and journal, applied inside retrieval: the best passages of the admitted documents."""

import json

import pytest

from rag.engine import Engine
from rag.retrieve.filters import Filters
from rag.settings import Settings
from tests.test_engine import PUBMED_XML

DOCS = {
    "a": {"source": "31415926", "filename": "pubmed.xml", "metadata": {"year": "2019", "journal": "J Thromb"}},
    "b": {"source": "27182818", "filename": "pubmed.xml", "metadata": {"year": "2016", "journal": "Malaria Journal"}},
    "c": {"source": "notes.txt", "filename": "notes.txt", "metadata": {}},
}


def test_a_filter_admits_documents_by_name_year_and_journal():
    assert not Filters() and Filters(year_from=2018)
    assert Filters(year_from=2018).select(DOCS) == {"a"}  # a document without a year is left out
    assert Filters(year_from=2010, year_to=2016).select(DOCS) == {"b"}
    assert Filters(journal="malaria").select(DOCS) == {"b"}
    assert Filters(documents=("notes.txt", "31415926")).select(DOCS) == {"a", "c"}
    assert Filters(documents=("pubmed.xml",), year_to=2017).select(DOCS) == {"b"}
    assert Filters(("x.pdf",), 2015, 2020, "Lancet").describe() == 'documents x.pdf; years 2015-2020; journal "Lancet"'


@pytest.mark.slow
def test_a_filtered_search_finds_the_best_passages_of_the_admitted_documents(tmp_path):
    (tmp_path / "pubmed.xml").write_text(PUBMED_XML)
    # Many passages about heparin that would fill any top-k before the 2016 malaria record
    for i in range(30):
        (tmp_path / f"heparin{i}.txt").write_text(f"Heparin prevents venous thrombosis after hip surgery, trial {i}.")
    engine = Engine(Settings.from_env())
    engine.ingest("c", [tmp_path])
    for mode in ("dense", "hybrid"):
        unfiltered = engine.search("c", "heparin after hip surgery", k=5, mode=mode)
        assert "27182818" not in {h.chunk.document for h in unfiltered}
        # A year filter excludes the papers of other years: only the 2016 record is left, and it is found
        hits = engine.search("c", "heparin after hip surgery", k=5, mode=mode, filters=Filters(year_to=2017))
        assert [h.chunk.document for h in hits] == ["27182818"], mode
    # Keywords: only the words the admitted document has can find it
    hits = engine.search("c", "hip surgery in children", k=5, mode="bm25", filters=Filters(year_to=2017))
    assert [h.chunk.document for h in hits] == ["27182818"]
    assert engine.search("c", "heparin hip surgery", k=5, mode="bm25", filters=Filters(year_to=2017)) == []
    for mode in ("dense", "bm25", "hybrid"):
        chosen = Filters(documents=("heparin7.txt", "heparin12.txt"))
        assert {h.chunk.document for h in engine.search("c", "heparin", k=5, mode=mode, filters=chosen)} == \
            {"heparin7.txt", "heparin12.txt"}, mode
    assert engine.search("c", "heparin", filters=Filters(journal="no such journal")) == []
    # Asking with a filter answers from the admitted documents only
    answer = engine.ask("c", "What lowered malaria in children?", filters=Filters(year_to=2017)).run()
    assert {p.chunk.document for p in answer.passages} == {"27182818"}


@pytest.mark.slow
def test_year_and_journal_filters_find_pdfs_by_what_their_first_page_prints(capsys):
    from rag.cli import main
    from tests.conftest import shared_data

    folder = shared_data("pdfs")
    probes = {p["file"]: p["probe_phrases"][0] for p in json.loads((folder / "manifest.json").read_text())}
    datta, douglas, webb = papers = ("datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf",  # 2010
                                     "douglas2014_ace_n_domain_inhibitors_clinsci.pdf",  # 2014, Clinical Science
                                     "webb2017_vespa_selective_pressure_peerjcs.pdf")  # 2017, PeerJ Comput. Sci.
    assert main(["ingest", *(str(folder / p) for p in papers), "--collection", "papers"]) == 0

    def found(*options: str) -> set[str]:
        """The papers that their own probe phrase finds (in the top 3) under the filter ``options``."""
        seen = set()
        for paper in papers:
            capsys.readouterr()
            assert main(["search", probes[paper], "--collection", "papers", "-k", "3", "--json", *options]) == 0
            if paper in {hit["document"] for hit in json.loads(capsys.readouterr().out)["hits"]}:
                seen.add(paper)
        return seen

    assert found() == {datta, douglas, webb}
    assert found("--year-from", "2014") == {douglas, webb}
    assert found("--year-to", "2013") == {datta}
    assert found("--year-from", "2011", "--year-to", "2016") == {douglas}
    assert found("--journal", "clinical science") == {douglas}
    assert found("--journal", "peerj", "--year-to", "2016") == set()
