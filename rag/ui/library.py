"""The sidebar's document pieces: uploading files with progress, the upload report, and the documents list."""

from __future__ import annotations

import streamlit as st

from ..answer.present import escape, left_out, links, shorten
from ..engine import Engine
from ..ingest.ingest import IngestReport

REMOVE = ":material/delete:"  # Streamlit's own icon font ("✕" needs a font the browser may lack: a blank box)


def upload_form(engine: Engine, name: str) -> None:
    """Several files at once, added when the button is pressed; the report stays until the next upload."""
    state = st.session_state
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader("Add documents (PDF, text, Markdown, HTML, PubMed XML, MEDLINE, JATS XML)",
                                 accept_multiple_files=True)
        if st.form_submit_button("Add to collection") and files:
            state.report = upload(engine, name, files)
    if state.get("report"):
        show_report(state.report)


def upload(engine: Engine, name: str, files) -> IngestReport:
    """Index uploaded files with a progress line per file and a bar for the embedding."""
    with st.status(f"Adding {len(files)} file(s)…", expanded=True) as status:
        bar = st.progress(0.0, text="Reading…")

        def progress(stage: str, done: int, total: int, item: str) -> None:
            if stage == "reading" and item:
                status.write(f"Reading {escape(item)}")
            elif stage == "indexing" and total:
                bar.progress(done / total, text=f"Embedding passages: {done} of {total}")

        report = engine.ingest_uploads(name, [(f.name, bytes(f.getbuffer())) for f in files], progress)
        status.update(label=f"Added {len(report.added)} file(s), {report.chunks} passages", state="complete",
                      expanded=False)
    return report


def show_report(report: IngestReport) -> None:
    """Files added, skipped as duplicates, and failed with their reason."""
    if report.added:
        st.success(f"{len(report.added)} file(s) added: {report.chunks} passages.")
    for file, reason in report.skipped:
        st.info(f"Skipped {escape(file)}: {escape(reason)}")
    for file, reason in report.failed:
        st.error(f"Not added: {escape(file)}: {escape(reason)}")
    for file, warning in report.warnings:
        st.warning(f"{escape(file)}: {escape(warning)}")


def documents(engine: Engine, name: str) -> None:
    """The collection's documents, each with a button that removes it."""
    docs = engine.collection(name).documents
    with st.expander(f"Documents ({len(docs)})"):
        for doc_id, doc in sorted(docs.items(), key=lambda d: d[1]["source"].lower()):
            left, right = st.columns([5, 1])
            meta = doc.get("metadata") or {}
            link, published = links(meta), " ".join(str(meta[k]) for k in ("journal", "year") if meta.get(k))
            left.markdown(f"{escape(doc['source'])}  \n:gray[{escape(shorten(doc['title'], 80))}"
                          f"{escape(' · ' + published) if published else ''} · {doc['chunks']} passages"
                          f"{escape(left_out(doc))}]" + (f"  \n{link}" if link else ""))
            if right.button("", icon=REMOVE, key=f"remove-{doc_id}",
                            help=f"Remove {doc['source']} from the collection"):
                engine.remove_document(name, doc_id)
                st.rerun()
