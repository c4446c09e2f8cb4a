"""The engine end to end with the real bundled models: the shared PDFs, PubMed exports, answers, persistence."""

import json
import os
import subprocess
import sys

import pytest

from rag.engine import Engine
from rag.errors import CollectionError
from rag.settings import Settings
from tests.conftest import shared_data

PUBMED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<PubmedArticleSet>
 <PubmedArticle><MedlineCitation><PMID Version="1">31415926</PMID><Article>
  <Journal><Title>Journal of Thrombosis</Title>
  <JournalIssue><PubDate><Year>2019</Year></PubDate></JournalIssue></Journal>
  <ArticleTitle>Low molecular weight heparin after hip surgery.</ArticleTitle>
  <Abstract><AbstractText Label="RESULTS">Enoxaparin reduced venous thromboembolism after hip replacement.
  </AbstractText>
  </Abstract></Article></MedlineCitation></PubmedArticle>
 <PubmedArticle><MedlineCitation><PMID Version="1">27182818</PMID><Article>
  <Journal><Title>Malaria Journal</Title><JournalIssue><PubDate><Year>2016</Year></PubDate></JournalIssue></Journal>
  <ArticleTitle>Bed nets and malaria in children.</ArticleTitle>
  <Abstract><AbstractText>Insecticide-treated bed nets lowered malaria incidence in children under five.</AbstractText>
  </Abstract></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""

MEDLINE = """PMID- 11235813
TI  - Statins and cardiovascular mortality in older adults.
AB  - Statin therapy was associated with lower cardiovascular mortality in adults
      older than 75 years.
JT  - Cardiology Today
DP  - 2001 Mar
AU  - Smith J

PMID- 21345589
TI  - Vitamin D supplementation and fractures.
AB  - Daily vitamin D did not reduce hip fractures in community-dwelling women.
JT  - Bone Reports
DP  - 2011
AU  - Doe A
"""


@pytest.fixture(scope="module")
def pdfs():
    folder = shared_data("pdfs")
    return folder, json.loads((folder / "manifest.json").read_text())


@pytest.fixture(scope="module")
def engine(tmp_path_factory, pdfs):
    """One engine with the five shared PDFs ingested into collection 'papers'."""
    engine = Engine(Settings.from_env(data_dir=tmp_path_factory.mktemp("data")))
    folder, manifest = pdfs
    report = engine.ingest("papers", [(m["file"], folder / m["file"]) for m in manifest])
    assert report.failed == [] and len(report.added) == 5
    return engine


@pytest.mark.slow
def test_every_probe_phrase_finds_its_pdf_and_page(engine, pdfs):
    folder, manifest = pdfs
    for entry in manifest:
        for phrase in entry["probe_phrases"]:
            hits = engine.search("papers", phrase, k=3)
            found = [(h.chunk.document, h.chunk.page) for h in hits]
            pages = [h.chunk.page for h in hits if h.chunk.document == entry["file"]
                     and " ".join(phrase.split()) in " ".join(h.chunk.text.split())]
            assert pages, f"{phrase!r} not found in the top 3: {found}"
            assert isinstance(pages[0], int) and 1 <= pages[0] <= entry["pages"]


@pytest.mark.slow
def test_answer_quotes_evidence_from_the_pdf_it_comes_from_and_cites_it(engine):
    answer = engine.ask("papers", "Which prophylactic methods are used to prevent deep venous thrombosis in "
                        "trauma patients?").run()
    datta = "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"
    assert answer.evidence and answer.evidence[0].hit.chunk.document == datta
    # The sentence that lists the methods is quoted verbatim, among the evidence
    assert any("pharmacologic anticoagulation, mechanical compression devices" in e.text for e in answer.evidence)
    assert answer.sentences and not answer.abstained, answer.answer
    assert all(s["citations"] and all(1 <= n <= len(answer.evidence) for n in s["citations"])
               for s in answer.sentences)
    assert answer.answer == " ".join(s["text"] for s in answer.sentences)
    data = answer.to_dict()
    assert set(data) == {"question", "collections", "standalone", "answer", "sentences", "evidence", "citations",
                         "passages", "note", "timings", "models", "references", "dropped", "declined"}
    assert data["collections"] == ["papers"] and {e["collection"] for e in data["evidence"]} == {"papers"}
    assert data["references"][datta] == {"title": "Complications related to deep venous thrombosis prophylaxis in "
                                                  "trauma: a systematic review of the literature",
                                         "doi": "10.1186/1752-2897-4-1", "journal": "Journal of Trauma Management & "
                                         "Outcomes", "year": "2010",
                                         "authors": ["Datta I", "Ball CG", "Rudmik L", "Hameed SM", "Kortbeek JB"]}
    assert set(data["timings"]) >= {"retrieve_ms", "evidence_ms", "first_token_ms", "total_ms"}
    assert all(set(c) >= {"n", "document", "page", "chunk_id", "text", "score"} for c in data["citations"])
    assert all(set(s) == {"text", "citations", "supported", "support", "reason"} for s in data["sentences"])


@pytest.mark.slow
def test_reference_lists_are_left_out_of_retrieval(engine):
    """The ACE paper's keyword line and reference lists outranked its body before they were left out."""
    hits = engine.search("papers", "From which cells was the N-domain angiotensin-converting enzyme expressed "
                         "and purified?", k=3)
    assert hits and all(h.chunk.kind == "body" for h in hits)
    assert not any(h.chunk.text.lstrip().startswith(("Key words", "REFERENCES")) for h in hits)
    douglas = [d for d in engine.collection("papers").documents.values() if d["source"].startswith("douglas")][0]
    assert douglas["left_out"]["references"] >= 5 and douglas["left_out"]["keywords"] == 1


@pytest.mark.slow
def test_reingesting_adds_nothing(engine, pdfs):
    folder, manifest = pdfs
    before = engine.collection("papers").manifest["version"]
    report = engine.ingest("papers", [(manifest[0]["file"], folder / manifest[0]["file"])])
    assert report.added == [] and report.skipped == [(manifest[0]["file"], "already in the collection")]
    assert engine.collection("papers").manifest["version"] == before


@pytest.mark.slow
def test_a_second_process_sees_the_saved_collection(engine):
    env = {**os.environ, "RAG_DATA_DIR": str(engine.settings.data_dir)}
    result = subprocess.run([sys.executable, "-m", "rag.cli", "search", "vespa selective pressure", "--collection",
                             "papers", "-k", "2", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert hits[0]["document"] == "webb2017_vespa_selective_pressure_peerjcs.pdf"
    assert set(hits[0]) == {"collection", "document", "page", "chunk_id", "text", "score"}
    assert hits[0]["collection"] == "papers"


@pytest.mark.slow
def test_pubmed_exports_keep_their_pmids(tmp_path):
    engine = Engine(Settings.from_env())
    (tmp_path / "export.xml").write_text(PUBMED_XML)
    (tmp_path / "export.nbib").write_text(MEDLINE)
    files = [("export.xml", tmp_path / "export.xml"), ("export.nbib", tmp_path / "export.nbib")]
    report = engine.ingest("pubmed", files)
    assert report.failed == []
    docs = {d["source"]: d for d in engine.collection("pubmed").documents.values()}
    assert set(docs) == {"31415926", "27182818", "11235813", "21345589"}
    assert docs["31415926"]["metadata"]["journal"] == "Journal of Thrombosis"
    assert docs["11235813"]["metadata"]["year"] in ("2001", 2001)
    assert engine.search("pubmed", "bed nets malaria children", k=1)[0].chunk.document == "27182818"
    assert engine.search("pubmed", "statins mortality elderly", k=1)[0].chunk.document == "11235813"


@pytest.mark.slow
def test_documents_can_be_removed_and_collections_deleted(tmp_path):
    engine = Engine(Settings.from_env())
    (tmp_path / "a.txt").write_text("Heparin prevents deep venous thrombosis in trauma patients.")
    (tmp_path / "b.md").write_text("# Malaria\n\nMalaria is spread by Anopheles mosquitoes.")
    engine.ingest("notes", [("a.txt", tmp_path / "a.txt"), ("b.md", tmp_path / "b.md")])
    engine.remove_document("notes", "a.txt")
    assert [d["source"] for d in engine.collection("notes").documents.values()] == ["b.md"]
    assert {h.chunk.document for h in engine.search("notes", "heparin thrombosis", k=5)} == {"b.md"}
    # Removed content can be added again
    assert engine.ingest("notes", [("a.txt", tmp_path / "a.txt")]).added == [("a.txt", 1)]
    engine.delete("notes")
    assert engine.collections() == []
    with pytest.raises(CollectionError, match="No collection named"):
        engine.search("notes", "heparin")


@pytest.mark.slow
def test_a_collection_built_with_another_model_is_not_queried_silently_wrong(tmp_path):
    from tests import tiny_bert

    folder = tiny_bert.build(tmp_path / "tiny")
    tiny = Engine(Settings.from_env(embeddings=str(folder)))
    (tmp_path / "a.txt").write_text("Heparin prevents deep venous thrombosis.")
    tiny.ingest("built-tiny", [("a.txt", tmp_path / "a.txt")])

    # The default engine queries it with the model it was built with
    default = Engine(Settings.from_env())
    assert default.collection("built-tiny").model.path == folder.resolve()
    assert default.search("built-tiny", "heparin")[0].chunk.document == "a.txt"

    # With that model gone, the user is told what to do
    import shutil

    shutil.rmtree(folder)
    with pytest.raises(CollectionError, match="was built with the embedding model"):
        Engine(Settings.from_env()).collection("built-tiny")


def test_invalid_collection_names_are_refused():
    engine = Engine(Settings.from_env())
    for name in ["../escape", "", ".hidden", "a/b", "x" * 65]:
        with pytest.raises(CollectionError, match="Invalid collection name"):
            engine.create(name)


def notes_engine(tmp_path) -> Engine:
    engine = Engine(Settings.from_env())
    (tmp_path / "a.txt").write_text("Heparin prevents deep venous thrombosis in trauma patients.")
    engine.ingest("notes", [("a.txt", tmp_path / "a.txt")])
    return engine


@pytest.mark.slow
def test_a_collection_is_not_deleted_while_it_is_being_written(tmp_path):
    import fcntl

    engine = notes_engine(tmp_path)
    with engine.collection("notes").writing():  # an ingest in this process, between reading and committing
        with pytest.raises(CollectionError, match="'notes' is being written to"):
            engine.delete("notes")
    with open(engine.storage.root / "notes" / ".lock", "w") as lock:  # ...and in another process (a file lock)
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(CollectionError, match="'notes' is being written to"):
            engine.delete("notes")
    assert [c["name"] for c in engine.collections()] == ["notes"]
    engine.delete("notes")
    assert engine.collections() == [] and not (engine.storage.root / "notes").exists()


@pytest.mark.slow
def test_an_ingest_into_a_collection_deleted_meanwhile_fails_and_does_not_bring_it_back(tmp_path):
    engine = notes_engine(tmp_path)
    (tmp_path / "b.txt").write_text("Malaria is spread by Anopheles mosquitoes.")

    def delete_while_reading(stage, done, total, item):
        if stage == "reading" and item == "b.txt":
            engine.delete("notes")

    with pytest.raises(CollectionError, match="'notes' was deleted"):
        engine.ingest("notes", [("b.txt", tmp_path / "b.txt")], delete_while_reading)
    assert engine.collections() == [] and not (engine.storage.root / "notes").exists()


@pytest.mark.slow
def test_a_damaged_collection_is_listed_with_the_reason_and_can_be_deleted(tmp_path, capsys):
    from rag.cli import main

    engine = notes_engine(tmp_path)
    (engine.storage.root / "notes" / "collection.json").write_text("{truncated")
    [listed] = engine.collections()
    assert listed["name"] == "notes" and "cannot be read" in listed["damaged"]
    assert main(["collections"]) == 0
    assert "notes\tDAMAGED: Collection 'notes' cannot be read" in capsys.readouterr().out
    engine.delete("notes")
    assert engine.collections() == []


@pytest.mark.slow
def test_an_upload_with_a_long_non_ascii_name_goes_in_with_the_rest(tmp_path):
    engine = Engine(Settings.from_env())
    long_name = "Тромбопрофилактика у пациентов с травмой " * 6 + ".txt"  # 466 bytes of UTF-8 in 250 characters
    report = engine.ingest_uploads("uploads", [
        (long_name, b"Heparin prevents deep venous thrombosis in trauma patients."),
        ("b.txt", b"Malaria is spread by Anopheles mosquitoes."),
    ])
    assert report.failed == [] and len(report.added) == 2
    [stored] = [d["filename"] for d in engine.collection("uploads").documents.values() if d["filename"] != "b.txt"]
    assert stored.startswith("Тромбопрофилактика") and stored.endswith(".txt") and len(stored.encode()) <= 240


@pytest.mark.slow
def test_undecodable_bytes_are_a_warning_in_the_ingest_report(tmp_path, monkeypatch):
    # The code page is detected from the first SAMPLE bytes (1 MB; 4 kB here to keep the test small); a byte
    # after them that the code page lacks is replaced, and the report says so
    monkeypatch.setattr("rag.load.plaintext.SAMPLE", 4000)
    engine = Engine(Settings.from_env())
    text = "Η ηπαρίνη προλαμβάνει τη θρόμβωση των εν τω βάθει φλεβών σε ασθενείς με τραύμα. " * 100
    (tmp_path / "el.txt").write_bytes(text.encode("iso8859_7") + b" \xd2 end")  # 0xD2: no letter in ISO 8859-7
    report = engine.ingest("el", [("el.txt", tmp_path / "el.txt")])
    assert report.added and report.warnings == [
        ("el.txt", "1 byte(s) could not be decoded as text and were replaced by \ufffd")]


def test_a_relative_embeddings_folder_is_recorded_as_an_absolute_path(tmp_path, monkeypatch):
    from tests import tiny_bert

    tiny_bert.build(tmp_path / "models" / "tiny")
    monkeypatch.chdir(tmp_path)
    engine = Engine(Settings.from_env(embeddings="./models/tiny"))
    (tmp_path / "a.txt").write_text("Heparin prevents deep venous thrombosis.")
    engine.ingest("tiny", [("a.txt", tmp_path / "a.txt")])
    recorded = json.loads((engine.storage.root / "tiny" / "collection.json").read_text())["embeddings"]["name"]
    assert recorded == str((tmp_path / "models" / "tiny").resolve())
    # Started later from another folder, the app still finds the collection's model
    monkeypatch.chdir("/")
    assert Engine(Settings.from_env()).search("tiny", "heparin")[0].chunk.document == "a.txt"
