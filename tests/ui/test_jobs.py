"""Uploads as jobs through AppTest, with the real bundled models: the work goes on through reruns (a question, a
collection switch, a second session), every file arrives, a second batch waits its turn, and the report is shown
in the session that started the upload, once, and listed in the others until dismissed."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, shared_data
from tests.ui.test_app import TIMEOUT, settled, start

pytestmark = pytest.mark.slow


def abstracts(first: int, last: int) -> list[tuple[str, bytes, str]]:
    """PubMedQA abstracts as small text files, for the uploader."""
    records = list(json.loads(shared_data("pubmedqa", "dev.json").read_text()).items())[first:last]
    return [(f"pubmed-{pmid}.txt", " ".join(r["CONTEXTS"]).encode(), "text/plain") for pmid, r in records]


def shown(at: AppTest) -> str:
    """The page's captions and Markdown, as read (Markdown escapes removed)."""
    return "\n".join(e.value for e in [*at.caption, *at.markdown]).replace("\\", "")


def second_session() -> AppTest:
    """Another browser tab on the same server (the engine is the one ``start`` made)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    return at


def documents(at: AppTest) -> str:
    return next(e.label for e in at.expander if e.label.startswith("Documents ("))


def test_an_upload_goes_on_through_reruns_and_sessions_and_reports_once_where_it_was_started():
    at = start()
    at.text_input[0].set_value("Probe")
    at.button(key="FormSubmitter:create-Create").click().run()
    at.file_uploader[0].set_value(abstracts(0, 120))
    at.button(key="FormSubmitter:upload-Add to collection").click().run()
    assert not at.exception
    assert "Adding 120 file(s) to “Probe”…" in shown(at)  # the page returned at once, the job in the sidebar
    # A second batch while the first is read and embedded: queued, not refused
    at.file_uploader[0].set_value(abstracts(120, 130))
    at.button(key="FormSubmitter:upload-Add to collection").click().run()
    assert "Adding 10 file(s) to “Probe”: queued" in shown(at)

    # What stopped the upload before jobs: a question, then another collection chosen, then another tab
    at.chat_input[0].set_value("Does tailored telephone counseling increase mammography use?").run()
    assert not at.exception
    at.selectbox(key="collection").set_value("Sample papers").run()
    other = second_session()
    assert "Adding 120 file(s) to “Probe”" in shown(other)  # every session sees the server's jobs

    settled(at)
    at.selectbox(key="collection").set_value("Probe").run()
    assert documents(at) == "Documents (130)"  # every file arrived
    reports = [s.value.replace("\\", "") for s in at.success]
    assert [r for r in reports if "file(s) added" in r] == [
        next(r for r in reports if r.startswith("10 file(s) added to “Probe”: ")),
        next(r for r in reports if r.startswith("120 file(s) added to “Probe”: "))]  # each once, the latest first
    at.run()
    assert len([s for s in at.success if "file(s) added" in s.value]) == 2  # it stays until dismissed

    other.run()
    assert not [s for s in other.success if "file(s) added" in s.value]  # not the report: the line in the list
    assert "Added 120 of 120 file(s) to “Probe”: " in shown(other) and "Added 10 of 10 file(s)" in shown(other)
    # Dismissed in one session, gone from both
    for job_id in at.session_state.jobs_started:
        at.button(key=f"dismiss-{job_id}").click().run()
    assert not [s for s in at.success if "file(s) added" in s.value]
    assert "file(s) to “Probe”" not in shown(other.run())


def test_a_cancelled_upload_adds_nothing_and_says_so():
    at = start()
    before = documents(at)
    at.file_uploader[0].set_value(abstracts(0, 200))
    at.button(key="FormSubmitter:upload-Add to collection").click().run()
    [job_id] = at.session_state.jobs_started
    at.button(key=f"cancel-{job_id}").click().run()
    settled(at)
    assert not at.exception and documents(at) == before
    [warning] = [w.value.replace("\\", "") for w in at.warning if "Adding 200 file" in w.value]
    assert warning == "Adding 200 file(s) to “Sample papers”: Cancelled; nothing was changed."
    assert next(e for e in at.expander if e.label == "Files not added (200)")  # to add them again


def test_after_a_restart_an_upload_that_was_running_is_listed_with_its_files(data_dir):
    job_id = "20260101-000000-0badc0de"  # what a server stopped during an upload leaves
    (data_dir / "jobs").mkdir(parents=True)
    (data_dir / "jobs" / f"{job_id}.json").write_text(json.dumps(
        {"id": job_id, "kind": "ingest", "target": "Probe", "files": ["a.txt", "b.pdf"], "state": "running",
         "created": 1.0}))
    (data_dir / "staging" / job_id / "0").mkdir(parents=True)
    at = start()
    assert "Adding 2 file(s) to “Probe”: The server stopped before this job ended. None of its files was added: " \
           "add them again." in shown(at)
    files = next(e for e in at.expander if e.label == "Files not added (2)")
    assert [c.value.replace("\\", "") for c in files.caption] == ["a.txt  \nb.pdf"]
    assert not (data_dir / "staging" / job_id).exists()
    at.button(key=f"dismiss-{job_id}").click().run()
    assert "Adding 2 file(s)" not in shown(at) and not (data_dir / "jobs" / f"{job_id}.json").exists()
