"""Follow-up questions: rewritten into a standalone question before retrieval (LLM replaced by a fake)."""

import pytest

from rag.answer.pipeline import standalone
from rag.engine import Engine
from rag.settings import Settings
from tests.fakes import ScriptedLLM, evidence_stream

HISTORY = [("What is heparin used for?", "Heparin prevents deep venous thrombosis [1].")]


def test_a_good_rewrite_is_used():
    llm = ScriptedLLM("What are the side effects of heparin?")
    assert standalone(llm, "What are its side effects?", HISTORY) == "What are the side effects of heparin?"
    assert "What is heparin used for?" in llm.calls[0][1]["content"]


def test_an_unusable_rewrite_falls_back_to_the_previous_question():
    for reply in ["", "x" * 500, "What are its side effects?"]:
        assert standalone(ScriptedLLM(reply), "What are its side effects?", HISTORY) == (
            "What is heparin used for? What are its side effects?")


def test_a_rewrite_that_loses_what_they_referred_to_falls_back():
    history = [("Which prophylactic methods prevent deep venous thrombosis in trauma patients?",
                "Heparin and compression devices are used [1].")]
    question = "How often did they cause complications?"
    assert standalone(ScriptedLLM("How often do complications occur?"), question, history) == (
        f"{history[0][0]} {question}")
    assert standalone(ScriptedLLM("How often did heparin cause complications?"), question, history) == (
        "How often did heparin cause complications?")


@pytest.mark.parametrize(("question", "rewritten"), [
    ("Which programs does VESPA use for selective pressure analyses?", False),  # names its own subject
    ("Does vitamin D supplementation prevent hip fractures?", False),
    ("What dose was used?", True),  # too few words of its own to stand alone
    ("How often did they cause complications?", True),  # a pronoun
    ("Were they as effective as heparin in older trauma patients?", True),
    ("And what about elderly trauma patients with head injuries?", True),  # goes on from the last turn
    ("Which adverse events did the trial report in older trauma patients?", True),  # "the trial": the last one's
    ("Were the same doses given to children with head injuries?", True),
])
def test_only_a_follow_up_that_does_not_stand_alone_is_rewritten(question, rewritten):
    llm = ScriptedLLM("What are the side effects of heparin in trauma?")
    result = standalone(llm, question, HISTORY)
    assert bool(llm.calls) == rewritten
    assert (result != question) == rewritten


def test_no_history_no_rewrite():
    llm = ScriptedLLM("unused")
    assert standalone(llm, "Q?", []) == "Q?"
    assert llm.calls == []


@pytest.mark.slow
def test_follow_up_retrieves_with_the_rewritten_question(tmp_path):
    (tmp_path / "heparin.txt").write_text("Heparin can cause bleeding and heparin-induced thrombocytopenia.")
    (tmp_path / "malaria.txt").write_text("Malaria is spread by Anopheles mosquitoes in tropical regions.")
    llm = ScriptedLLM("What are the side effects of heparin?", "Bleeding [1].")
    engine = Engine(Settings.from_env(top_k=1), llm=llm)
    engine.ingest("c", [(p.name, p) for p in sorted(tmp_path.glob("*.txt"))])
    answer = engine.ask("c", "And its side effects?", HISTORY).run()
    assert answer.standalone == "What are the side effects of heparin?"
    assert answer.passages[0].chunk.document == "heparin.txt"
    assert answer.citations == [1] and answer.answer == "Bleeding [1]."


@pytest.mark.slow
def test_an_off_topic_question_is_declined_without_asking_the_llm(tmp_path):
    from rag.answer.prompts import NO_ANSWER

    (tmp_path / "heparin.txt").write_text("Heparin can cause bleeding and heparin-induced thrombocytopenia.")
    llm = ScriptedLLM("Paris is the capital of France.")
    engine = Engine(Settings.from_env(), llm=llm)
    engine.ingest("c", [("heparin.txt", tmp_path / "heparin.txt")])
    answer = engine.ask("c", "What is the capital of France?").run()
    assert answer.answer == NO_ANSWER and answer.declined and llm.calls == []
    assert answer.passages, "the passages are still shown, for the user to check"
    on_topic = engine.ask("c", "What side effects does heparin have?").run()
    assert not on_topic.declined and len(llm.calls) == 1
    # 0 turns the check off
    assert not engine.ask("c", "What is the capital of France?", min_similarity=0.0).run().declined


DVT = [("Which mechanical devices prevent deep venous thrombosis after trauma?",
        "The evidence suggests that mechanical compression devices are used to prevent deep venous thrombosis [1].")]


@pytest.mark.parametrize("reply", [
    "The evidence suggests that mechanical compression devices are used to prevent deep venous thrombosis.",  # copy
    "Mechanical compression devices were used in trauma patients.",  # not a question
    "Which mechanical devices prevent deep venous thrombosis?",  # the previous question: the follow-up is lost
])
def test_a_rewrite_that_is_no_longer_the_follow_up_falls_back(reply):
    question = "How often did they cause complications?"
    assert standalone(ScriptedLLM(reply), question, DVT) == f"{DVT[0][0]} {question}"


def test_a_rewrite_that_names_the_devices_and_keeps_the_question_is_used():
    question = "How often did they cause complications?"
    reply = "How often did mechanical compression devices cause complications?"
    assert standalone(ScriptedLLM(reply), question, DVT) == reply


class LinedLLM(ScriptedLLM):
    """A model with others ahead in its line at every call: tells ``waiting`` one is ahead, then its turn."""

    def stream(self, messages, max_tokens, temperature, grammar=None, waiting=None):
        if waiting is not None:
            waiting(1)
            waiting(0)
        yield from super().stream(messages, max_tokens, temperature, grammar)


def test_a_follow_up_hears_its_place_in_line_for_its_rewrite_and_for_its_answer():
    llm = LinedLLM("What does heparin prevent in trauma patients?", "Heparin prevents deep venous thrombosis [1].")
    stream = evidence_stream(llm, [("What is heparin?", "An anticoagulant [1].")])
    heard = []
    stream.waiting = lambda ahead: heard.append((len(llm.calls), ahead))
    answer = stream.prepare()
    assert heard == [(0, 1), (0, 0)] and answer.evidence  # the rewrite waited, then the evidence was chosen
    assert stream.run().answer == "Heparin prevents deep venous thrombosis [1]."
    assert heard[2:] == [(1, 1), (1, 0)]  # then the answer waited its turn


def test_an_answer_given_up_while_waiting_keeps_its_evidence_and_asks_nothing():
    class Gone(BaseException):
        pass

    def gone(ahead):
        raise Gone

    llm = LinedLLM("Heparin prevents deep venous thrombosis [1].")
    stream = evidence_stream(llm)
    stream.waiting = gone
    assert stream.prepare().evidence
    with pytest.raises(Gone):
        stream.run()
    assert llm.streaming == 0 and not stream.answer.answer
