"""The support check of an answer sentence: similarity to the evidence it cites, negations, and numbers."""

import pytest

from rag.answer.support import THRESHOLD, Support, check, claim_text, negated, numbers
from tests.fakes import HashEmbed

EMBED = HashEmbed()


def vector(text: str):
    return EMBED([text])[0]


def cited(*texts: str) -> list[tuple[str, object]]:
    return [(text, vector(text)) for text in texts]


def judge(claim: str, *evidence: str, threshold: float = THRESHOLD) -> Support:
    return check(claim, vector(claim), cited(*evidence), threshold)


def test_a_close_consistent_claim_is_supported():
    verdict = judge("Enoxaparin prevented deep vein thrombosis after major trauma",
                    "Enoxaparin prevented deep vein thrombosis after major trauma better than low-dose heparin.")
    assert verdict.supported is True and verdict.reason == ""
    assert THRESHOLD <= verdict.score <= 1.0


def test_the_closest_cited_sentence_is_what_counts():
    claim = "Enoxaparin prevented deep vein thrombosis after major trauma"
    evidence = ["Bed nets lowered malaria incidence in young children.",
                "Enoxaparin prevented deep vein thrombosis after major trauma in 344 patients."]
    verdict = judge(claim, *evidence)
    assert verdict.supported is True
    assert verdict.score == pytest.approx(float(vector(evidence[1]) @ vector(claim)))


def test_a_claim_far_from_the_evidence_is_not_supported():
    verdict = judge("Bed nets lowered malaria incidence in young children",
                    "Enoxaparin prevented deep vein thrombosis after major trauma.")
    assert verdict.supported is False
    assert verdict.reason == "not close to the evidence it cites"
    assert verdict.score < THRESHOLD


def test_the_threshold_is_a_parameter():
    claim = "Enoxaparin prevented thrombosis after trauma"
    evidence = "Enoxaparin prevented thrombosis in trauma patients."
    score = judge(claim, evidence).score
    assert judge(claim, evidence, threshold=score - 0.01).supported is True
    assert judge(claim, evidence, threshold=score + 0.01).supported is False


def test_a_negation_the_evidence_lacks_is_flagged():
    verdict = judge("Heparin is not effective in preventing thrombosis",
                    "Heparin is effective in preventing thrombosis.")
    assert verdict.supported is False
    assert verdict.reason == "a negation that the evidence does not have"
    assert verdict.score >= THRESHOLD  # similar words: only the negation check catches it


def test_a_negation_in_an_unrelated_cited_sentence_does_not_excuse_the_claim():
    verdict = judge("Heparin is not effective in preventing thrombosis",
                    "Heparin is effective in preventing thrombosis.", "Bed nets did not lower malaria in adults.")
    assert verdict.supported is False
    assert verdict.reason == "a negation that the evidence does not have"


def test_a_negation_the_evidence_shares_is_supported():
    verdict = judge("Vitamin D did not reduce hip fractures in older women",
                    "Daily vitamin D did not reduce hip fractures in community-dwelling older women.")
    assert verdict.supported is True and verdict.reason == ""


def test_a_near_copy_that_drops_the_evidence_negation_is_flagged():
    verdict = judge("Heparin is effective in preventing thrombosis",
                    "Heparin is not effective in preventing thrombosis.")
    assert verdict.supported is False
    assert verdict.reason == "leaves out a negation that the evidence has"


def test_a_number_not_in_the_evidence_is_flagged():
    verdict = judge("Deep vein thrombosis occurred in 31 percent of patients given enoxaparin",
                    "Deep vein thrombosis occurred in 44 percent of patients given enoxaparin.")
    assert verdict.supported is False
    assert verdict.reason == "a number not in the evidence (31)"


def test_numbers_found_in_any_cited_sentence_are_fine():
    verdict = judge("Deep vein thrombosis occurred in 31 percent of 344 patients given enoxaparin",
                    "Deep vein thrombosis occurred in 31 percent of patients given enoxaparin.",
                    "The trial enrolled 344 adults.")
    assert verdict.supported is True


def test_numbers_are_compared_as_written_values():
    verdict = judge("The trial enrolled 1,000 patients given 0.5 mg of enoxaparin",
                    "The trial enrolled 1000 patients given 0.5 mg of enoxaparin daily.")
    assert verdict.supported is True
    assert judge("The trial enrolled 1000 patients given 0.25 mg of enoxaparin",
                 "The trial enrolled 1000 patients given 0.5 mg of enoxaparin daily.").reason == (
        "a number not in the evidence (0.25)")


def test_list_markers_are_not_numbers():
    claim = "Two regimens were compared: 1) enoxaparin twice daily and 2) heparin twice daily"
    assert numbers(claim) == set()
    verdict = judge(claim, "Two regimens were compared, enoxaparin twice daily and heparin twice daily.")
    assert verdict.supported is True
    assert numbers("1) Enoxaparin was given at 30 mg; 2) heparin at 5000 units") == {"30", "5000"}
    assert numbers("(3) Of 1,250 patients, 12.5 percent bled") == {"1250", "12.5"}


def test_no_cited_evidence_is_unsupported():
    verdict = check("Enoxaparin prevented thrombosis", vector("Enoxaparin prevented thrombosis"), [])
    assert verdict == Support(False, 0.0, "cites no evidence")


@pytest.mark.parametrize("text", ["Heparin is not effective.", "No patient died.", "It never recurred.",
                                  "Patients without heparin bled.", "Heparin failed to prevent clots.",
                                  "Heparin doesn't work.", "There was an absence of bleeding.",
                                  "Heparin cannot prevent clots."])
def test_negations_are_found(text):
    assert negated(text) is True


@pytest.mark.parametrize("text", ["Heparin is effective.", "Notably, everyone bled.", "Knotted tissue was removed.",
                                  "The annotation was done in November."])
def test_words_that_only_contain_a_negation_are_not_negations(text):
    assert negated(text) is False


def test_claim_text_drops_the_citations():
    assert claim_text("Heparin prevents thrombosis [1].") == "Heparin prevents thrombosis."
    assert claim_text("Heparin prevents thrombosis [1][3].") == "Heparin prevents thrombosis."
    assert claim_text("Heparin prevents thrombosis [2] [3].") == "Heparin prevents thrombosis."
