"""Collections on disk: a manifest, one index folder per version, atomic commits, removal, and clear errors."""

import json

import pytest

from rag.documents import Chunk
from rag.errors import CollectionError
from rag.index.collection import Collection, chunk_ids, create_manifest, read_manifest
from rag.models import resolve_embeddings

CHUNKING = {"max_tokens": 254, "overlap": 32}


@pytest.fixture(scope="module")
def model():
    return resolve_embeddings("")


@pytest.fixture
def folder(tmp_path, model):
    folder = tmp_path / "papers"
    create_manifest(folder, "papers", model, CHUNKING)
    return folder


def add(collection: Collection, doc_id: str, text: str, stored: str | None = None) -> None:
    """Add a one-chunk document the way ingestion does: a record, its chunks and its original file."""
    record = {"source": f"{doc_id}.txt", "title": doc_id, "filename": f"{doc_id}.txt", "file": stored or "",
              "sha256": doc_id, "chunks": 1, "pages": 0, "metadata": {}, "added": 0}
    with collection.writing() as index:
        [chunk_id] = chunk_ids(doc_id, 1)
        index.upsert([Chunk(id=chunk_id, document=record["source"], text=text, doc_id=doc_id)])
        collection.commit(index, {**collection.documents, doc_id: record}, {stored: text.encode()} if stored else {})


def test_a_new_collection_has_an_empty_manifest(folder, model):
    manifest = json.loads((folder / "collection.json").read_text())
    assert {k: manifest[k] for k in ("name", "version", "index", "documents", "chunking")} == {
        "name": "papers", "version": 0, "index": None, "documents": {}, "chunking": CHUNKING}
    assert manifest["embeddings"] == {"name": model.name, "maxlength": model.maxlength}
    assert (folder / "files").is_dir() and read_manifest(folder) == manifest


@pytest.mark.slow
def test_each_commit_is_a_new_version_and_old_index_folders_go(folder, model):
    collection = Collection(folder, model, {})
    assert collection.name == "papers" and collection.search("heparin", 3, "hybrid", 0.5) == []
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.", "aaaa.txt")
    assert sorted(p.name for p in folder.glob("index-*")) == ["index-000001"]
    add(collection, "malaria", "Bed nets prevent malaria.", "bbbb.txt")
    manifest = json.loads((folder / "collection.json").read_text())
    assert (manifest["version"], manifest["index"]) == (2, "index-000002")
    assert set(manifest["documents"]) == {"heparin", "malaria"}
    assert sorted(p.name for p in folder.glob("index-*")) == ["index-000002"]
    assert sorted(p.name for p in (folder / "files").iterdir()) == ["aaaa.txt", "bbbb.txt"]
    assert (folder / "files" / "aaaa.txt").read_text() == "Heparin prevents deep vein thrombosis."
    assert collection.search("thrombosis", 1, "hybrid", 0.5)[0].chunk.doc_id == "heparin"


@pytest.mark.slow
def test_a_collection_reopened_or_open_elsewhere_sees_the_latest_version(folder, model):
    first, second = Collection(folder, model, {}), Collection(folder, model, {})
    add(first, "heparin", "Heparin prevents deep vein thrombosis.")
    assert [h.chunk.doc_id for h in second.search("thrombosis", 1, "dense", 0.5)] == ["heparin"]
    assert second.manifest["version"] == 1
    assert Collection(folder, model, {}).search("thrombosis", 1, "bm25", 0.5)[0].chunk.doc_id == "heparin"


@pytest.mark.slow
def test_remove_document_by_name_is_a_new_version_without_it(folder, model):
    collection = Collection(folder, model, {})
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.", "aaaa.txt")
    add(collection, "malaria", "Bed nets prevent malaria.", "bbbb.txt")
    removed = collection.remove_document("heparin.txt")
    assert removed["source"] == "heparin.txt"
    assert set(collection.documents) == {"malaria"} and collection.manifest["version"] == 3
    assert [h.chunk.doc_id for h in collection.search("thrombosis heparin", 5, "hybrid", 0.5)] == ["malaria"]
    assert sorted(p.name for p in (folder / "files").iterdir()) == ["bbbb.txt"]
    with pytest.raises(CollectionError, match="No document 'heparin.txt' in collection 'papers'"):
        collection.remove_document("heparin.txt")
    assert collection.manifest["version"] == 3


@pytest.mark.slow
def test_leftovers_of_an_interrupted_write_are_cleaned_up_on_open(folder, model):
    add(Collection(folder, model, {}), "heparin", "Heparin prevents deep vein thrombosis.", "aaaa.txt")
    (folder / "index-000002.tmp").mkdir()
    (folder / "index-000002.tmp" / "embeddings").write_bytes(b"partial")
    (folder / "files" / "cccc.pdf").write_bytes(b"orphan")
    collection = Collection(folder, model, {})
    assert sorted(p.name for p in folder.glob("index-*")) == ["index-000001"]
    assert sorted(p.name for p in (folder / "files").iterdir()) == ["aaaa.txt"]
    assert collection.search("thrombosis", 1, "hybrid", 0.5)[0].chunk.doc_id == "heparin"


def test_a_missing_collection_is_a_collection_error(tmp_path, model):
    with pytest.raises(CollectionError, match="No collection named 'absent'"):
        read_manifest(tmp_path / "absent")
    with pytest.raises(CollectionError, match="No collection named 'absent'"):
        Collection(tmp_path / "absent", model, {})


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage"])
def test_an_unreadable_manifest_is_a_collection_error(folder, model, content):
    (folder / "collection.json").write_bytes(content)
    with pytest.raises(CollectionError, match="Collection 'papers' cannot be read"):
        Collection(folder, model, {})


@pytest.mark.parametrize("content", [b"[]", b"null", b'{"name": "papers"}'])
def test_json_that_is_not_a_manifest_is_a_collection_error(folder, model, content):
    # Bug: read_manifest accepts any JSON, so these fail later with AttributeError, TypeError or KeyError
    (folder / "collection.json").write_bytes(content)
    with pytest.raises(CollectionError, match="Collection 'papers' cannot be read"):
        read_manifest(folder)
