"""Streamlit entry point: one shared Engine, the sidebar and the chat (the pieces are in ``rag.ui``).

Run with ``make run``. Layout and wiring only: the Engine retrieves, prompts and runs the models.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from rag.engine import Engine
from rag.errors import RagError
from rag.settings import Settings
from rag.ui.auth import signed_in
from rag.ui.chat import chat, page_setup
from rag.ui.sidebar import sidebar
from rag.ui.warmup import Warmup, progress

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


@st.cache_resource(show_spinner=False)
def create() -> tuple[Engine, Warmup]:
    """The one engine of this server; the sample collection and the models load behind the first page."""
    engine = Engine(Settings.from_env())
    return engine, Warmup(engine, SAMPLES)


def main() -> None:
    page_setup()
    st.session_state.setdefault("chats", {})  # the open conversation of each collection
    st.session_state.setdefault("conversation", {})  # its id in the engine's chat store, once saved
    try:
        if not signed_in(Settings.from_env()):
            return
        engine, warmup = create()
        if warmup.error:
            st.error(warmup.error)
        with st.sidebar:
            st.header("biorag")
            name = sidebar(engine)
        st.title(name or "Ask your papers")
        if not warmup.done.is_set():
            progress(warmup)
        if name and name != warmup.seeding:  # the sample collection takes questions once it is ready
            chat(engine, name)
        elif warmup.done.is_set():
            st.info("Create a collection in the sidebar, then add your papers to it.")
    except RagError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - a bug must still reach the user as a message, not a traceback
        logging.getLogger("biorag").exception("unexpected error")
        st.error(f"Something went wrong ({type(error).__name__}: {error}). Your collections are unchanged; "
                 "the details are in the server's log.")


main()
