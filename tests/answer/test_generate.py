"""Writing the answer: grammar-bound streaming of whole, checked, cited sentences; what streams is what is kept."""

import itertools

import pytest

from rag.answer.evidence import Evidence
from rag.answer.generate import DROPPED, NO_VERDICT, Answer, generate, is_yes_no
from rag.answer.grammar import answer_grammar, citation_grammar
from rag.answer.prompts import NO_ANSWER, evidence_messages
from rag.answer.support import claim_text
from rag.documents import Chunk, Hit
from rag.models.catalogue import Answering
from tests.fakes import HashEmbed, ScriptedLLM

ENOXAPARIN = "Enoxaparin prevented deep vein thrombosis after major trauma better than low-dose heparin."
BLEEDING = "Major bleeding was rare in both groups of trauma patients."
VITAMIN_D = "Daily vitamin D did not reduce hip fractures in community-dwelling women."
QUESTION = "What prevents deep vein thrombosis after major trauma?"
SMOLLM2 = "SmolLM2-135M-Instruct (Q4_1)"
PROSE = Answering("prose", "none", verdicts=False, max_tokens=160)
STRICT = Answering("evidence", "sentences", verdicts=False, max_tokens=200)


def evidence(*texts: str, embed=None) -> list[Evidence]:
    vectors = (embed or HashEmbed())(list(texts))
    return [Evidence(i + 1, text, 0.9 - i / 10, i + 1,
                     Hit(Chunk(id=f"doc{i}-0000", document=f"paper{i}.pdf", text=text, page=i + 1), 0.8 - i / 10),
                     vector=vectors[i])
            for i, text in enumerate(texts)]


def answer_for(question: str = QUESTION, *texts: str) -> Answer:
    found = evidence(*(texts or (ENOXAPARIN, BLEEDING)))
    return Answer(question, standalone=question, evidence=found, passages=[e.hit for e in found])


def run(answer: Answer, llm, embed=None, max_tokens: int = 200, llm_name: str = SMOLLM2, **kw) -> list[str]:
    return list(generate(answer, llm, embed or HashEmbed(), max_tokens, 0.0, llm_name, **kw))


def test_whole_cited_sentences_stream_and_what_streams_is_what_is_kept():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major trauma [1]. "
                      "Major bleeding was rare in both groups [2].")
    pieces = run(answer, llm)
    assert pieces == ["Enoxaparin prevented deep vein thrombosis after major trauma [1].",
                      " Major bleeding was rare in both groups [2]."]
    assert answer.answer == "".join(pieces)
    assert answer.citations == [1, 2]
    assert not answer.abstained


def test_an_evidence_title_copied_before_a_sentence_is_not_shown_with_it():
    answer = answer_for(QUESTION, "Enoxaparin for trauma patients", ENOXAPARIN)  # [1] is a title: no full stop
    llm = ScriptedLLM("Enoxaparin for trauma patients\n[2] Enoxaparin prevented deep vein thrombosis after major "
                      "trauma better than low-dose heparin [1].")
    assert run(answer, llm) == ["Enoxaparin prevented deep vein thrombosis after major trauma better than "
                                "low-dose heparin [1] [2]."]
    assert answer.sentences[0]["supported"] and answer.sentences[0]["citations"] == [1, 2]
    assert answer.dropped == [{"text": "Enoxaparin for trauma patients", "reason": "damaged (cut)"}]


def test_evidence_listed_line_by_line_is_shown_as_sentences():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major trauma [1]\n\n"
                      "Major bleeding was rare in both groups of trauma patients [2]")
    assert run(answer, llm) == ["Enoxaparin prevented deep vein thrombosis after major trauma [1].",
                                " Major bleeding was rare in both groups of trauma patients [2]."]


def test_the_model_is_asked_as_its_catalogue_entry_says():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    run(answer, llm, max_tokens=77)  # the bundled model: prose, no grammar
    assert llm.calls == [evidence_messages(QUESTION, answer.evidence, "prose")] and llm.grammars == [None]
    strict = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    run(answer_for(), strict, how=STRICT)
    assert strict.calls == [evidence_messages(QUESTION, answer.evidence)]
    assert strict.grammars == [answer_grammar(2, verdicts=True)]
    qwen = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    run(answer_for(), qwen, llm_name="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)")  # prose, no grammar
    assert qwen.calls == [evidence_messages(QUESTION, answer.evidence, "prose")] and qwen.grammars == [None]
    cited = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    run(answer_for(), cited, how=Answering("prose", "citations"))
    assert cited.grammars == [citation_grammar(2)]


def test_every_sentence_is_checked_against_the_evidence_it_cites():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major trauma [1]. "
                      "Major bleeding was not rare in both groups [2]. Bed nets protect trauma patients from "
                      "malaria [2].")
    run(answer, llm)
    assert [set(s) for s in answer.sentences] == [{"text", "citations", "supported", "support", "reason"}] * 3
    first, negation, unrelated = answer.sentences
    assert first["text"] == "Enoxaparin prevented deep vein thrombosis after major trauma [1]."
    assert first["citations"] == [1] and first["supported"] is True and first["reason"] == ""
    assert 0.5 <= first["support"] <= 1.0
    assert negation["citations"] == [2] and negation["supported"] is False
    assert negation["reason"] == "a negation that the evidence does not have"
    assert unrelated["supported"] is False and unrelated["reason"] == "not close to the evidence it cites"
    assert 0.0 <= unrelated["support"] < 0.5
    # Unsupported sentences are kept and shown: the check reports, it does not rewrite
    assert answer.answer.endswith("Bed nets protect trauma patients from malaria [2].")


def test_a_sentence_citing_evidence_that_does_not_exist_is_unsupported():
    answer = answer_for()
    run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major trauma [7]."))
    (sentence,) = answer.sentences
    assert sentence["citations"] == [] and sentence["supported"] is False
    assert sentence["reason"] == "cites no evidence"
    assert answer.citations == []


def test_the_claim_is_embedded_without_its_citations():
    embed = HashEmbed()
    answer = answer_for()
    run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1][2]."), embed=embed)
    assert embed.calls == [[QUESTION, "Enoxaparin prevented deep vein thrombosis."]]


def test_a_looping_model_is_stopped_at_the_first_repeated_sentence():
    answer = answer_for()
    loop = "Enoxaparin prevented deep vein thrombosis [1]. " * 5
    llm = ScriptedLLM("Major bleeding was rare in both groups [2]. " + loop)
    pieces = run(answer, llm, max_tokens=500)
    assert answer.answer == ("Major bleeding was rare in both groups [2]. "
                             "Enoxaparin prevented deep vein thrombosis [1].")
    assert "".join(pieces) == answer.answer and len(answer.sentences) == 2
    assert answer.citations == [2, 1]


def test_a_repeat_with_other_citations_is_still_a_repeat():
    answer = answer_for()
    run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1]. "
                            "Enoxaparin  prevented deep vein thrombosis [2]. Major bleeding was rare [2]."))
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis [1]."
    assert answer.citations == [1]


def test_a_failure_while_answering_ends_the_models_stream_at_once():
    # The real model holds its lock while it streams: an error must not leave the stream open for as long as
    # the error's traceback (which holds the generator's frame) lives
    def broken(texts):
        raise RuntimeError("embedding failed")

    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major trauma [1]. More [2].")
    with pytest.raises(RuntimeError, match="embedding failed") as failure:
        run(answer_for(), llm, embed=broken)
    assert failure.traceback and llm.streaming == 0


def test_an_unfinished_last_sentence_is_dropped():
    answer = answer_for()
    pieces = run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1]. Major bleeding was rare in"))
    assert pieces == ["Enoxaparin prevented deep vein thrombosis [1]."]
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis [1]."
    assert len(answer.sentences) == 1


def test_an_unfinished_only_sentence_gives_the_no_answer_phrase():
    answer = answer_for()
    pieces = run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis after"))
    assert pieces == [NO_ANSWER] and answer.answer == NO_ANSWER
    assert answer.sentences == [] and answer.citations == [] and answer.abstained


def test_the_no_answer_reply_is_passed_on():
    answer = answer_for()
    llm = ScriptedLLM(NO_ANSWER)
    pieces = run(answer, llm)
    assert pieces == [NO_ANSWER] and answer.answer == NO_ANSWER
    assert len(llm.calls) == 1 and answer.sentences == [] and answer.citations == []


def test_no_evidence_means_the_fixed_phrase_without_calling_the_model():
    answer = Answer(QUESTION, standalone=QUESTION, evidence=[])
    llm, embed = ScriptedLLM("should not be used [1]."), HashEmbed()
    pieces = run(answer, llm, embed=embed)
    assert pieces == [NO_ANSWER] and answer.answer == NO_ANSWER
    assert llm.calls == [] and embed.calls == []
    assert answer.citations == [] and answer.sentences == []
    assert answer.timings["generate_ms"] >= 0


def test_a_declined_question_is_not_asked():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    assert run(answer, llm, ask=False) == [NO_ANSWER]
    assert llm.calls == [] and answer.answer == NO_ANSWER


@pytest.mark.parametrize("question", ["Does vitamin D prevent hip fractures?", "Is vitamin D safe in women?",
                                      "Can vitamin D reduce fractures?", "  do daily doses lower hip fractures?"])
def test_yes_no_questions_get_the_note_and_a_grammar_without_verdicts(question):
    assert is_yes_no(question)
    answer = answer_for(question, VITAMIN_D, BLEEDING)
    llm = ScriptedLLM("Daily vitamin D did not reduce hip fractures [1].")
    run(answer, llm, how=STRICT)
    assert answer.note == NO_VERDICT
    assert llm.grammars == [answer_grammar(2, verdicts=False)]
    assert answer.to_dict()["note"] == NO_VERDICT


@pytest.mark.parametrize("question", [QUESTION, "Which drugs prevent thrombosis?", "How does enoxaparin work?",
                                      "Enoxaparin dosing in children?"])
def test_other_questions_get_no_note_and_the_full_grammar(question):
    assert not is_yes_no(question)
    answer = answer_for(question)
    llm = ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1].")
    run(answer, llm, how=STRICT)
    assert answer.note == ""
    assert llm.grammars == [answer_grammar(2, verdicts=True)]


def test_a_model_cleared_for_verdicts_draws_them():
    answer = answer_for("Does vitamin D prevent hip fractures?", VITAMIN_D)
    llm = ScriptedLLM("No, daily vitamin D did not reduce hip fractures [1].")
    run(answer, llm, how=Answering("evidence", "sentences", verdicts=True))
    assert answer.note == "" and llm.grammars == [answer_grammar(1, verdicts=True)]
    assert answer.answer.startswith("No, daily")
    # Any other model draws none: its opening "No," is taken off, the finding stays
    other = answer_for("Does vitamin D prevent hip fractures?", VITAMIN_D)
    run(other, ScriptedLLM("No, daily vitamin D did not reduce hip fractures [1]."), how=PROSE)
    assert other.note == NO_VERDICT
    assert other.answer == "Daily vitamin D did not reduce hip fractures [1]."


def test_citations_anywhere_decimals_and_et_al_make_whole_sentences():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin [1] prevented deep vein thrombosis after major trauma better than heparin, as "
                      "Geerts et al. found in 0.5 of the cases. [1] Major bleeding was rare in both groups [2][1].")
    pieces = run(answer, llm, how=PROSE)
    assert pieces == ["Enoxaparin [1] prevented deep vein thrombosis after major trauma better than heparin, as "
                      "Geerts et al. found in 0.5 of the cases [1].", " Major bleeding was rare in both groups [2][1]."]
    assert [s["citations"] for s in answer.sentences] == [[1], [2, 1]]


def test_citations_before_sentences_belong_to_the_sentence_they_open():
    answer = answer_for()
    llm = ScriptedLLM("[1] Enoxaparin prevented deep vein thrombosis after major trauma. [2] Major bleeding was "
                      "rare in both groups.")
    assert run(answer, llm, how=PROSE) == ["Enoxaparin prevented deep vein thrombosis after major trauma [1].",
                                           " Major bleeding was rare in both groups [2]."]


@pytest.mark.parametrize("reply", ["The evidence is [1].", "What prevents deep vein thrombosis after major trauma "
                                   "is [1].", "Yes [1].", "The evidence shows what prevents deep vein thrombosis [2]."])
def test_a_sentence_that_adds_nothing_to_the_question_is_not_shown(reply):
    answer = answer_for()
    assert run(answer, ScriptedLLM(reply), how=PROSE) == [NO_ANSWER]
    assert answer.sentences == [] and answer.dropped[0]["reason"] == "adds nothing to the question"
    assert answer.note == DROPPED  # the evidence is still shown: the reader is sent to it
    assert answer.to_dict()["dropped"] == answer.dropped


@pytest.mark.parametrize("reply", ["The evidence does not mention what prevents thrombosis [1].",
                                   "No information is provided about prevention in the documents [2].",
                                   "The documents do not contain an answer to this question."])
def test_a_sentence_saying_the_documents_do_not_answer_is_not_shown(reply):
    answer = answer_for()
    assert run(answer, ScriptedLLM(reply + " Enoxaparin prevented deep vein thrombosis [1]."), how=PROSE) == \
        ["Enoxaparin prevented deep vein thrombosis [1]."]


def test_a_restated_evidence_sentence_with_the_wrong_number_is_cited_to_the_one_it_restates():
    answer = answer_for(QUESTION, ENOXAPARIN, BLEEDING)
    run(answer, ScriptedLLM("Major bleeding was rare in both groups of trauma patients [1]."), how=PROSE)
    assert answer.sentences[0]["text"] == "Major bleeding was rare in both groups of trauma patients [2]."
    assert answer.sentences[0]["citations"] == [2] and answer.sentences[0]["model_cited"] == [1]
    assert answer.sentences[0]["supported"] and answer.citations == [2]
    # A sentence that restates nothing is left with its own citation, unsupported
    other = answer_for(QUESTION, ENOXAPARIN, BLEEDING)
    run(other, ScriptedLLM("Aspirin cured every trauma patient of malaria [1]."), how=PROSE)
    assert other.sentences[0]["citations"] == [1] and not other.sentences[0]["supported"]


def test_the_note_is_set_even_without_evidence():
    answer = Answer("Does vitamin D prevent hip fractures?", standalone="Does vitamin D prevent hip fractures?")
    run(answer, ScriptedLLM("unused"))
    assert answer.note == NO_VERDICT and answer.answer == NO_ANSWER


def test_timings_are_recorded():
    ticks = itertools.count(0.0, 0.25)  # each reading of the clock is 250 ms after the one before
    answer = answer_for()
    run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis [1]."), clock=lambda: next(ticks))
    assert answer.timings["first_token_ms"] == 250.0
    assert answer.timings["generate_ms"] > answer.timings["first_token_ms"]


def test_to_dict_shape():
    answer = answer_for()
    run(answer, ScriptedLLM("Major bleeding was rare in both groups [2]. Enoxaparin prevented deep vein "
                            "thrombosis after major trauma [1]."))
    data = answer.to_dict()
    assert {"standalone", "evidence", "sentences", "citations", "passages", "note", "declined"} <= set(data)
    assert data["standalone"] == QUESTION and data["note"] == "" and data["declined"] is False
    assert data["answer"] == answer.answer
    assert data["evidence"] == [e.to_dict() for e in answer.evidence]
    assert data["evidence"][0] == {"n": 1, "collection": "", "document": "paper0.pdf", "page": 1, "text": ENOXAPARIN,
                                   "score": 0.9, "passage": 1, "chunk_id": "doc0-0000"}
    # Citations in order of first use, each the cited evidence item
    assert [c["n"] for c in data["citations"]] == [2, 1]
    assert data["citations"][0] == {"n": 2, **answer.evidence[1].to_dict()}
    assert data["citations"][0]["text"] == BLEEDING and data["citations"][0]["document"] == "paper1.pdf"
    assert data["sentences"] == answer.sentences and len(data["sentences"]) == 2
    assert data["passages"] == [e.hit.to_dict() for e in answer.evidence]


class OnePieceLLM(ScriptedLLM):
    """A model whose stream hands over the whole reply at once (a backend that does not stream token by token)."""

    def stream(self, messages, max_tokens, temperature, grammar=None, waiting=None):
        yield "".join(super().stream(messages, max_tokens, temperature, grammar))


def test_a_reply_that_arrives_in_one_piece_keeps_every_sentence():
    answer = answer_for()
    pieces = run(answer, OnePieceLLM("Enoxaparin prevented deep vein thrombosis [1]. Major bleeding was rare [2]."))
    assert pieces == ["Enoxaparin prevented deep vein thrombosis [1].", " Major bleeding was rare [2]."]
    assert answer.answer == "".join(pieces) and answer.citations == [1, 2] and len(answer.sentences) == 2


def test_a_sentence_cut_before_its_fact_is_not_shown():
    answer = answer_for()
    pieces = run(answer, ScriptedLLM("The rate of deep vein thrombosis with enoxaparin was [1]. Major bleeding "
                                     "was rare in both groups [2]."), how=PROSE)
    assert pieces == ["Major bleeding was rare in both groups [2]."]
    assert answer.dropped[0]["reason"] == "damaged (cut)"


def test_at_most_three_sentences_are_shown_and_the_model_is_let_go():
    answer = answer_for()
    llm = ScriptedLLM("Enoxaparin prevented thrombosis [1]. Bleeding was rare after trauma [2]. Trauma patients "
                      "were treated early [1]. Heparin was given twice daily after trauma [1]. Nobody died of "
                      "thrombosis [2].")
    assert len(run(answer, llm, how=PROSE)) == 3
    assert llm.streaming == 0


def test_a_copied_reference_bracket_of_the_paper_is_taken_out():
    answer = answer_for()
    run(answer, ScriptedLLM("Without prophylaxis, DVT rates exceed 50% (ref. 1-3) after major trauma [1]."), how=PROSE)
    assert answer.answer == "Without prophylaxis, DVT rates exceed 50% after major trauma [1]."


def test_a_lead_in_about_the_evidence_is_taken_off():
    answer = answer_for()
    run(answer, ScriptedLLM("The evidence mentions that enoxaparin prevented deep vein thrombosis [1]."), how=PROSE)
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis [1]."


def test_a_sentence_without_a_number_does_not_answer_a_how_many_question():
    answer = answer_for("How many trauma patients had major bleeding?", BLEEDING)
    run(answer, ScriptedLLM("Major bleeding occurred in trauma patients of both groups [1]. Major bleeding occurred in "
                            "2 of 120 trauma patients [1]."), how=PROSE)
    assert answer.answer == "Major bleeding occurred in 2 of 120 trauma patients [1]."
    assert answer.dropped[0]["reason"] == "gives no number for a question that asks for one"


def test_the_aim_of_a_study_is_not_shown_as_an_answer():
    answer = answer_for()
    run(answer, ScriptedLLM("To assess whether enoxaparin prevents deep vein thrombosis after trauma [1]. Enoxaparin "
                            "prevented deep vein thrombosis [1]."), how=PROSE)
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis [1]."
    assert answer.dropped[0]["reason"] == "says what a study set out to do, not what it found"


def test_an_abbreviation_that_no_evidence_or_the_question_names_is_not_supported():
    aromatase = "Patients on aromatase inhibitors (AIs) had more osteoporosis than those on tamoxifen."
    made_up, copied = answer_for("Do AIs cause osteoporosis?", aromatase), answer_for("Do they?", aromatase)
    run(made_up, ScriptedLLM("Patients on a GFD had more osteoporosis than those on tamoxifen [1]."), how=PROSE)
    assert not made_up.sentences[0]["supported"] and made_up.sentences[0]["reason"] == "GFD, which no evidence names"
    run(copied, ScriptedLLM("Patients on AIs had more osteoporosis than those on tamoxifen [1]."), how=PROSE)
    assert copied.sentences[0]["supported"]


def test_list_markers_are_taken_off_the_sentences_they_open():
    answer = answer_for()
    run(answer, ScriptedLLM("1) Enoxaparin prevented deep vein thrombosis [1]. 2) Major bleeding was rare in both "
                            "groups [2]."), how=PROSE)
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis [1]. Major bleeding was rare in both groups [2]."


@pytest.mark.parametrize("again", [
    "DT is a new X-ray-based imaging technique that allows image enhancement with minimal increase in radiation "
    "exposure [3].",  # nearly the same words (Qwen2.5-Coder-0.5B, PubMedQA dev)
    "Digital tomosynthesis (DT) is a new X-ray-based imaging technique that allows image enhancement [3].",  # cut
])
def test_a_sentence_that_says_an_earlier_one_again_ends_the_answer(again):
    answer = answer_for("What is digital tomosynthesis?")
    first = ("Digital tomosynthesis (DT) is a new X-ray-based imaging technique that allows image enhancement with "
             "minimal increase in radiation exposure [3].")
    run(answer, ScriptedLLM(f"{first} {again} Major bleeding was rare in both groups [2]."), max_tokens=500)
    assert answer.answer == first


def test_two_findings_worded_alike_are_both_shown():
    answer = answer_for()
    said = "Major bleeding occurred in 16% of the enoxaparin group [1]. Major bleeding occurred in 35% of the " \
           "heparin group [2]."
    run(answer, ScriptedLLM(said), max_tokens=500)
    assert [claim_text(s["text"]) for s in answer.sentences] == [
        "Major bleeding occurred in 16% of the enoxaparin group.",
        "Major bleeding occurred in 35% of the heparin group."]


def test_a_reply_that_cites_first_and_was_cut_by_the_length_limit_loses_its_last_sentence():
    answer = answer_for()
    # "[n] sentence" style: the citation moved to the end must not make the cut tail look finished
    run(answer, ScriptedLLM("[1] Enoxaparin prevented deep vein thrombosis after major trauma.\n"
                            "[2] Major bleeding was rare in both groups of trauma patients, which"))
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis after major trauma [1]."


def test_a_reply_that_cites_first_and_ends_whole_keeps_its_last_sentence():
    answer = answer_for()
    run(answer, ScriptedLLM("[1] Enoxaparin prevented deep vein thrombosis after major trauma.\n"
                            "[2] Major bleeding was rare in both groups."))
    assert answer.answer.endswith("Major bleeding was rare in both groups [2].")


def test_a_label_before_a_sentence_is_taken_off():
    answer = answer_for()
    run(answer, ScriptedLLM("Comparison: Enoxaparin prevented deep vein thrombosis after major trauma [1]."))
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis after major trauma [1]."


def test_a_sentence_about_something_else_is_not_shown():
    answer = answer_for()
    answer.evidence[1].score = 0.3  # evidence retrieved, but far from the question
    run(answer, ScriptedLLM("Bed nets protect children from malaria [2]. "
                            "Enoxaparin prevented deep vein thrombosis after major trauma [1]."))
    assert answer.answer == "Enoxaparin prevented deep vein thrombosis after major trauma [1]."
    assert answer.dropped == [{"text": "Bed nets protect children from malaria [2].",
                               "reason": "answers another question"}]


def test_a_copy_of_the_evidence_with_the_questions_term_put_in_is_not_shown():
    question = "How long do Greenland sharks live?"
    sharks = ("Based on tag-recapture data we report on the longevity of Atlantic Sharpnose Sharks, common in the "
              "coastal waters off the southeastern United States.")
    answer = answer_for(question, sharks, BLEEDING)
    run(answer, ScriptedLLM("Based on tag-recapture data we report on the longevity of Greenland sharks, common in "
                            "the coastal waters off the southeastern United States [1]."))
    assert answer.sentences == [] and answer.answer == NO_ANSWER
    assert answer.dropped[0]["reason"] == "puts the question's 'greenland' into evidence that does not say it"


def test_a_questions_term_that_no_evidence_has_leaves_the_sentence_unsupported():
    question = "Does enoxaparin prevent deep vein thrombosis in Greenland?"
    answer = answer_for(question)
    run(answer, ScriptedLLM("Enoxaparin prevented thrombosis in Greenland trauma patients [1]."))
    (sentence,) = answer.sentences
    assert sentence["supported"] is False and sentence["reason"] == "the question's 'greenland', which no evidence " \
        "mentions"
    # Another form of a word the evidence has is no new term ("infants" of "infant")
    answer = answer_for("What prevents thrombosis in traumas?")
    run(answer, ScriptedLLM("Enoxaparin prevented deep vein thrombosis after major traumas [1]."))
    assert answer.sentences[0]["supported"] is True


def test_a_terse_answer_citing_evidence_close_to_the_question_is_shown():
    answer = answer_for("What are the side effects of heparin?", "Heparin can cause bleeding and thrombocytopenia.")
    run(answer, ScriptedLLM("Bleeding and thrombocytopenia [1]."))
    assert answer.answer == "Bleeding and thrombocytopenia [1]." and answer.dropped == []


def test_a_copy_of_either_sentence_of_a_quote_of_two_is_a_copy():
    from rag.answer.evidence import select

    camera = "The camera was deployed in a study of more than 200 cameras in western Nevada without bait or lure."
    these = "This detection is the second confirmed sighting of a gray wolf in Nevada since the 1920s."
    text = f"Wolves were extirpated from the Great Basin long ago. {camera} {these}"
    hit = Hit(Chunk(id="wolf-0000", document="wolf.pdf", text=text, page=1), 0.9)
    question = "How was the gray wolf sighting in Nevada since the 1920s confirmed?"
    found = select(question, [hit], HashEmbed(), count=1)
    assert found[0].text == f"{camera} {these}"  # "This detection ..." is quoted with the sentence before
    answer = Answer(question, standalone=question, evidence=found, passages=[hit])
    run(answer, ScriptedLLM(f"{camera[:-1]} [1]. {these[:-1]}."), how=PROSE)
    # The copy of the sentence before is checked against its own sentence, not the one the quote was chosen for;
    # the uncited copy of the other is cited to the quote it comes from
    assert [s["support"] for s in answer.sentences] == [1.0, 1.0]
    assert [s["citations"] for s in answer.sentences] == [[1], [1]]
