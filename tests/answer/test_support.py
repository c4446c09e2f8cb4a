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


# --- Claims made of the evidence's own words that say something else --------------------------------------------

def test_a_comparative_turned_round_is_flagged():
    verdict = judge("Wound infection was less frequent after enoxaparin than after low-dose heparin",
                    "Wound infection was more frequent after enoxaparin than after low-dose heparin.")
    assert verdict.supported is False
    assert verdict.reason == 'says "less" where the evidence says "more"'
    assert verdict.score >= 0.8  # a near copy: similarity alone passes it


def test_one_of_two_direction_words_turned_round_is_flagged():
    verdict = judge("Higher troponin levels were associated with lower right ventricular function and with lower "
                    "survival at one year",
                    "Higher troponin levels were associated with lower right ventricular function and with higher "
                    "survival at one year in the 116 patients studied.")
    assert verdict.supported is False
    assert verdict.reason == 'says "lower" where the evidence says "higher"'


def test_the_sides_of_a_comparison_swapped_are_flagged():
    verdict = judge("Wound infection was more frequent in women than in men after major trauma",
                    "Wound infection was more frequent in men than in women after major trauma.")
    assert verdict.supported is False
    assert verdict.reason == 'has "women" and "men" the other way round from the evidence'


def test_the_sides_of_a_versus_comparison_with_a_direction_swapped_are_flagged():
    verdict = judge("The odds of testicular atrophy were 15.7 times higher for an inguinal vs. abdominal location",
                    "The odds of testicular atrophy were 15.7 times higher for an abdominal vs. inguinal location.")
    assert verdict.supported is False
    assert verdict.reason == 'has "inguinal" and "abdominal" the other way round from the evidence'


def test_cause_and_effect_swapped_are_flagged():
    verdict = judge("Right ventricular dysfunction predicted troponin elevation in pulmonary embolism",
                    "Troponin elevation predicted right ventricular dysfunction in pulmonary embolism.")
    assert verdict.supported is False
    assert verdict.reason == 'has "Right" and "troponin" the other way round from the evidence'


def test_the_items_of_a_respectively_list_swapped_are_flagged():
    verdict = judge("Specificity and sensitivity of duplex ultrasound were 97% and 62%, respectively",
                    "Sensitivity and specificity of duplex ultrasound were 97% and 62%, respectively.")
    assert verdict.supported is False
    assert verdict.reason == 'has "Specificity" and "sensitivity" the other way round from the evidence'


def test_a_number_tied_to_the_other_group_is_flagged():
    verdict = judge("Complex regional pain syndrome occurred in 10.1% of the vitamin C group",
                    "Complex regional pain syndrome occurred in 2.4% of the vitamin C group and in 10.1% of the "
                    "placebo group.")
    assert verdict.supported is False
    assert verdict.reason == 'ties 10.1 to "vitamin", which the evidence does not'


def test_two_numbers_swapped_are_flagged():
    verdict = judge("The staple line leak rate fell from 1.4% to 6.5% over the study period",
                    "The staple line leak rate fell from 6.5% to 1.4% over the study period.")
    assert verdict.supported is False
    assert verdict.reason == "puts 1.4 where the evidence has 6.5"


def test_a_group_moved_out_of_the_clause_that_excludes_it_is_flagged():
    verdict = judge("Vitamin D reduced falls in men",
                    "Vitamin D reduced falls in older women during the two winters of the trial, but not in men.")
    assert verdict.score < 0.8  # below the near-copy similarity of the rule on left-out negations
    assert verdict.supported is False
    assert verdict.reason == 'ties "men" to "falls", which the evidence does not'


def test_a_group_moved_from_a_contrasting_clause_is_flagged():
    verdict = judge("Vitamin D reduced falls in men",
                    "Vitamin D reduced falls in older women, whereas calcium reduced fractures in men.")
    assert verdict.supported is False
    assert verdict.reason == 'ties "men" to "falls", which the evidence does not'


def test_a_term_moved_between_contrasting_clauses_is_flagged():
    verdict = judge("Enoxaparin reduced the risk of major bleeding",
                    "Enoxaparin reduced the risk of deep vein thrombosis but increased the risk of major bleeding.")
    assert verdict.supported is False
    assert verdict.reason == 'ties "major" to "reduced", which the evidence does not'


def test_one_sentence_subject_with_another_sentence_predicate_is_flagged():
    verdict = judge("Suicide rates for 26 countries were obtained from the OECD database",
                    "Suicide rates for 26 countries were obtained from the WHO.",
                    "Data on social expenditure were obtained from the OECD database.")
    assert verdict.supported is False
    assert verdict.reason == ('joins "Suicide rates for 26 countries" to what the evidence says of '
                              '"Data on social expenditure"')


def test_a_dropped_negation_is_flagged_when_the_claim_is_not_a_near_copy():
    evidence = ("There were no significant differences between the groups in early haemodynamic results or "
                "complication rates, which were similar at both centres and in both study years.")
    claim = "There were significant differences between the groups in early haemodynamic results"
    verdict = judge(claim, evidence)
    assert verdict.score < 0.8  # below the near-copy similarity that the older rule needs
    assert verdict.supported is False
    assert verdict.reason == "leaves out a negation that the evidence has"


def test_a_negation_added_to_a_sentence_is_flagged_even_beside_a_negated_one():
    verdict = judge("The mean stone size on NCCT was not 9.3 mm",
                    "The mean stone size on NCCT was 9.3 mm.",
                    "The mean stone size on DT did not differ from NCCT.")
    assert verdict.supported is False
    assert verdict.reason == "a negation that the evidence does not have"


def test_leaving_out_the_clause_that_denies_is_not_leaving_out_a_negation():
    verdict = judge("Vitamin D reduced falls in older women", "Vitamin D reduced falls in older women but not in men.")
    assert verdict.supported is True and verdict.reason == ""


@pytest.mark.parametrize(("claim", "evidence"), [
    # an opening phrase moved to the end
    ("Wound infection was more frequent in men after major trauma",
     "After major trauma, wound infection was more frequent in men."),
    # the passive of the same relation
    ("Right ventricular dysfunction was predicted by troponin elevation in pulmonary embolism",
     "Troponin elevation predicted right ventricular dysfunction in pulmonary embolism."),
    # a symmetric relation and a list, either way round
    ("Asthma control was associated with obesity in adults", "Obesity was associated with asthma control in adults."),
    ("Women and men had similar rates of wound infection", "Men and women had similar rates of wound infection."),
    ("Heparin versus enoxaparin was studied in 344 trauma patients",
     "Enoxaparin versus heparin was studied in 344 trauma patients."),
    # the contrasting clause kept with its negation
    ("Vitamin D did not reduce falls in men", "Vitamin D reduced falls in older women but not in men."),
    # a clause whose subject is the first clause's
    ("Enoxaparin increased the risk of major bleeding",
     "Enoxaparin reduced the risk of deep vein thrombosis but increased the risk of major bleeding."),
    # a number with its own group, and two sentences joined where each keeps its subject
    ("Complex regional pain syndrome occurred in 10.1% of the placebo group",
     "Complex regional pain syndrome occurred in 2.4% of the vitamin C group and in 10.1% of the placebo group."),
    ("Data on social expenditure and suicide rates were obtained from the OECD database and the WHO",
     "Data on social expenditure were obtained from the OECD database. Suicide rates were obtained from the WHO."),
])
def test_true_rewordings_of_the_evidence_stay_supported(claim, evidence):
    verdict = judge(claim, evidence)
    assert verdict.supported is True, verdict.reason



def test_abbreviations_in_capitals_roman_numerals_aside():
    from rag.answer.support import acronyms

    assert acronyms("Patients on a GFD or on AIs, in phase III and type II trials, CI and COVID-19") == {
        "GFD", "AI", "CI", "COVID"}
