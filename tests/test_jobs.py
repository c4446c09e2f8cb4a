"""Background jobs (rag/jobs.py): one job per collection at a time, the others queued; cancel; how a job ends;
the records a stopped server leaves; staged files. The logic with work functions the test steers; an ingest with
the real bundled model (slow) for what a user would see: nothing committed when cancelled or killed, one bad file
reported while the others go in."""

import inspect
import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from rag.errors import CollectionError
from rag.jobs import INTERRUPTED, Jobs
from tests.conftest import ROOT

WAIT = 30


def gated():
    """A work function that reports progress, then waits for the test to open its gate; and the gate."""
    gate, entered = threading.Event(), threading.Event()

    def work(job):
        job.progress("reading", 0, 2, "a.txt")
        entered.set()
        assert gate.wait(WAIT)
        job.progress("indexing", 1, 2)
        return {"ok": True}

    return work, gate, entered


def record(data_dir, job_id) -> dict:
    return json.loads((data_dir / "jobs" / f"{job_id}.json").read_text())


def test_a_second_job_on_a_collection_is_queued_until_the_first_ends_and_other_collections_run(data_dir):
    jobs = Jobs(data_dir)
    first, gate, entered = gated()
    one = jobs.submit("ingest", "Trials", first, files=["a.txt"])
    assert entered.wait(WAIT) and one.state == "running" and (one.stage, one.done, one.total) == ("reading", 0, 2)
    ran = []
    two = jobs.submit("reindex", "Trials", lambda job: ran.append(job.id) or {"n": 2})
    other = jobs.submit("ingest", "Notes", lambda job: {"n": 3})
    assert jobs.wait(other.id, WAIT).state == "done"  # another collection does not wait
    assert two.state == "queued" and not ran and record(data_dir, two.id)["state"] == "queued"
    assert [j.id for j in jobs.list()] == [one.id, two.id, other.id]
    gate.set()
    assert jobs.wait(one.id, WAIT).state == "done" and one.result == {"ok": True}
    assert jobs.wait(two.id, WAIT).state == "done" and ran == [two.id] and two.result == {"n": 2}
    assert two.started >= one.ended
    assert record(data_dir, one.id)["state"] == "done" and record(data_dir, one.id)["result"] == {"ok": True}


def test_cancel_stops_a_running_job_at_its_next_progress_call_and_a_queued_one_at_once(data_dir):
    jobs = Jobs(data_dir)
    work, gate, entered = gated()
    one = jobs.submit("ingest", "Trials", work, files=["a.txt"], stage=lambda f: (f / "a.txt").write_text("a"))
    assert entered.wait(WAIT)
    never = []
    two = jobs.submit("ingest", "Trials", lambda job: never.append(1), stage=lambda f: (f / "b.txt").write_text("b"))
    jobs.cancel(two.id)
    assert two.state == "cancelled" and not (data_dir / "staging" / two.id).exists()
    jobs.cancel(one.id)
    assert one.state == "running" and one.cancelling  # it stops where it next reports, not in the middle of a step
    gate.set()
    assert jobs.wait(one.id, WAIT).state == "cancelled" and one.result is None
    assert one.error == "Cancelled; nothing was changed." and not never
    assert not (data_dir / "staging" / one.id).exists() and record(data_dir, one.id)["state"] == "cancelled"


def test_a_failure_ends_the_job_with_its_reason_and_the_next_one_runs(data_dir, caplog):
    jobs = Jobs(data_dir)

    def refused(job):
        raise CollectionError("Collection 'Trials' is already indexed with all-MiniLM-L6-v2.")

    def bug(job):
        raise KeyError("chunks")

    said = jobs.submit("reindex", "Trials", refused)
    broken = jobs.submit("ingest", "Trials", bug, stage=lambda folder: (folder / "a.txt").write_text("a"))
    after = jobs.submit("ingest", "Trials", lambda job: {"fine": 1})
    assert jobs.wait(said.id, WAIT).state == "failed"
    assert said.error == "Collection 'Trials' is already indexed with all-MiniLM-L6-v2."  # the message as it is
    assert jobs.wait(broken.id, WAIT).state == "failed"
    assert broken.error == "Something went wrong (KeyError: 'chunks'); the details are in the server's log."
    assert "Traceback" in caplog.text and not (data_dir / "staging" / broken.id).exists()
    assert jobs.wait(after.id, WAIT).state == "done"


def test_files_that_cannot_be_staged_start_no_job(data_dir):
    jobs = Jobs(data_dir)

    def full(folder):
        (folder / "a.txt").write_text("a")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        jobs.submit("ingest", "Trials", lambda job: {}, files=["a.txt"], stage=full)
    assert jobs.list() == [] and list((data_dir / "staging").iterdir()) == []
    assert list((data_dir / "jobs").iterdir()) == []


def test_a_restart_marks_jobs_left_running_or_queued_interrupted_and_removes_their_staged_files(data_dir):
    jobs = Jobs(data_dir)
    done = jobs.submit("ingest", "Trials", lambda job: {"added": []}, files=["old.txt"])
    jobs.wait(done.id, WAIT)
    # What a server killed in the middle of an upload leaves: a record still running, its staged files, no lock
    for job_id, state in (("20260101-000000-dead0001", "running"), ("20260101-000001-dead0002", "queued")):
        (data_dir / "jobs" / f"{job_id}.json").write_text(json.dumps(
            {"id": job_id, "kind": "ingest", "target": "Trials", "files": ["a.txt", "b.pdf"], "state": state,
             "created": 1.0}))
        (data_dir / "staging" / job_id / "0").mkdir(parents=True)
        (data_dir / "staging" / job_id / "0" / "a.txt").write_text("a")
    (data_dir / "staging" / "stray").mkdir()  # staged files with no record at all

    again = Jobs(data_dir)
    jobs_by_id = {j.id: j for j in again.list()}
    assert set(jobs_by_id) == {done.id, "20260101-000000-dead0001", "20260101-000001-dead0002"}
    assert jobs_by_id[done.id].state == "done"  # a job that ended stays listed until dismissed
    for job_id in ("20260101-000000-dead0001", "20260101-000001-dead0002"):
        job = jobs_by_id[job_id]
        assert (job.state, job.error, job.files) == ("interrupted", INTERRUPTED, ["a.txt", "b.pdf"])
        assert record(data_dir, job_id)["state"] == "interrupted"
    assert list((data_dir / "staging").iterdir()) == []
    again.dismiss("20260101-000000-dead0001")
    assert "20260101-000000-dead0001" not in {j.id for j in Jobs(data_dir).list()}


def test_an_engine_started_beside_a_live_one_leaves_its_jobs_alone(data_dir):
    jobs = Jobs(data_dir)
    work, gate, entered = gated()
    live = jobs.submit("ingest", "Trials", work, files=["a.txt"], stage=lambda f: (f / "a.txt").write_text("a"))
    assert entered.wait(WAIT)
    beside = Jobs(data_dir)  # `rag ingest` in a terminal, or a second server on the same data folder
    assert beside.list() == [] and (data_dir / "staging" / live.id / "a.txt").exists()
    assert record(data_dir, live.id)["state"] == "running"
    gate.set()
    assert jobs.wait(live.id, WAIT).state == "done" and not (data_dir / "staging" / live.id).exists()


def test_a_running_job_is_not_dismissed(data_dir):
    jobs = Jobs(data_dir)
    work, gate, entered = gated()
    job = jobs.submit("pull", "pubmedbert", work)
    assert entered.wait(WAIT)
    jobs.dismiss(job.id)
    assert jobs.get(job.id) is job
    gate.set()
    jobs.wait(job.id, WAIT)
    jobs.dismiss(job.id)
    assert jobs.list() == [] and not (data_dir / "jobs" / f"{job.id}.json").exists()


# The same with the real engine and the bundled MiniLM

HEPARIN = "Heparin prevents deep vein thrombosis after hip surgery. Bleeding was rare in the treated group."


def abstracts(n: int) -> list[tuple[str, bytes]]:
    """``n`` different small text files, as uploads."""
    return [(f"note-{i:03d}.txt", f"Note {i}. {HEPARIN} Patient {i} received {i % 7 + 1} doses of enoxaparin "
                                  f"over {i % 5 + 2} days, and study site {i} reported {i % 3} events.".encode())
            for i in range(n)]


@pytest.fixture
def engine(data_dir):
    from rag.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings.from_env())
    report = engine.ingest_uploads("Trials", [("first.txt", b"The first note: aspirin after knee surgery.")])
    assert [f for f, _ in report.added] == ["first.txt"]
    return engine


def snapshot(engine, name: str = "Trials") -> tuple:
    """What a user could see of a collection: its version, its documents, and the files in its folder."""
    collection = engine.collection(name)
    collection.refresh()
    folder = engine.settings.data_dir / "collections" / name
    return (collection.manifest["version"], sorted(collection.documents),
            sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")))


@pytest.mark.slow
def test_an_upload_job_reports_a_bad_file_while_the_others_go_in(engine, data_dir):
    uploads = [*abstracts(5), ("empty.txt", b""), ("broken.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8)]
    job = engine.start_ingest("Trials", uploads)
    assert engine.jobs.wait(job.id, 300).state == "done", job.error
    assert [a["file"] for a in job.result["added"]] == [f"note-{i:03d}.txt" for i in range(5)]
    assert job.result["failed"] == [{"file": "empty.txt", "reason": "the file is empty"},
                                    {"file": "broken.pdf", "reason": "the PDF is damaged or incomplete"}]
    assert len(engine.collection("Trials").documents) == 6
    assert not (data_dir / "staging" / job.id).exists()


@pytest.mark.slow
def test_a_cancelled_upload_commits_nothing(engine, data_dir, monkeypatch):
    from rag.jobs import Job

    monkeypatch.setattr("rag.ingest.ingest.EMBED_BATCH", 4)  # many batches: cancelled between two of them
    before = snapshot(engine)
    report = Job.progress

    def cancel_in_the_middle(job, stage, done, total, item=""):
        if stage == "indexing" and done == 8:
            engine.jobs.cancel(job.id)
        report(job, stage, done, total, item)

    monkeypatch.setattr(Job, "progress", cancel_in_the_middle)
    job = engine.start_ingest("Trials", abstracts(12))
    assert engine.jobs.wait(job.id, 300).state == "cancelled"
    assert (job.stage, job.done) == ("indexing", 4)  # it had embedded passages when it stopped
    assert snapshot(engine) == before  # same version, same documents, no file left behind in the folder
    assert not (data_dir / "staging" / job.id).exists()
    # Nothing is in the way of the next upload
    again = engine.start_ingest("Trials", abstracts(2))
    assert engine.jobs.wait(again.id, 300).state == "done" and len(engine.collection("Trials").documents) == 3


KILLED = f"""
import time
from rag.engine import Engine
from rag.settings import Settings
import rag.ingest.ingest
HEPARIN = {HEPARIN!r}
{inspect.getsource(abstracts)}
rag.ingest.ingest.EMBED_BATCH = 2
engine = Engine(Settings.from_env())
job = engine.start_ingest("Trials", abstracts(30))
while not (job.stage == "indexing" and job.done >= 4):
    time.sleep(0.01)
print(job.id, flush=True)
time.sleep(300)
"""


@pytest.mark.slow
def test_a_server_killed_during_an_upload_leaves_the_collection_as_it_was_and_the_job_interrupted(engine, data_dir):
    before = snapshot(engine)
    server = subprocess.Popen([sys.executable, "-c", KILLED], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "RAG_DATA_DIR": str(data_dir)})
    try:
        job_id = server.stdout.readline().strip()
        assert job_id, "the server did not get to the embedding"
        assert (data_dir / "staging" / job_id).is_dir()
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    from rag.engine import Engine

    restarted = Engine(engine.settings)
    job = restarted.jobs.get(job_id)
    assert job.state == "interrupted" and job.files == [name for name, _ in abstracts(30)]
    assert not (data_dir / "staging" / job_id).exists()
    after = snapshot(restarted)
    # The killed write's copy of the index is removed when the collection is next opened; nothing else changed
    assert after == before



def test_a_collection_with_a_job_on_it_is_not_deleted(data_dir):
    from rag.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings.from_env())
    work, gate, entered = gated()
    job = engine.jobs.submit("ingest", "Trials", work, files=["a.txt"])
    assert entered.wait(WAIT)
    with pytest.raises(CollectionError, match="Collection 'Trials' has a job running"):
        engine.delete("Trials")
    gate.set()
    engine.jobs.wait(job.id, WAIT)


def test_a_job_runs_below_the_answers_cpu_priority(data_dir):
    jobs = Jobs(data_dir, nice=4)
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job = jobs.submit("ingest", "papers", lambda job: {"priority": os.getpriority(os.PRIO_PROCESS,
                                                                                  threading.get_native_id())})
    assert jobs.wait(job.id, 10).result == {"priority": min(19, before + 4)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
