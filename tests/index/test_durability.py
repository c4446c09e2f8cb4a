"""Crashes and concurrent users: a killed ingest leaves the collection as it was; reads go on during writes."""

import os
import signal
import subprocess
import sys
import threading
import time

from rag.engine import Engine
from rag.settings import Settings
from tests.fakes import ScriptedLLM

TOPICS = ["heparin", "malaria", "statins", "insulin", "asthma", "sepsis", "dementia", "influenza"]


def write_corpus(folder, count: int, words: int = 1500):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(f"Study {i} on {topic} reports finding number {j} in patients." for j in range(words // 9))
        (folder / f"{topic}-{i:03d}.txt").write_text(body)
    return folder


def documents(data_dir) -> set[str]:
    engine = Engine(Settings.from_env(data_dir=data_dir))
    return {d["source"] for d in engine.collection("c").documents.values()}


def test_an_ingest_killed_at_any_moment_loses_nothing(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "RAG_DATA_DIR": str(data)}
    cli = [sys.executable, "-m", "rag.cli", "ingest", "--collection", "c"]
    first = write_corpus(tmp_path / "first", 2, 200)
    assert subprocess.run([*cli, str(first)], env=env, capture_output=True, timeout=300).returncode == 0
    before = documents(data)
    batch = write_corpus(tmp_path / "batch", 24)
    after = before | {p.name for p in batch.iterdir()}

    folder = data / "collections" / "c"
    outcomes = []
    for moment in [0.5, 3.0, 6.0, "save"]:
        process = subprocess.Popen([*cli, str(batch)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        while process.poll() is None:
            saving = any(p.name.endswith(".tmp") for p in folder.glob("index-*"))
            if (moment == "save" and saving) or (moment != "save" and time.monotonic() - started >= moment):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        process.wait()
        found = documents(data)
        assert found in (before, after), f"killed at {moment}: {len(found)} documents"
        outcomes.append(found == after)
        # The collection opens, answers searches, and holds no leftovers of the killed write
        engine = Engine(Settings.from_env(data_dir=data))
        assert engine.search("c", "heparin patients", k=1)
        assert not [p for p in folder.glob("index-*") if p.name != engine.collection("c").manifest["index"]]
        if found == after:
            break
    # A later ingest completes normally
    assert subprocess.run([*cli, str(batch)], env=env, capture_output=True, timeout=600).returncode == 0
    assert documents(data) == after
    assert outcomes and not outcomes[0]


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
