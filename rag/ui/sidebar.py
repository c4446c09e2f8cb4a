"""The sidebar: pick, create and delete collections; add files; the jobs; the documents; answer settings; the Models
panel."""

from __future__ import annotations

import streamlit as st

from ..answer.present import escape
from ..engine import Engine
from .filters import filters_form
from .jobs import jobs_panel
from .library import documents, upload_form
from .models import models_panel


def sidebar(engine: Engine) -> str | None:
    """Draw the sidebar; returns the selected collection, or None when there is none."""
    name = choose(engine)
    if name:
        upload_form(engine, name)
    jobs_panel(engine)
    if not name:
        return None
    documents(engine, name)
    st.session_state.conversations_slot = st.container()  # the chat fills it (``rag.ui.chat.conversations``)
    delete_button(engine, name)
    answer_settings(engine)
    filters_form(engine, name)
    models_panel(engine, name)
    return name


def choose(engine: Engine) -> str | None:
    """The collection picker, the other collections to ask with it, and the form that creates a new one (selected
    once created)."""
    state = st.session_state
    found = engine.collections()
    names = [c["name"] for c in found if not c.get("damaged")]
    damaged(engine, [c for c in found if c.get("damaged")])
    if state.get("pending_collection") in names:
        state.collection = state.pop("pending_collection")
    elif names and state.get("collection") not in names:  # none yet (the samples appeared since), or deleted
        state.collection = names[0]
    name = st.selectbox("Collection", names, key="collection", placeholder="No collections yet")
    if engine.storage.where == "postgresql":
        st.caption(f"Kept in {escape(engine.storage.describe())}, shared with every app server that uses it.")
    if name and len(names) > 1:
        also = f"also-{name}"
        state[also] = [n for n in state.get(also, []) if n in names and n != name]  # none deleted since
        st.multiselect("Also ask", [n for n in names if n != name], key=also, placeholder="No other collection",
                       help="Questions are answered from these collections too: their passages are ranked together "
                            "with this collection's, and each source names its collection.")
    with st.form("create", clear_on_submit=True, border=False):
        new = st.text_input("New collection", placeholder="e.g. Anticoagulation")
        if st.form_submit_button("Create") and new.strip():
            engine.create(new.strip())
            state.pending_collection = new.strip()
            st.rerun()
    return name


def damaged(engine: Engine, found: list[dict]) -> None:
    """Collections that cannot be opened, each with the reason and a way to delete it."""
    state = st.session_state
    for c in found:
        name = c["name"]
        st.warning(f"“{escape(name)}” cannot be opened: {escape(c['damaged'])}  \nIts files are still in "
                   f"{escape(str(engine.storage.root / name))}.")  # only folders can be damaged
        if st.button(f"Delete “{name}”", key=f"delete-damaged-{name}"):
            state.confirm_damaged = name
        if state.get("confirm_damaged") == name and st.button("Yes, delete its files", type="primary",
                                                              key=f"confirm-damaged-{name}"):
            engine.delete(name)
            state.confirm_damaged = None
            st.rerun()


def delete_button(engine: Engine, name: str) -> None:
    """Delete a collection, after a confirmation."""
    state = st.session_state
    if st.button("Delete collection", key="delete"):
        state.confirm_delete = name
    if state.get("confirm_delete") != name:
        return
    st.warning(f"Delete “{name}” and all its documents? This cannot be undone.")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", type="primary", key="confirm"):
        engine.delete(name)
        state.chats.pop(name, None)
        state.confirm_delete = None
        st.rerun()
    if no.button("Cancel", key="cancel"):
        state.confirm_delete = None
        st.rerun()


def answer_settings(engine: Engine) -> None:
    """Passages per question, hybrid search, temperature and answer length, for this browser session."""
    s = engine.settings
    with st.expander("Settings"):
        st.session_state.setdefault("top_k", s.top_k)
        st.slider("Passages per question", 1, 20, key="top_k")
        st.toggle("Hybrid search (keywords + meaning)", value=s.mode == "hybrid", key="hybrid")
        st.slider("Temperature", 0.0, 1.5, value=s.temperature, step=0.05, key="temperature")
        st.slider("Answer length (tokens)", 64, min(1024, s.n_ctx // 2 - 1), value=s.max_tokens, step=32,
                  key="max_tokens")
