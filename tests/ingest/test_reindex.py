"""`rag reindex`: a collection rebuilt with another embedding model keeps every document and answers from it."""

import json
import subprocess
import sys

import pytest

from rag.engine import Engine
from rag.errors import CollectionError
from rag.settings import Settings
from tests import tiny_bert
from tests.conftest import ROOT
from tests.test_engine import PUBMED_XML

NOTES = {
    "heparin.txt": "Heparin prevents deep venous thrombosis after hip surgery in trauma patients.",
    "malaria.md": "# Malaria\n\nMosquitoes spread malaria; bed nets lower the number of cases in children.",
}


@pytest.fixture
def collection(tmp_path):
    """Collection 'notes' built with the bundled MiniLM: two text files and a PubMed file of two records."""
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pubmed.xml").write_text(PUBMED_XML)
    engine = Engine(Settings.from_env())
    report = engine.ingest("notes", [tmp_path / n for n in [*NOTES, "pubmed.xml"]])
    assert not report.failed and len(engine.collection("notes").documents) == 4
    return engine


@pytest.mark.slow
def test_reindex_keeps_every_document_and_searches_with_the_new_model(collection, tmp_path):
    before = collection.collection("notes")
    documents = {i: (d["source"], d["title"], d["file"]) for i, d in before.documents.items()}
    version = before.manifest["version"]
    tiny = tiny_bert.build(tmp_path / "tiny")  # another model: 32 dimensions, 512 tokens

    # Another engine (another app process) has the collection open while it is re-indexed
    other = Engine(Settings.from_env())
    assert other.search("notes", "heparin")[0].chunk.document == "heparin.txt"
    done = collection.reindex("notes", str(tiny))
    assert (done["from"], done["to"], done["documents"]) == ("sentence-transformers/all-MiniLM-L6-v2", str(tiny), 4)
    after = collection.collection("notes")
    assert after.manifest["embeddings"] == {"name": str(tiny), "maxlength": 512}
    assert after.manifest["chunking"] == {"max_tokens": 256, "overlap": 32}  # MiniLM's were 254: 256 - 2
    assert after.manifest["version"] == version + 1
    assert {i: (d["source"], d["title"], d["file"]) for i, d in after.documents.items()} == documents
    assert after.embed(["heparin"]).shape == (1, 32)  # queries now go through the new model
    assert {h.chunk.document for h in collection.search("notes", "heparin thrombosis", k=10)} >= {"heparin.txt"}
    assert other.search("notes", "heparin", mode="bm25")[0].chunk.document == "heparin.txt"
    assert other.collection("notes").embed(["heparin"]).shape == (1, 32)  # the other process followed at its search

    # Back to the bundled model by its catalogue name: the answers are MiniLM's again
    assert collection.reindex("notes", "minilm")["to"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert collection.search("notes", "Which insects transmit malaria?", mode="dense")[0].chunk.document == \
        "malaria.md"
    with pytest.raises(CollectionError, match="already indexed with sentence-transformers/all-MiniLM-L6-v2"):
        collection.reindex("notes", "minilm")


@pytest.mark.slow
def test_a_reindex_that_cannot_read_a_file_again_changes_nothing(collection, tmp_path):
    notes = collection.collection("notes")
    manifest = json.dumps(notes.manifest, sort_keys=True)
    stored = next(d["file"] for d in notes.documents.values() if d["filename"] == "malaria.md")
    (notes.folder / "files" / stored).write_bytes(b"\x00" * 10)  # damaged on disk
    with pytest.raises(CollectionError, match="malaria.md could not be read again .*nothing was changed, the "
                                              "collection keeps sentence-transformers/all-MiniLM-L6-v2"):
        collection.reindex("notes", str(tiny_bert.build(tmp_path / "tiny")))
    assert json.dumps(collection.collection("notes").manifest, sort_keys=True) == manifest
    assert collection.search("notes", "heparin")[0].chunk.document == "heparin.txt"
    assert sorted(p.name for p in notes.folder.iterdir()) == [".lock", "collection.json", "files", "index-000001"]


@pytest.mark.slow
def test_the_cli_reindexes_with_progress_and_refuses_an_unknown_model(collection, data_dir, tmp_path):
    tiny = tiny_bert.build(tmp_path / "tiny")
    done = subprocess.run([sys.executable, "-m", "rag.cli", "reindex", "-c", "notes", "--embeddings", str(tiny)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Re-indexed notes: 4 documents" in done.stdout and f"with {tiny} (was sentence-transformers" in done.stdout
    assert "indexing" in done.stderr and "reading" in done.stderr
    bad = subprocess.run([sys.executable, "-m", "rag.cli", "reindex", "-c", "notes", "--embeddings", "pubmedbert"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "rag: Embedding model pubmedbert is not on this machine: run `rag models pull " \
                                 "pubmedbert`."
