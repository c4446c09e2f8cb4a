"""The chat while another answer holds the shared model, through AppTest with the real bundled models: a question
waits in line behind it, and one whose run is stopped while it waits leaves the line."""

import threading
import time

import pytest

from rag.answer.llm import LlamaCppModel
from rag.ui.warmup import EXAMPLES
from tests.ui.test_app import start

pytestmark = pytest.mark.slow

WAITED = 20  # seconds the page runs before AppTest stops it: the evidence is found and the answer is in line


def test_a_question_stopped_while_it_waits_for_the_model_leaves_the_line(monkeypatch):
    made: list[LlamaCppModel] = []

    class Recorded(LlamaCppModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr("rag.model_manager.LlamaCppModel", Recorded)
    at = start()
    model = made[-1]  # the app's one shared model
    let_go, holding, done = threading.Event(), threading.Event(), threading.Event()
    longest = []

    def other_answer() -> None:  # another session's answer: it holds the model (at most until the test gives up)
        with model.lock.held():
            holding.set()
            let_go.wait(WAITED + 60)

    def watch() -> None:
        while not done.is_set():
            longest.append(len(model.lock))
            time.sleep(0.05)

    holder, watcher = threading.Thread(target=other_answer), threading.Thread(target=watch)
    holder.start()
    watcher.start()
    assert holding.wait(30)
    try:
        at.chat_input[0].set_value(EXAMPLES[0])
        # AppTest stops a run that outlasts its timeout as Streamlit stops the run of a tab that was closed: it
        # asks the run to stop, which happens at the page's next write. The waiting line is written every second
        with pytest.raises(RuntimeError, match="timed out"):
            at.run(timeout=WAITED)
        # The question stood in line behind the other answer, and left it when its run was stopped
        assert max(longest) == 2 and len(model.lock) == 1
    finally:
        let_go.set()
        holder.join(60)
        done.set()
        watcher.join(10)
    # The model is free: the same question asked again is answered
    at.chat_input[0].set_value(EXAMPLES[0]).run()
    assert not at.exception
    answer = at.session_state.chats["Sample papers"][-1]["answer"]
    assert answer["citations"] and len(model.lock) == 0

