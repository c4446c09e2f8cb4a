"""The sidebar's document pieces: uploading files (added by a job: its progress and report are in ``rag.ui.jobs``)
and the documents list."""

from __future__ import annotations

import streamlit as st

from ..answer.present import escape, left_out, links, shorten
from ..engine import Engine
from ..errors import RagError
from .jobs import started

REMOVE = ":material/delete:"  # Streamlit's own icon font ("✕" needs a font the browser may lack: a blank box)


def upload_form(engine: Engine, name: str) -> None:
    """Several files at once, added when the button is pressed, by a job of the engine: their bytes are written to
    disk before the page goes on, and the job's progress and report are in the sidebar's jobs (``rag.ui.jobs``)."""
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader("Add documents (PDF, text, Markdown, HTML, PubMed XML, MEDLINE, JATS XML)",
                                 accept_multiple_files=True)
        if st.form_submit_button("Add to collection") and files:
            try:
                started(engine.start_ingest(name, [(f.name, f.getbuffer()) for f in files]))
            except RagError as error:  # the files could not be staged (the data folder is not writable)
                st.error(escape(str(error)))


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
