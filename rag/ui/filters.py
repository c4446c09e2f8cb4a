"""The sidebar's document filter: which documents questions are answered from, and which collections are asked."""

from __future__ import annotations

import streamlit as st

from ..engine import Engine
from ..retrieve.filters import Filters


def asked(name: str) -> list[str]:
    """The collections a question is asked of: the selected one, then those picked under "Also ask"."""
    return [name, *st.session_state.get(f"also-{name}", [])]


def filters_form(engine: Engine, name: str) -> None:
    """Which documents of the collections asked questions are answered from: chosen ones, a year range, a journal."""
    docs = [d for n in asked(name) for d in engine.collection(n).documents.values()]
    with st.expander("Filter the documents"):
        st.multiselect("Only these documents", sorted({d["source"] for d in docs}), key=f"only-{name}",
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
