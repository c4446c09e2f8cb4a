"""Ingestion into a collection: per-file failures with reasons, duplicates skipped, progress, and the report."""

import pytest

from rag.index.local.collection import Collection
from rag.index.local.folder import create_manifest
from rag.ingest.ingest import IngestReport, ingest
from rag.models import resolve_embeddings
from rag.settings import Settings
from tests.fakes import WordTokenizer

pytestmark = pytest.mark.slow

HEPARIN = "Heparin prevents deep vein thrombosis after hip surgery. Bleeding was rare."
MALARIA = "Bed nets lowered malaria incidence in children under five."


@pytest.fixture(scope="module")
def model():
    return resolve_embeddings("")


@pytest.fixture
def collection(tmp_path, model):
    create_manifest(tmp_path / "c", "c", model, {"max_tokens": 64, "overlap": 8})
    return Collection(tmp_path / "c", model, {})


def files(tmp_path, **contents) -> list[tuple[str, object]]:
    """(display name, path) pairs for files written under tmp_path/in; '_' in a keyword stands for '.'."""
    (tmp_path / "in").mkdir(exist_ok=True)
    pairs = []
    for key, content in contents.items():
        name = key.replace("_", ".")
        path = tmp_path / "in" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        pairs.append((name, path))
    return pairs


def run(collection, pairs, settings=None, progress=None) -> IngestReport:
    return ingest(collection, WordTokenizer(), settings or Settings.from_env(), pairs, progress)


def test_a_failing_file_is_reported_while_the_others_land(tmp_path, collection):
    pairs = files(tmp_path, heparin_txt=HEPARIN, broken_pdf=b"%PDF-1.4\n" + bytes(range(256)) * 8, empty_md="  \n",
                  malaria_md=f"# Malaria\n\n{MALARIA}")
    pairs.append(("missing.txt", tmp_path / "in" / "missing.txt"))
    report = run(collection, pairs)
    assert [name for name, _ in report.added] == ["heparin.txt", "malaria.md"]
    assert report.failed == [("broken.pdf", "the PDF is damaged or incomplete"), ("empty.md", "the file is empty"),
                             ("missing.txt", "not a file")]
    assert {d["filename"] for d in collection.documents.values()} == {"heparin.txt", "malaria.md"}
    assert collection.manifest["version"] == 1
    assert collection.search("malaria bed nets", 1, "hybrid", 0.5)[0].chunk.document == "malaria.md"


def test_nothing_is_committed_when_every_file_fails(tmp_path, collection):
    report = run(collection, files(tmp_path, a_txt=b"\x00\x01\x02" * 100))
    assert report.added == [] and [name for name, _ in report.failed] == ["a.txt"]
    assert collection.manifest["version"] == 0 and collection.documents == {}


def test_duplicates_by_bytes_or_by_text_are_skipped(tmp_path, collection):
    run(collection, files(tmp_path, heparin_txt=HEPARIN))
    report = run(collection, files(tmp_path, copy_txt=HEPARIN, spaced_txt=f"\n\n{HEPARIN}   \n\n\n",
                                   malaria_txt=MALARIA, malaria2_txt=MALARIA))
    assert report.skipped == [("copy.txt", "already in the collection"),
                              ("spaced.txt", "its text is already in the collection"),
                              ("malaria2.txt", "already in the collection")]
    assert [name for name, _ in report.added] == ["malaria.txt"]
    assert sorted(d["filename"] for d in collection.documents.values()) == ["heparin.txt", "malaria.txt"]
    assert run(collection, files(tmp_path, again_txt=MALARIA)).added == []
    assert collection.manifest["version"] == 2


def test_progress_reads_every_file_then_indexes(tmp_path, collection):
    events = []
    run(collection, files(tmp_path, a_txt=HEPARIN, b_txt=MALARIA), progress=lambda *event: events.append(event))
    stages = [stage for stage, *_ in events]
    assert stages == sorted(stages, key=["reading", "indexing"].index) and stages[-1] == "indexing"
    assert events[:3] == [("reading", 0, 2, "a.txt"), ("reading", 1, 2, "b.txt"), ("reading", 2, 2, "")]
    assert events[-1][1] == events[-1][2] > 0


def test_the_batch_size_limit_refuses_the_files_past_it(tmp_path, collection):
    settings = Settings.from_env(max_batch_mb=100 / 1024 / 1024)
    report = run(collection, files(tmp_path, a_txt=HEPARIN, b_txt=MALARIA), settings)
    assert [name for name, _ in report.added] == ["a.txt"]
    assert report.failed == [("b.txt", f"the batch is over its limit of {settings.max_batch_mb:g} MB")]


def test_the_report_counts_files_and_has_a_json_shape(tmp_path, collection):
    report = run(collection, files(tmp_path, a_txt=HEPARIN, b_txt=HEPARIN, c_pdf=b"%PDF-1.4\nbroken"))
    assert report.files == 3 and report.chunks == report.added[0][1] > 0
    shape = report.to_dict()
    assert shape == {"added": [{"file": "a.txt", "chunks": report.chunks}],
                     "skipped": [{"file": "b.txt", "reason": "already in the collection"}],
                     "failed": [{"file": "c.pdf", "reason": "the PDF is damaged or incomplete"}],
                     "warnings": [], "chunks": report.chunks, "seconds": shape["seconds"]}
    assert isinstance(shape["seconds"], float) and shape["seconds"] >= 0


def test_fragments_of_under_two_words_are_left_out_and_counted():
    from rag.documents import Chunk
    from rag.ingest.ingest import chunks_to_index

    texts = [("Heparin prevents thrombosis.", "body"), ("29.", "body"), ("ISBN 906832148X. 23.", "body"),
             ("Smith J. Chest 2004, 126:338.", "references"), ("Aspirin works.", "body")]
    chunks = [Chunk(id=f"d-{i:04d}", document="d.pdf", text=t, doc_id="d", kind=k) for i, (t, k) in enumerate(texts)]
    kept, left_out = chunks_to_index(chunks, backmatter=False)
    assert [c.text for c in kept] == ["Heparin prevents thrombosis.", "Aspirin works."]
    assert [c.id for c in kept] == ["d-0000", "d-0001"] and left_out == {"fragments": 2, "references": 1}
    kept, left_out = chunks_to_index(chunks, backmatter=True)  # back matter kept on request; fragments never
    assert len(kept) == 3 and left_out == {"fragments": 2}
    # Words in any script count: a Greek or Russian passage is no fragment
    greek = [Chunk(id="g-0000", document="g.txt", text="Η ηπαρίνη προλαμβάνει.", doc_id="g"),
             Chunk(id="g-0001", document="g.txt", text="Гепарин.", doc_id="g")]
    assert chunks_to_index(greek, backmatter=False) == (greek[:1], {"fragments": 1})


def test_with_the_crossref_look_up_a_doi_of_another_paper_is_not_kept(tmp_path, collection):
    from tests.conftest import shared_data
    from tests.load.test_crossref import OWN_DOI, PDF, FakeCrossref, record

    pdf = shared_data("pdfs", PDF)
    with FakeCrossref({OWN_DOI: record("Malaria incidence in children under five")}) as crossref:
        settings = Settings.from_env().with_(data_dir=tmp_path / "data", metadata_lookup="crossref",
                                             crossref_url=crossref.url)
        report = run(collection, [(PDF, pdf)], settings)
    assert [name for name, _ in report.added] == [PDF] and crossref.requests == [f"/works/{OWN_DOI}"]
    (stored,) = collection.documents.values()
    assert "doi" not in stored["metadata"] and "Malaria incidence" in stored["metadata"]["lookup"]
    # Off by default: the PDF's own DOI kept
    create_manifest(tmp_path / "d", "d", collection.model, {"max_tokens": 64, "overlap": 8})
    other = Collection(tmp_path / "d", collection.model, {})
    run(other, [(PDF, pdf)])
    (stored,) = other.documents.values()
    assert stored["metadata"]["doi"] == OWN_DOI and "lookup" not in stored["metadata"]
