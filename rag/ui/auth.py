"""Sign-in: with ``RAG_PASSWORD`` set, nothing is shown until the right password is given."""

from __future__ import annotations

import hmac

import streamlit as st

from ..settings import Settings


def signed_in(settings: Settings) -> bool:
    """A password form until the right password is given (remembered for the browser session)."""
    if not settings.password or st.session_state.get("signed_in"):
        return True
    with st.form("sign-in"):
        given = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            if hmac.compare_digest(given.encode(), settings.password.encode()):
                st.session_state.signed_in = True
                st.rerun()
            st.error("Wrong password.")
    return False
