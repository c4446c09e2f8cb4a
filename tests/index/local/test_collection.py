"""Collections on disk: a manifest, one index folder per version, atomic commits, removal, and clear errors."""

import json

import numpy as np
import pytest

from rag.documents import Chunk
from rag.errors import CollectionError
from rag.index.base import chunk_ids
from rag.index.local.collection import Collection
from rag.index.local.folder import create_manifest, read_manifest
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
def test_a_write_in_progress_leaves_the_published_version_unlocked(folder, model):
    # A write changes a private copy: the published version's databases (read by other processes) hold none of
    # its uncommitted pages and no lock of it. Were the copy's changes made in the published files, a large
    # write would spill them there under an exclusive lock and other processes' searches would fail with
    # "database is locked"; a reserved lock is the first sign of it, and is what is checked here.
    import sqlite3

    collection = Collection(folder, model, {})
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    published = folder / collection.manifest["index"]
    before = {name: (published / name).read_bytes() for name in ("documents", "scoring.terms")}
    with collection.writing() as index:
        index.upsert([Chunk(id=f"bulk-{i:04d}", document="bulk.txt", text=f"Bed nets prevent malaria {i}.",
                            doc_id="bulk") for i in range(50)])
        for name in before:
            database = sqlite3.connect(published / name, timeout=0)
            database.execute("begin immediate")  # raises "database is locked" if the write holds a lock here
            database.rollback()
            database.close()
            assert (published / name).read_bytes() == before[name]
    # Nothing was committed: searches see the published version only
    assert [h.chunk.doc_id for h in collection.search("malaria", 5, "hybrid", 0.5)] == ["heparin"]


@pytest.mark.slow
def test_searches_use_mapped_vectors_and_only_a_write_copy_reads_them_into_memory(folder, model):
    # A write holds its own copy of the vectors; the version searched maps them from its file (pages the kernel
    # can drop), so a write does not hold the collection's vectors twice in private memory
    from rag.index.local.txtai_adapter import MappedFaiss

    collection = Collection(folder, model, {})
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    assert isinstance(collection.index.embeddings.ann, MappedFaiss)
    with collection.writing() as copy:
        assert not isinstance(copy.embeddings.ann, MappedFaiss)
        [chunk_id] = chunk_ids("malaria", 1)
        copy.upsert([Chunk(id=chunk_id, document="malaria.txt", text="Bed nets prevent malaria.", doc_id="malaria")])
        record = {"source": "malaria.txt", "title": "malaria", "filename": "malaria.txt", "file": "",
                  "sha256": "malaria", "chunks": 1, "pages": 0, "metadata": {}, "added": 0}
        collection.commit(copy, {**collection.documents, "malaria": record}, {})
    assert isinstance(collection.index.embeddings.ann, MappedFaiss) and collection.index is not copy
    assert collection.opened == "index-000002"
    assert collection.search("bed nets", 1, "dense", 0.5)[0].chunk.doc_id == "malaria"
    assert Collection(folder, model, {}).search("bed nets", 1, "dense", 0.5)[0].chunk.doc_id == "malaria"


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


class MemoryIndex:
    """An index held in a dict and saved as JSON: a fake backend for the logic of versions, swaps and closing."""

    opened: list["MemoryIndex"] = []

    def __init__(self, model, models, path, read_only=False):
        self.model, self.closed, self.chunks = model, False, {}
        if path is not None:
            self.chunks = {c["id"]: Chunk(**c) for c in json.loads((path / "chunks.json").read_text())}
        MemoryIndex.opened.append(self)

    def upsert(self, chunks):
        self.chunks.update({c.id: c for c in chunks})

    def delete(self, ids):
        for i in ids:
            self.chunks.pop(i, None)

    def search(self, query, k, mode="hybrid", weight=0.5, documents=None):
        assert not self.closed, "searched a closed index"
        if self.before_search:
            self.before_search()
        from rag.documents import Hit

        return [Hit(c, 1.0) for c in self.chunks.values() if query.lower() in c.text.lower()
                and (documents is None or c.doc_id in documents)][:k]

    before_search = None

    def embed(self, texts):
        assert not self.closed, "embedded with a closed index"
        return np.zeros((len(texts), 4), dtype=np.float32)

    def count(self):
        return len(self.chunks)

    def ann(self):
        return {"kind": "exact", "vectors": self.count()}

    def save(self, path):
        path.mkdir(parents=True, exist_ok=True)
        (path / "chunks.json").write_text(json.dumps([c.__dict__ for c in self.chunks.values()]))

    def close(self):
        self.closed = True


@pytest.fixture
def memory(monkeypatch):
    from rag import index

    MemoryIndex.opened = []
    monkeypatch.setitem(index.BACKENDS, "memory", MemoryIndex)
    return MemoryIndex.opened


def test_an_index_a_new_version_replaces_is_closed(folder, model, memory):
    collection = Collection(folder, model, {}, backend="memory")
    first = collection.index
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    add(collection, "malaria", "Bed nets prevent malaria.")
    # Every index but the one searched now was closed: the first empty one, the write copies it replaced
    assert [i.closed for i in memory] == [True] * (len(memory) - 1) + [False]
    assert first.closed and collection.index is memory[-1]
    assert [h.chunk.doc_id for h in collection.search("malaria", 5, "hybrid", 0.5)] == ["malaria"]


def test_a_failed_write_closes_its_copy_and_keeps_the_version(folder, model, memory):
    collection = Collection(folder, model, {}, backend="memory")
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    with pytest.raises(RuntimeError), collection.writing() as copy:
        copy.upsert([Chunk(id="x-0000", document="x.txt", text="half written", doc_id="x")])
        raise RuntimeError("disk full")
    assert copy.closed and not collection.index.closed and collection.manifest["version"] == 1
    assert collection.search("half", 5, "hybrid", 0.5) == []


def test_an_index_replaced_during_a_search_is_closed_when_the_search_ends(folder, model, memory):
    collection = Collection(folder, model, {}, backend="memory")
    add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    searched = collection.index

    def commit_meanwhile():  # another writer commits while this search runs
        searched.before_search = None
        add(Collection(folder, model, {}, backend="memory"), "malaria", "Bed nets prevent malaria.")
        collection.refresh()
        assert not searched.closed  # still in use

    searched.before_search = commit_meanwhile
    assert [h.chunk.doc_id for h in collection.search("heparin", 5, "hybrid", 0.5)] == ["heparin"]
    assert searched.closed and collection.index is not searched
    assert [h.chunk.doc_id for h in collection.search("malaria", 5, "hybrid", 0.5)] == ["malaria"]


def test_a_version_committed_while_a_collection_opens_is_not_missed(folder, model, memory, monkeypatch):
    # Another process commits version 2 after this one read the manifest (version 1) and loaded its index, before
    # the start-up cleanup re-read the manifest: the open index must still end up being version 2's
    add(Collection(folder, model, {}, backend="memory"), "heparin", "Heparin prevents deep vein thrombosis.")
    original = Collection._open_index

    def open_then_other_commits(self, manifest):
        index = original(self, manifest)
        if manifest["version"] == 1 and not getattr(open_then_other_commits, "done", False):
            open_then_other_commits.done = True
            add(Collection(folder, model, {}, backend="memory"), "malaria", "Bed nets prevent malaria.")
        return index

    monkeypatch.setattr(Collection, "_open_index", open_then_other_commits)
    collection = Collection(folder, model, {}, backend="memory")
    monkeypatch.setattr(Collection, "_open_index", original)
    assert [h.chunk.doc_id for h in collection.search("malaria", 5, "hybrid", 0.5)] == ["malaria"]
    assert collection.manifest["version"] == 2 and collection.opened == "index-000002"


def test_a_write_to_a_deleted_collection_fails_and_does_not_bring_it_back(folder, model, memory):
    import shutil

    collection = Collection(folder, model, {}, backend="memory")
    shutil.rmtree(folder)
    with pytest.raises(CollectionError, match="'papers' was deleted"):
        add(collection, "heparin", "Heparin prevents deep vein thrombosis.")
    assert not folder.exists()


def test_a_search_reads_the_manifest_again_only_when_another_write_replaced_it(folder, model, memory, monkeypatch):
    from rag.index.local import collection as module

    reader, writer = Collection(folder, model, {}, backend="memory"), Collection(folder, model, {}, backend="memory")
    add(writer, "heparin", "Heparin prevents deep vein thrombosis.")
    reads = []
    monkeypatch.setattr(module, "read_manifest", lambda f: reads.append(f) or read_manifest(f))
    assert [h.chunk.doc_id for h in reader.search("heparin", 5, "hybrid", 0.5)] == ["heparin"]
    for _ in range(3):
        reader.search("heparin", 5, "hybrid", 0.5)
    assert len(reads) == 1  # once for the new version, not once a search
    add(writer, "malaria", "Bed nets prevent malaria.")
    reads.clear()
    assert [h.chunk.doc_id for h in reader.search("malaria", 5, "hybrid", 0.5)] == ["malaria"]
    assert len(reads) == 1 and reader.manifest["version"] == 2
