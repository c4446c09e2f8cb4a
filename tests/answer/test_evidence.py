"""Evidence selection: the retrieved passages' sentences closest to the question, numbered, deduplicated, body only:
no reference entry, affiliation, title and author block, acknowledgement or other declaration is quoted."""

import numpy as np

from rag.answer.evidence import Evidence, select
from rag.documents import Chunk, Hit
from tests.fakes import HashEmbed
from tests.papers import (
    DATTA_CONCLUSION,
    DATTA_FIRST,
    DATTA_PAGE_1,
    DATTA_PAGE_2,
    DOUGLAS_FIRST,
    DOUGLAS_LAST,
    DOUGLAS_METHODS,
    DOUGLAS_PAGE_1,
    DOUGLAS_PAGE_8,
    KEIM_PAGE_1,
    KEIM_TITLE,
    STINSON_PAGE_1,
    STINSON_SECOND,
)

QUESTION = "Does enoxaparin prevent deep vein thrombosis after major trauma?"
ANSWER = "Enoxaparin prevented deep vein thrombosis after major trauma better than low-dose heparin."
MALARIA = "Insecticide-treated bed nets lowered malaria incidence in children under five years of age."
STATINS = "Statin therapy was associated with lower cardiovascular mortality in adults older than seventy."
BLEEDING = "Major bleeding complications were rare in both groups of randomized patients."
SHORT = "Enoxaparin clearly prevents deep thrombosis."  # 5 words: too short to read alone
REFERENCE = ("Geerts WH, Jay RM, Code KI: A comparison of low-dose heparin with low-molecular-weight heparin as "
             "prophylaxis against deep vein thrombosis after major trauma. N Engl J Med 1996, 335:701-7.")
AFFILIATION = ("Department of Trauma Surgery, University of Toronto, Toronto, Canada. "
               "Email for the enoxaparin trial: enoxaparin.trial@utoronto.ca.")


def hits(*texts: str) -> list[Hit]:
    return [Hit(Chunk(id=f"doc-{i:04d}", document=f"paper{i}.pdf", text=t, page=i + 1, collection="Trauma"),
                1.0 - i / 10)
            for i, t in enumerate(texts)]


def test_the_sentence_closest_to_the_question_comes_first_as_1():
    found = select(QUESTION, hits(f"{MALARIA} {STATINS}", f"{BLEEDING} {ANSWER}"), HashEmbed(), count=4)
    assert [e.n for e in found] == [1, 2, 3, 4]
    assert found[0].text == ANSWER
    assert found[0].passage == 2 and found[0].hit.chunk.id == "doc-0001"
    scores = [e.score for e in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1]
    # The quote is the passage's own text at the recorded offsets, with its unit vector
    for e in found:
        assert e.hit.chunk.text[e.start:e.end] == e.text
        assert e.vector is not None and abs(float(np.linalg.norm(e.vector)) - 1.0) < 1e-4


def test_count_is_respected():
    passages = hits(f"{MALARIA} {STATINS} {BLEEDING}", ANSWER)
    assert len(select(QUESTION, passages, HashEmbed(), count=2)) == 2
    assert [e.text for e in select(QUESTION, passages, HashEmbed(), count=1)] == [ANSWER]
    # Fewer sentences than asked for: all of them, each once
    assert sorted(e.text for e in select(QUESTION, passages, HashEmbed(), count=10)) == sorted(
        [MALARIA, STATINS, BLEEDING, ANSWER])


def test_no_hits_or_no_usable_sentences_give_no_evidence():
    assert select(QUESTION, [], HashEmbed()) == []
    assert select(QUESTION, hits("Results.", "(Table 2)"), HashEmbed()) == []


def test_a_sentence_repeated_in_two_overlapping_hits_appears_once():
    # Consecutive chunks overlap: the last sentence of one is the first of the next
    found = select(QUESTION, hits(f"{MALARIA} {ANSWER}", f"{ANSWER} {BLEEDING}"), HashEmbed(), count=5)
    texts = [e.text for e in found]
    assert texts.count(ANSWER) == 1
    assert sorted(texts) == sorted([MALARIA, ANSWER, BLEEDING])
    assert [e.n for e in found] == [1, 2, 3]


def test_a_short_sentence_comes_with_the_next_one():
    found = select("Does enoxaparin prevent deep thrombosis?", hits(f"{MALARIA} {SHORT} {BLEEDING}"), HashEmbed(),
                   count=5)
    assert found[0].text == f"{SHORT} {BLEEDING}"
    # The sentence joined to it is not quoted a second time on its own
    assert [e.text for e in found] == [f"{SHORT} {BLEEDING}", MALARIA]


def test_a_short_last_sentence_stands_alone():
    found = select("Does enoxaparin prevent deep thrombosis?", hits(f"{MALARIA} {SHORT}"), HashEmbed(), count=5)
    assert found[0].text == SHORT


def test_a_short_sentence_repeated_in_two_overlapping_hits_appears_once():
    # The overlap's short sentence ends one chunk (nothing after it) and opens the next (joined to what follows)
    found = select("Does enoxaparin prevent deep thrombosis?", hits(f"{MALARIA} {SHORT}", f"{SHORT} {BLEEDING}"),
                   HashEmbed(), count=5)
    assert sum(e.text.count(SHORT) for e in found) == 1


def test_reference_and_affiliation_sentences_are_not_chosen():
    # The reference entry shares the most words with the question, yet it is no evidence
    found = select(QUESTION, hits(f"{REFERENCE} {MALARIA}", f"{AFFILIATION} {BLEEDING}"), HashEmbed(), count=5)
    texts = " ".join(e.text for e in found)
    assert sorted(e.text for e in found) == sorted([MALARIA, BLEEDING])
    assert "Geerts" not in texts and "utoronto" not in texts


def test_a_short_sentence_is_not_joined_across_a_reference_entry():
    found = select("Does enoxaparin prevent deep thrombosis?", hits(f"{SHORT} {REFERENCE} {BLEEDING}"), HashEmbed(),
                   count=5)
    assert all("Geerts" not in e.text and "N Engl J Med" not in e.text for e in found)
    assert found[0].text.startswith(SHORT)


def test_to_dict_shape():
    (first,) = select(QUESTION, hits(MALARIA, ANSWER), HashEmbed(), count=1)
    assert isinstance(first, Evidence)
    assert first.to_dict() == {"n": 1, "collection": "Trauma", "document": "paper1.pdf", "page": 2, "text": ANSWER,
                               "score": round(first.score, 4), "passage": 2, "chunk_id": "doc-0001"}
    assert isinstance(first.to_dict()["score"], float)


def test_the_question_and_all_sentences_are_embedded_in_one_batch():
    embed = HashEmbed()
    select(QUESTION, hits(f"{MALARIA} {STATINS}", ANSWER), embed, count=2)
    assert len(embed.calls) == 1 and embed.calls[0][0] == QUESTION and len(embed.calls[0]) == 4


def test_a_title_and_author_block_run_into_the_abstract_is_not_quoted_but_the_abstract_is():
    """The first passage of a PDF indexed before the title block was told from the body (datta2010's page 1)."""
    found = select("What are the complications of deep venous thrombosis prophylaxis in trauma?", hits(DATTA_PAGE_1),
                   HashEmbed(), count=5)
    assert found[0].text == DATTA_FIRST
    assert all("Datta1" not in e.text and "systematic review" not in e.text for e in found)
    # A title and author block with no "Abstract" heading after it (stinson2006), in any passage
    found = select("Does an invasive plant suppress the growth of native tree seedlings?",
                   hits(DATTA_PAGE_1, STINSON_PAGE_1), HashEmbed(), count=10)
    assert STINSON_SECOND in [e.text for e in found]
    assert all("Stinson1" not in e.text and "Harvard" not in e.text for e in found)


def test_affiliations_run_into_the_abstract_are_not_quoted_but_the_abstract_is():
    found = select("What role does ACE play in blood pressure regulation?", hits(DOUGLAS_PAGE_1), HashEmbed(), count=5)
    assert found[0].text == DOUGLAS_FIRST
    assert all("University" not in e.text and "DOUGLAS" not in e.text for e in found)


def test_acknowledgements_and_author_contributions_are_not_quoted():
    # The thanks to the beamline's scientists share the question's words; the methods sentence answers it
    found = select("How were the X-ray diffraction data collected at Diamond Light Source?",
                   hits(DOUGLAS_PAGE_8, DOUGLAS_METHODS), HashEmbed(), count=10)
    texts = [e.text for e in found]
    assert texts[0] == DOUGLAS_METHODS.split(". ", 1)[1]
    assert DOUGLAS_LAST in texts  # the body sentence the AUTHOR CONTRIBUTION heading ran into
    assert not any(word in text for text in texts for word in ("thank", "acknowledge", "crystallography", "FUNDING"))
    found = select("Who designed the study of thromboprophylaxis complications?", hits(DATTA_PAGE_2), HashEmbed(),
                   count=10)
    assert sorted(e.text for e in found) == sorted([DATTA_CONCLUSION, "The failed retrieval rate is calculated to be "
                                                    "2.8%."])


def test_a_passage_that_is_not_body_text_is_never_quoted():
    """With RAG_INDEX_BACKMATTER the front matter and declarations are indexed, and can be retrieved."""
    passages = hits(STINSON_SECOND, "Invasive plant suppresses the growth of native tree seedlings by disrupting "
                    "belowground mutualisms.", "We thank the Natural Sciences and Engineering Research Council of "
                    "Canada for financial support of the native tree seedlings study.")
    passages[1].chunk.kind, passages[2].chunk.kind = "front matter", "declarations"
    found = select("Does an invasive plant suppress the growth of native tree seedlings?", passages, HashEmbed(),
                   count=5)
    assert [e.text for e in found] == [STINSON_SECOND]


def test_the_title_repeated_in_a_reference_format_line_is_not_quoted():
    passages = hits(KEIM_PAGE_1)
    passages[0].chunk.title, passages[0].chunk.start = KEIM_TITLE, 2400
    found = select("How can trace links between software documentation and code be recovered?", passages, HashEmbed(),
                   count=10)
    assert found and all("Recovering Trace Links" not in e.text and "Keim" not in e.text for e in found)
    assert any(e.text.startswith("These artifacts are at different levels") for e in found)


def test_the_tail_of_a_sentence_cut_by_the_passage_boundary_is_not_quoted():
    tail = "deep vein thrombosis after major trauma in most of the randomized patients of the enoxaparin trial."
    found = select(QUESTION, hits(f"{tail} {ANSWER}"), HashEmbed())
    assert [e.text for e in found] == [ANSWER]


def test_a_heading_run_into_a_sentence_is_left_out_of_its_quote():
    text = f"{MALARIA} Discussion {ANSWER}"
    (best, *_) = select(QUESTION, hits(text), HashEmbed())
    assert best.text == ANSWER and text[best.start:best.end] == ANSWER


def test_a_sentence_on_how_the_study_was_done_ranks_below_a_finding():
    method = "This study assessed if enoxaparin can prevent deep vein thrombosis after major trauma."
    found = select(QUESTION, hits(f"{method} {ANSWER}"), HashEmbed())
    assert [e.text for e in found] == [ANSWER, method]
    assert found[1].score > found[0].score  # closer to the question's words, but it answers nothing


PANDA = "Lactoferrin was the most abundant whey protein in colostrum."
ITS = "Its concentration in giant panda milk fell rapidly after birth."


def test_a_sentence_opening_with_its_comes_with_the_sentence_it_refers_to():
    found = select("How did the concentration in giant panda milk change after birth?",
                   hits(f"{MALARIA} {PANDA} {ITS}"), HashEmbed(), count=5)
    quotes = [e.text for e in found]
    assert f"{PANDA} {ITS}" in quotes and ITS not in quotes and PANDA not in quotes


def test_the_sentence_before_is_not_quoted_twice():
    found = select("Which whey protein was the most abundant in colostrum?", hits(f"{MALARIA} {PANDA} {ITS}"),
                   HashEmbed(), count=5)
    quotes = [e.text for e in found]
    assert quotes[0] == PANDA and sum(q.count(PANDA) for q in quotes) == 1


ROADKILL = "Most carcasses were found on the main road between the crater and the gate."
THESE = "These animals were probably killed by vehicles travelling at night."
THIS_STUDY = "This study recorded roadkill on the roads of the conservation area for one year."


def test_a_sentence_opening_with_these_comes_with_the_sentence_before_but_this_study_stands_alone():
    found = select("Which animals were killed by vehicles travelling at night?",
                   hits(f"{MALARIA} {ROADKILL} {THESE}"), HashEmbed(), count=5)
    quotes = [e.text for e in found]
    assert f"{ROADKILL} {THESE}" in quotes and THESE not in quotes
    found = select("How long did the study record roadkill on the roads of the conservation area?",
                   hits(f"{MALARIA} {ROADKILL} {THIS_STUDY}"), HashEmbed(), count=5)
    assert THIS_STUDY in [e.text for e in found]
