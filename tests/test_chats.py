"""Conversations kept on disk: saved as they grow, listed newest first, reopened whole, deleted."""

import json

import pytest

from rag.chats import ChatStore
from rag.engine import Engine
from rag.settings import Settings

ANSWER = {"answer": "Heparin helps [1].", "evidence": [{"n": 1, "document": "a.pdf", "page": 2, "text": "Heparin."}],
          "references": {"a.pdf": {"title": "A paper", "doi": "10.1/x"}}}


def turn(question: str) -> list[dict]:
    return [{"role": "user", "content": question},
            {"role": "assistant", "content": ANSWER["answer"], "answer": ANSWER}]


def test_a_conversation_is_saved_as_it_grows_and_comes_back_whole(tmp_path):
    store = ChatStore(tmp_path / "chats.sqlite")
    first = store.append("Trauma", None, turn("Does heparin help?"))
    assert store.append("Trauma", first, turn("And aspirin?")) == first
    second = store.append("Trauma", None, turn("What about filters?"))
    store.append("Other", None, turn("Elsewhere?"))
    listed = store.conversations("Trauma")
    assert [(c["id"], c["title"], c["messages"]) for c in listed] == [(second, "What about filters?", 2),
                                                                        (first, "Does heparin help?", 4)]
    # Another process (another store on the same file) reads exactly what was written, answers included
    again = ChatStore(tmp_path / "chats.sqlite").messages(first)
    assert [m["content"] for m in again] == ["Does heparin help?", ANSWER["answer"], "And aspirin?", ANSWER["answer"]]
    assert again[1]["answer"] == ANSWER and "answer" not in again[0]
    assert json.dumps(again[3]["answer"]) == json.dumps(ANSWER)


def test_deleting_a_conversation_or_its_collection_forgets_it(tmp_path):
    store = ChatStore(tmp_path / "chats.sqlite")
    gone = store.append("Trauma", None, turn("Does heparin help?"))
    kept = store.append("Trauma", None, turn("And aspirin?"))
    store.delete(gone)
    assert [c["id"] for c in store.conversations("Trauma")] == [kept] and store.messages(gone) == []
    # Appending to a conversation deleted meanwhile (in another tab) starts a new one rather than losing the turn
    revived = store.append("Trauma", gone, turn("Still there?"))
    assert revived != gone and store.messages(revived)[0]["content"] == "Still there?"
    store.delete_collection("Trauma")
    assert store.conversations("Trauma") == []


@pytest.mark.slow  # the bundled embedding model indexes the collection
def test_deleting_a_collection_deletes_its_conversations(tmp_path):
    engine = Engine(Settings.from_env())
    (tmp_path / "a.txt").write_text("Heparin prevents thrombosis.")
    engine.ingest("c", [tmp_path / "a.txt"])
    engine.chats.append("c", None, turn("Does heparin help?"))
    engine.delete("c")
    assert engine.chats.conversations("c") == []
