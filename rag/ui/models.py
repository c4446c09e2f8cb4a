"""The sidebar's Models panel: the models in use, the catalogue with what is on this machine, switching the LLM,
and the buttons that start a download, a re-index of the collection with another embedding model, or a fine-tune
of its embedding model: jobs of the engine, whose progress and notes are in the sidebar's jobs (``rag.ui.jobs``)."""

from __future__ import annotations

import streamlit as st

from ..answer.present import escape
from ..engine import Engine
from ..errors import RagError
from ..models.catalogue import size_text
from .jobs import started

AVAILABLE = ("bundled", "with the app", "pulled", "fine-tuned")  # on this machine: chosen, not downloaded


def models_panel(engine: Engine, name: str) -> None:
    rows, model = engine.models.catalogue(), engine.collection(name).model
    llm = engine.models.in_use()["llm"]
    st.caption(f"Embeddings: {escape(model.name)}  \nLLM: {escape(llm['name'] or 'the served model')}"
               + (f" at {escape(llm['url'])}" if llm.get("url") else ""))  # an LLM server: its address, no key
    with st.expander("Models"):
        st.dataframe([{"model": r["name"], "size": size_text(r["size_mb"]), "here": "●" if r["active"] else
                       r["state"]} for r in rows], hide_index=True)
        st.caption("● in use · here: bundled with the app, pulled (downloaded), fine-tuned here, or - (not on "
                   "this machine)")
        if model.bundled:
            st.caption("This collection uses the bundled all-MiniLM-L6-v2; PubMedBERT, the model made for "
                       "biomedical text, can be downloaded below and the collection re-indexed with it.")
        pullable = {r["name"]: r for r in rows if r["state"] not in AVAILABLE}
        if pullable:
            choice = st.selectbox("Download a model", list(pullable), key="pull_choice")
            r = pullable[choice]
            st.caption(f"{escape(r['title'])}: {'LLM' if r['kind'] == 'llm' else 'embeddings'}, "
                       f"{size_text(r['size_mb'])} download, needs {r['memory_gb']:.1f} GB of memory, {r['speed']} "
                       f"on 2 cores; licence {escape(r['licence'])}. {escape(r['note'][:1].upper() + r['note'][1:])}")
            if st.button("Download", key="pull"):
                start(engine.start_pull, choice)
        llms = [r["name"] for r in rows if r["kind"] == "llm" and r["state"] in AVAILABLE]
        current = next((r["name"] for r in rows if r["kind"] == "llm" and r["active"]), None)
        chosen = st.selectbox("LLM", llms, index=llms.index(current) if current in llms else None, key="llm_choice")
        if chosen and chosen != current and st.button("Use this LLM", key="use_llm"):
            try:
                engine.models.use(chosen)
            except RagError as error:  # RAG_LLM or RAG_LLM_URL set: it decides, and the panel says so
                st.error(escape(str(error)))
            else:
                st.rerun()
        others = [r["name"] for r in rows if r["kind"] == "embeddings" and r["state"] in AVAILABLE
                  and r["repo"] != model.name]
        if others:
            target = st.selectbox("Re-index this collection with", others, key="reindex_choice")
            if st.button("Re-index", key="reindex"):
                start(engine.start_reindex, name, target)
        st.caption("Fine-tuning teaches the embedding model this collection's own language, from pairs made of its "
                   "titles, headings and passages; the result is a new model to re-index with.")
        if st.button("Fine-tune on this collection", key="finetune"):
            start(engine.start_finetune, name)


def start(action, *args) -> None:
    """Start a job and redraw the page, whose jobs list (above this panel) then shows it; an error starting it is
    shown here, in the panel, and the rest of the page stays usable."""
    try:
        started(action(*args))
    except RagError as error:
        st.error(escape(str(error)))
        return
    st.rerun()
