"""Streamlit UI (placeholder until the web app lands): shows the collections and answers from the engine."""

import streamlit as st

from rag.engine import Engine
from rag.errors import RagError
from rag.settings import Settings


@st.cache_resource
def create() -> Engine:
    return Engine(Settings.from_env())


st.title("Biomedical literature Q&A")
try:
    engine = create()
    names = [c["name"] for c in engine.collections()]
    if not names:
        st.info("No collections yet. Create one with: rag ingest PATH --collection NAME")
    else:
        name = st.selectbox("Collection", names)
        if question := st.chat_input("Ask a question"):
            st.write_stream(engine.ask(name, question))
except RagError as error:
    st.error(str(error))
