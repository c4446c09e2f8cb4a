"""Crashes and concurrent users: a write killed mid-commit leaves the collection as it was; reads go on during writes.

The crash test kills a real ingest (real bundled models, a child process) at chosen moments inside
``Collection.commit``: the child pauses itself there and says so with a marker file, so the kill always lands
while the next version is half written, never before the write started or after it finished.
"""

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from rag.engine import Engine
from rag.settings import Settings
from tests.conftest import ROOT
from tests.fakes import ScriptedLLM

pytestmark = pytest.mark.slow

TOPICS = ["heparin", "malaria", "statins", "insulin", "asthma", "sepsis", "dementia", "influenza"]
FIRST = "Low molecular weight heparin prevents deep venous thrombosis in trauma patients. " * 20
SECOND = "Insecticide-treated bed nets reduce malaria transmission by Anopheles mosquitoes in children. " * 60

# The child: version 1 with the first file, then a second ingest that stops inside its commit and waits
CHILD = '''
import os, sys, time
from pathlib import Path

import rag.index.local.collection as collection
from rag.engine import Engine
from rag.index.local.index import TxtaiIndex
from rag.settings import Settings

data, first, second, marker, moment = sys.argv[1:6]
engine = Engine(Settings.from_env(data_dir=Path(data)))
report = engine.ingest("c", [Path(first)])
assert report.added and engine.collection("c").manifest["version"] == 1, report


def pause():
    Path(marker).write_text(moment)
    time.sleep(600)


if moment == "mid-save":
    # Inside index.save: the configuration and the vectors are written, the ids, chunks and BM25 terms are not
    save = TxtaiIndex.save

    def partial_save(self, path):
        ann_save = self.embeddings.ann.save
        self.embeddings.ann.save = lambda target: (ann_save(target), pause())
        save(self, path)

    TxtaiIndex.save = partial_save
elif moment == "saved":
    # index.save finished and synced, the folder not yet renamed from .tmp
    fsync_tree = collection._fsync_tree
    collection._fsync_tree = lambda folder: (fsync_tree(folder), pause())
elif moment == "manifest":
    # The new index folder in place and the new manifest written beside the old one, not yet replacing it
    replace = os.replace
    os.replace = lambda src, dst: (pause() if Path(dst).name == "collection.json" else None, replace(src, dst))

engine.ingest("c", [Path(second)])
sys.exit("the second ingest finished: it was never paused")
'''


def write_corpus(folder, count: int, words: int = 1500):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(f"Study {i} on {topic} reports finding number {j} in patients." for j in range(words // 9))
        (folder / f"{topic}-{i:03d}.txt").write_text(body)
    return folder


@pytest.mark.parametrize("moment", ["mid-save", "saved", "manifest"])
def test_an_ingest_killed_inside_its_commit_loses_nothing(tmp_path, moment):
    data, marker = tmp_path / "data", tmp_path / "paused"
    first, second = tmp_path / "heparin.txt", tmp_path / "malaria.txt"
    first.write_text(FIRST)
    second.write_text(SECOND)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD))
    log = tmp_path / "child.log"
    with open(log, "w") as output:
        child = subprocess.Popen([sys.executable, str(script), str(data), str(first), str(second), str(marker),
                                  moment], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while not marker.exists():
            assert child.poll() is None, f"the child ended before pausing: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the child never reached the pause"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    # The kill landed inside the commit: version 2 is partly on disk, the manifest still names version 1
    folder = data / "collections" / "c"
    assert json.loads((folder / "collection.json").read_text())["version"] == 1
    if moment == "mid-save":
        # The write's private copy of version 1, part-saved as version 2 (the vectors written, the rest not yet)
        partial = folder / "index-000002.tmp"
        assert (partial / "embeddings").is_file() and (partial / "documents").is_file()
    elif moment == "saved":
        assert (folder / "index-000002.tmp" / "documents").is_file()
    else:
        assert (folder / "index-000002" / "documents").is_file()
        assert json.loads((folder / "collection.json.tmp").read_text())["version"] == 2
    assert len(list((folder / "files").iterdir())) == 2, "the second file was stored before the index"

    # Opened again: version 1 with the first document only, searchable, and nothing of the killed write left
    engine = Engine(Settings.from_env(data_dir=data))
    collection = engine.collection("c")
    assert collection.manifest["version"] == 1 and collection.manifest["index"] == "index-000001"
    assert [d["source"] for d in collection.documents.values()] == ["heparin.txt"]
    hits = engine.search("c", "heparin prevents deep venous thrombosis", k=3)
    assert hits and {h.chunk.document for h in hits} == {"heparin.txt"}
    assert "Low molecular weight heparin" in hits[0].chunk.text
    assert sorted(p.name for p in folder.glob("index-*")) == ["index-000001"]
    assert [p.name for p in (folder / "files").iterdir()] == [d["file"] for d in collection.documents.values()]
    assert not list(folder.glob("*.tmp")), "a half-written manifest or index was left behind"

    # A new ingest of the same file completes as version 2
    report = engine.ingest("c", [second])
    assert [name for name, _ in report.added] == ["malaria.txt"] and not report.failed
    reopened = Engine(Settings.from_env(data_dir=data)).collection("c")
    assert reopened.manifest["version"] == 2 and reopened.manifest["index"] == "index-000002"
    assert sorted(d["source"] for d in reopened.documents.values()) == ["heparin.txt", "malaria.txt"]
    assert engine.search("c", "bed nets against malaria", k=1)[0].chunk.document == "malaria.txt"
    assert sorted(p.name for p in folder.glob("index-*")) == ["index-000002"]


def test_questions_go_on_while_another_session_ingests(tmp_path):
    engine = Engine(Settings.from_env(top_k=3), llm=ScriptedLLM("Heparin is studied [1]."))
    first = write_corpus(tmp_path / "first", 4, 300)
    engine.ingest("c", [(p.name, p) for p in sorted(first.iterdir())])
    known = {p.name for p in first.iterdir()}
    batch = write_corpus(tmp_path / "batch", 12, 600)
    errors, answers, done = [], [], threading.Event()

    def ask(n: int) -> None:
        while not done.is_set():
            try:
                topic = TOPICS[n % len(TOPICS)]
                answer = engine.ask("c", f"What was found about {topic}?").run()
                answers.append({h.chunk.document for h in answer.passages})
            except Exception as error:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(repr(error))

    readers = [threading.Thread(target=ask, args=(n,)) for n in range(3)]
    for reader in readers:
        reader.start()
    report = engine.ingest("c", [(p.name, p) for p in sorted(batch.iterdir())])
    time.sleep(0.5)
    done.set()
    for reader in readers:
        reader.join(timeout=120)

    assert errors == []
    assert len(report.added) == 12 and len(answers) >= 6
    everything = known | {p.name for p in batch.iterdir()}
    assert all(docs <= everything for docs in answers)
    assert any(doc in {p.name for p in batch.iterdir()} for doc in
               {h.chunk.document for h in engine.search("c", "Study 11 on asthma", k=3)})
