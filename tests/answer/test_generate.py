from rag.answer.generate import Answer, attribute, fit_passages, generate
from rag.answer.prompts import NO_ANSWER
from rag.documents import Chunk, Hit
from tests.fakes import ScriptedLLM


def hits(*texts: str) -> list[Hit]:
    return [Hit(Chunk(id=f"d{i}-0000", document=f"doc{i}.pdf", text=t, page=i + 1), 1.0 - i / 10)
            for i, t in enumerate(texts)]


def test_passages_that_do_not_fit_the_context_are_dropped():
    passages = hits(*(" ".join(["word"] * 300) for _ in range(5)))
    llm = ScriptedLLM("x", n_ctx=1024)
    kept = fit_passages(passages, "What?", llm, max_tokens=200)
    assert 1 <= len(kept) < 5
    assert kept == passages[:len(kept)]


def test_answer_streams_and_keeps_only_valid_citations():
    answer = Answer("Q", standalone="Q", passages=hits("Heparin prevents DVT.", "Aspirin thins blood."))
    llm = ScriptedLLM("Heparin prevents DVT [1] and not [7]; see also [2].")
    pieces = list(generate(answer, llm, 100, 0.0))
    assert "".join(pieces).strip() == answer.answer
    assert answer.citations == [1, 2]
    assert answer.timings["first_token_ms"] >= 0
    assert answer.to_dict()["citations"][0]["document"] == "doc0.pdf"


def test_no_passages_means_the_fixed_phrase_without_calling_the_model():
    answer = Answer("Q", standalone="Q", passages=[])
    llm = ScriptedLLM("should not be used")
    assert "".join(generate(answer, llm, 100, 0.0)) == NO_ANSWER
    assert llm.calls == [] and answer.citations == []


def test_uncited_copied_sentence_is_attributed_to_its_passage():
    passages = hits("Malaria is spread by mosquitoes.", "Heparin prevents deep venous thrombosis in trauma.")
    text = "Heparin prevents deep venous thrombosis in trauma patients. Something entirely different is said."
    assert attribute(text, passages) == (
        "Heparin prevents deep venous thrombosis in trauma patients [2]. Something entirely different is said.", [2])
    assert attribute("Something entirely different is said here.", passages) == (
        "Something entirely different is said here.", [])


def test_matched_citations_are_marked_in_the_text_and_flagged():
    answer = Answer("Q", standalone="Q", passages=hits("Malaria is spread by Anopheles mosquitoes at night."))
    list(generate(answer, ScriptedLLM("Malaria is spread by Anopheles mosquitoes."), 100, 0.0))
    assert answer.answer == "Malaria is spread by Anopheles mosquitoes [1]."
    assert answer.citations == [1] and answer.matched and answer.to_dict()["citations_matched"] is True


def test_a_looping_model_is_stopped_at_the_first_repeated_sentence():
    answer = Answer("Q", standalone="Q", passages=hits("Heparin prevents DVT."))
    loop = "Heparin prevents deep venous thrombosis [1]. " * 5
    llm = ScriptedLLM("It works well here. " + loop)
    list(generate(answer, llm, 500, 0.0))
    assert answer.answer == "It works well here. Heparin prevents deep venous thrombosis [1]."
    assert answer.citations == [1]
