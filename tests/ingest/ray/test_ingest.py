"""Ingest on Ray (``rag ingest --ray``): the collection a local ingest of the same files gives, Ray kept on
loopback, and a failure on Ray leaving the collection as it was. Real files, the real bundled model, one local
Ray instance for the module (started as the CLI starts it)."""

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from rag.engine import Engine
from rag.errors import ClusterError
from rag.index.local.ann import stored_vectors
from rag.ingest.ray import ingest as ray_module
from rag.settings import Settings
from tests.conftest import ROOT, shared_data
from tests.test_engine import PUBMED_XML

pytestmark = pytest.mark.slow

PDFS = ["datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf",
        "agyemanduah2014_quality_improvement_malawi_bmchsr.pdf", "tully2010_heart_failure_programmes_rehabrespract.pdf"]
QUERIES = ["thromboprophylaxis after trauma", "quality improvement of maternal health care in Malawi",
           "exercise rehabilitation for heart failure", "heparin", "bed nets malaria children", "what is the p value"]
NOTE = "Low molecular weight heparin lowered venous thromboembolism after major trauma. " * 12


@pytest.fixture(scope="module")
def ray():
    """One local Ray instance for the module, started as ``rag ingest --ray`` starts it (on loopback)."""
    from rag.ingest.ray.cluster import session

    with session(None) as ray:
        yield ray


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Three shared PDFs, a text file, a PubMed export of two articles, a copy of the text file and a broken PDF."""
    folder = tmp_path_factory.mktemp("in")
    (folder / "note.txt").write_text(NOTE)
    (folder / "copy of note.txt").write_text(NOTE)
    (folder / "export.xml").write_text(PUBMED_XML)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    pdfs = shared_data("pdfs")
    return [(name, pdfs / name) for name in PDFS] + [(p.name, p) for p in sorted(folder.iterdir())]


def contents(collection) -> tuple[list, list, dict]:
    """The passages (index row, id, text) in index order, their stored fields, and every vector by passage id."""
    embeddings = collection.index.embeddings
    db = embeddings.database.connection
    sections = [tuple(r) for r in db.execute("SELECT indexid, id, text FROM sections ORDER BY indexid")]
    fields = [tuple(r) for r in db.execute("SELECT id, data FROM documents ORDER BY id")]
    ids, vectors = stored_vectors(embeddings.ann.backend)
    by_row = {row: passage for row, passage, _ in sections}
    return sections, fields, {by_row[int(i)]: v for i, v in zip(ids, vectors, strict=True)}


def test_a_ray_ingest_gives_the_collection_a_local_ingest_gives(ray, files, tmp_path):
    engine = Engine(Settings.from_env(data_dir=tmp_path / "data"))
    on_ray = engine.ingest("on-ray", [path for _, path in files], ray="")
    local = engine.ingest("local", [path for _, path in files])

    # The same report: files added with their passages, the copy skipped, the broken PDF failed with its reason
    assert {**on_ray.to_dict(), "seconds": 0} == {**local.to_dict(), "seconds": 0}
    assert [name for name, _ in on_ray.added] == [*PDFS, "copy of note.txt", "export.xml"]
    assert on_ray.skipped == [("note.txt", "already in the collection")]
    assert on_ray.failed == [("broken.pdf", "the PDF is damaged or incomplete")]

    # The same manifest: one new version, the same document records (but the time each was read)
    a, b = engine.collection("on-ray"), engine.collection("local")
    assert a.manifest["version"] == b.manifest["version"] == 1
    strip = {k: {f: v for f, v in r.items() if f != "added"} for k, r in a.documents.items()}
    assert strip == {k: {f: v for f, v in r.items() if f != "added"} for k, r in b.documents.items()}
    assert len(strip) == len(PDFS) + 3  # two PubMed articles and the note
    for key in ("embeddings", "chunking", "ann", "off_topic_floor"):
        assert a.manifest[key] == b.manifest[key]
    assert snapshot(a.folder / "files") == snapshot(b.folder / "files")  # the originals stored

    # The same passages in the same order, with the same fields, and the same vectors
    passages, fields, vectors = contents(a)
    local_passages, local_fields, local_vectors = contents(b)
    assert passages == local_passages and fields == local_fields and len(passages) == on_ray.chunks > 50
    assert vectors.keys() == local_vectors.keys()
    assert max(float(np.abs(vectors[k] - local_vectors[k]).max()) for k in vectors) <= 1e-5

    # The same top ten, in every mode
    for query in QUERIES:
        for mode in ("hybrid", "dense", "bm25"):
            hits, local_hits = engine.search("on-ray", query, 10, mode), engine.search("local", query, 10, mode)
            assert [h.chunk.id for h in hits] == [h.chunk.id for h in local_hits] and hits
            if mode != "bm25":  # BM25 finds only the passages holding a word of the query
                assert len(hits) == 10
            assert np.allclose([h.score for h in hits], [h.score for h in local_hits], atol=1e-5)


def listening(pids: set[int]) -> list[str]:
    """The local addresses (``ss -ltnp``) on which the processes ``pids`` listen for TCP connections."""
    table = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in table.splitlines()
            if pids & {int(p) for p in re.findall(r"pid=(\d+)", line)}]


def descendants(pid: int) -> set[int]:
    """``pid`` and every live process under it (zombies left out), from /proc."""
    parents = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat") as f:
                state, parent = f.read().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if state != "Z":
            parents[int(name)] = int(parent)
    found, frontier = {pid}, [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier and child not in found]
        found.update(frontier)
    return found


def test_the_local_ray_instance_listens_on_loopback_only(ray):
    ray.get(ray.remote(lambda: 1).remote())  # a worker up, too
    addresses = listening(descendants(os.getpid()))
    assert len(addresses) >= 4  # this driver, the GCS, the raylet, a worker...
    hosts = {address.rsplit(":", 1)[0] for address in addresses}
    assert hosts <= {"127.0.0.1", "[::ffff:127.0.0.1]", "[::1]"}, addresses
    assert ray.cluster_resources()["CPU"] == os.cpu_count()


def snapshot(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("stage", ["reading the files", "embedding"])
def test_a_failure_on_ray_leaves_the_collection_as_it_was(ray, files, tmp_path, monkeypatch, stage):
    engine = Engine(Settings.from_env(data_dir=tmp_path / "data"))
    engine.ingest("papers", [files[0][1]])
    collection = engine.collection("papers")
    before = snapshot(collection.folder)
    # Defined here, so that Ray sends them to its workers by value
    if stage == "embedding":
        class Failing(ray_module.Embedder):
            def __init__(self, *args, **kwargs):
                pass

            def __call__(self, batch):
                raise RuntimeError("disk on fire")

        monkeypatch.setattr(ray_module, "Embedder", Failing)
    else:
        def failing(row, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(ray_module, "prepare_row", failing)
    with pytest.raises(ClusterError) as raised:
        engine.ingest("papers", [path for _, path in files[1:]], ray="")
    assert str(raised.value) == (f"The Ray ingest failed while {stage} (RuntimeError: disk on fire); nothing was "
                                 "added to 'papers'.")
    assert snapshot(collection.folder) == before
    assert [d["filename"] for d in collection.documents.values()] == [files[0][0]]
    assert collection.search("thromboprophylaxis after trauma", 1, "hybrid", 0.5)[0].chunk.document == files[0][0]


def test_without_an_address_a_local_instance_is_started_and_shut_down_after():
    script = textwrap.dedent("""
        import os, time
        from rag.ingest.ray.cluster import session
        from tests.ingest.ray.test_ingest import descendants
        with session(None) as ray:
            print(ray.nodes()[0]["NodeManagerAddress"], int(ray.cluster_resources()["CPU"]) == os.cpu_count())
            print(len(descendants(os.getpid())) > 3)
        waited = time.monotonic()
        while len(descendants(os.getpid())) > 1 and time.monotonic() - waited < 20:
            time.sleep(0.2)
        print(ray.is_initialized(), sorted(descendants(os.getpid())) == [os.getpid()])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["127.0.0.1 True", "True", "False True"]


def test_a_worker_without_the_model_at_its_path_gets_this_machines_copy(tmp_path):
    import torch

    from rag.ingest.ray.workers import Embedder, fingerprint, pack
    from rag.models import resolve_embeddings

    model, threads = resolve_embeddings(""), torch.get_num_threads()
    batch = {"group": np.array([3]), "texts": np.array([json.dumps([NOTE, "Bed nets prevent malaria."])], dtype=object)}
    try:
        here = Embedder(model)
        same = Embedder(model, pack(model.path), fingerprint(model.path), cache=tmp_path / "same")
        elsewhere = Embedder(replace(model, path=tmp_path / "not on this node"), pack(model.path),
                             fingerprint(model.path), cache=tmp_path / "copies")
        vectors = [embedder(batch) for embedder in (here, same, elsewhere)]
    finally:
        torch.set_num_threads(threads)
    assert not (tmp_path / "same").exists()  # the same model at the same path: used where it is
    [copy] = (tmp_path / "copies").iterdir()
    assert elsewhere.index.model.path == copy and fingerprint(copy) == fingerprint(model.path)
    assert vectors[0]["vectors"][0] == vectors[1]["vectors"][0] == vectors[2]["vectors"][0]
    assert vectors[0]["group"].tolist() == [3] and vectors[0]["dimensions"].tolist() == [384]
