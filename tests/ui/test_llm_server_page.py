"""The web app answering from an LLM server (RAG_LLM_URL) that is down: the error is one line under the evidence,
kept with the turn, and the page stays usable."""

import socket

import pytest

from tests.ui.test_app import start, texts

pytestmark = pytest.mark.slow


def test_a_server_that_is_down_leaves_the_evidence_and_the_page_usable(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens there once the socket is closed
    monkeypatch.setenv("RAG_LLM_URL", url)
    monkeypatch.setenv("RAG_LLM_API_KEY", "sk-page-secret")
    at = start()
    assert not at.exception and not at.error  # the warm-up does not ask the server
    caption = next(c.value for c in at.caption if c.value.startswith("Embeddings:")).replace("\\", "")
    assert caption.endswith(f"LLM: the served model at {url}")
    at.chat_input[0].set_value("Which prophylactic modalities are common in trauma?").run()
    assert not at.exception
    said = (f"The LLM server at {url} cannot be reached (connection refused): is it running, and is RAG_LLM_URL "
            "its address?")
    assert [e.value.replace("\\", "") for e in at.error] == [said]
    assert "**Evidence**" in texts(at)
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert answer["error"] == said and answer["evidence"]
    at.run()  # the turn is replayed with its evidence and its error; the page still takes questions
    assert [e.value.replace("\\", "") for e in at.error] == [said] and "**Evidence**" in texts(at)
    assert at.chat_input and "sk-page-secret" not in texts(at)
