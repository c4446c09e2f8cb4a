"""The sidebar's document filter: which of the collection's documents questions are answered from."""

from __future__ import annotations

import streamlit as st

from ..engine import Engine
from ..index.filters import Filters


def filters_form(engine: Engine, name: str) -> None:
    """Which of the collection's documents questions are answered from: chosen ones, a year range, a journal."""
    docs = engine.collection(name).documents.values()
    with st.expander("Filter the documents"):
        st.multiselect("Only these documents", sorted(d["source"] for d in docs), key=f"only-{name}",
                       placeholder="All documents")
        left, right = st.columns(2)
        left.number_input("From year", 0, 2100, value=None, step=1, key=f"year_from-{name}", placeholder="any")
        right.number_input("To year", 0, 2100, value=None, step=1, key=f"year_to-{name}", placeholder="any")
        st.text_input("Journal contains", key=f"journal-{name}")
        if not any((d.get("metadata") or {}).get("year") for d in docs):
            st.caption("No document here has a publication year (PubMed records and most journal PDFs do), so a "
                       "year filter finds none.")


def chosen_filters(name: str) -> Filters:
    """The filter set in the sidebar for collection ``name``."""
    state = st.session_state
    return Filters(tuple(state.get(f"only-{name}") or ()), state.get(f"year_from-{name}"),
                   state.get(f"year_to-{name}"), state.get(f"journal-{name}") or "")
