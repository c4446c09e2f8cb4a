"""An answer's sentences: where one ends, which say nothing worth showing, and the damage evaluation counts."""

import pytest

from rag.answer.sentences import (
    adds_nothing,
    complete,
    defects,
    fragment,
    gives_no_number,
    has_words,
    heading_length,
    says_no_answer,
    split_answer,
    with_full_stop,
    without_verdict,
)

QUESTION = "Does vitamin D supplementation reduce hip fractures in older women?"


def test_abbreviations_decimals_and_mid_sentence_citations_stay_in_one_sentence():
    text = ("Fractures fell by 0.5 per 1,000 [1] in Smith et al. and in Fig. 2 of the trial [2]. "
            "Falls were as common [3].")
    assert split_answer(text) == ["Fractures fell by 0.5 per 1,000 [1] in Smith et al. and in Fig. 2 of the "
                                  "trial [2].", "Falls were as common [3]."]


def test_a_citation_after_the_full_stop_moves_before_it():
    assert split_answer("Fractures fell. [1] Falls did not. [2, 3]") == ["Fractures fell [1].",
                                                                        "Falls did not [2, 3]."]


def test_a_copied_evidence_title_is_not_glued_to_the_sentence_after_it():
    # Qwen2.5-Coder-0.5B copied evidence [1], a paper's title with no full stop, then the list's next line
    text = ("Statins in the primary prevention of cardiovascular disease\n[2] Treatment with statins reduced all "
            "cause mortality (odds ratio 0.88) [1]. Statin use improved survival [4].")
    assert split_answer(text) == ["Statins in the primary prevention of cardiovascular disease",
                                  "Treatment with statins reduced all cause mortality (odds ratio 0.88) [1] [2].",
                                  "Statin use improved survival [4]."]
    assert defects("Statins in the primary prevention of cardiovascular disease") == ["cut"]  # so it is not shown
    # After a finished sentence, a citation opening the next line is still the finished one's, as before
    assert split_answer("Fractures fell [1].\n[2] Falls did not.") == ["Fractures fell [1] [2].", "Falls did not."]


def test_citations_alone_on_a_line_end_the_sentence_above_them():
    # 27 of the 1,135 sentences of 500 PubMedQA dev answers (Qwen2.5-Coder-0.5B) were shown with a line break in them
    assert split_answer("HDL deficiency does not predict premature CHD [2, 3]\n[4]. Falls rose [1].") == [
        "HDL deficiency does not predict premature CHD [2, 3] [4].", "Falls rose [1]."]
    assert split_answer("Falls rose [1]\n[3]") == ["Falls rose [1] [3]"]


def test_a_sentence_ending_in_its_citation_gets_a_full_stop():
    assert with_full_stop("Falls rose [1]") == "Falls rose [1]."
    assert with_full_stop("Falls rose [1] [2, 3]\n") == "Falls rose [1] [2, 3]."
    assert with_full_stop("Falls rose [1].") == "Falls rose [1]."
    assert with_full_stop("Did falls rise? [1]") == "Did falls rise? [1]"
    assert with_full_stop("Statins in primary prevention") == "Statins in primary prevention"  # no citation: cut


def test_unfinished_text_is_told_apart():
    assert not has_words("[2") and not has_words("[1, ") and has_words("[2] Falls")
    assert complete("Falls did not [2].") and complete("Falls did not [2]") and not complete("Falls did not")


@pytest.mark.parametrize("sentence", ["The evidence is [1].", "Vitamin D supplementation is discussed [2].",
                                      "Yes [1].", "No.",
                                      "The study reports that vitamin D supplementation is examined [1].",
                                      "Vitamin D supplementation reduced hip fractures in older women [1]."])
def test_sentences_that_add_nothing(sentence):
    assert adds_nothing(sentence, QUESTION)


@pytest.mark.parametrize("sentence", ["Vitamin D did not reduce hip fractures in older women [1].",
                                      "Hip fractures fell by 12 percent [2].",
                                      "No, daily vitamin D raised falls in women over 70 [1]."])
def test_sentences_that_state_a_finding(sentence):
    assert not adds_nothing(sentence, QUESTION)


@pytest.mark.parametrize("sentence", ["The evidence does not mention hip fractures [1].",
                                      "The documents do not provide enough information.",
                                      "No information is provided about older women in the evidence.",
                                      "Whether it works cannot be determined from these passages [2]."])
def test_refusals_in_other_words(sentence):
    assert says_no_answer(sentence)


@pytest.mark.parametrize("sentence", ["The trial did not report adverse events [1].",
                                      "No significant difference in fractures was found [2]."])
def test_findings_with_a_negation_are_not_refusals(sentence):
    assert not says_no_answer(sentence)


def test_a_verdict_is_taken_off_and_a_determiner_is_not():
    assert without_verdict("Yes, fractures fell [1].") == "Fractures fell [1]."
    assert without_verdict("No. Fractures did not fall [1].") == "Fractures did not fall [1]."
    assert without_verdict("No significant difference was found [2].") == "No significant difference was found [2]."


@pytest.mark.parametrize("sentence, found", [
    ("YesCounterfactuals explanations are useful [1].", ["glued"]),
    ("The date of flag day is February 15.2037 [4].", ["glued"]),
    ("Evidence: 1.2097538466778 (MICROBIOLOGY, 2019) [1].", ["glued"]),
    ("The mortality rate of the cohort is [1].", ["cut"]),
    ("A centre for teaching, [3][4].", ["cut"]),
    ("MeSH indexing could not be perfect in assigning descriptors within [4, 5] [1].", ["cut"]),
    ("The Crawler can take [1].", []),  # a transitive verb without its object is beyond these rules
    ("Mortality fell from 12.5% to 8.1% [2].", []),
    ("Mortality fell from 12.5% to", ["cut"]),
    ("Roadkill occurred in the wet (n=57, 67.1%) compared to the dry (n=28, 32 [4].", ["cut"]),  # from a cut quote
    ("Roadkill occurred in the wet season (n=57, 67.1%) [4].", []),
])
def test_defects(sentence, found):
    assert defects(sentence) == found


@pytest.mark.parametrize(("sentence", "heading"), [
    ("Discussion Weaned grey seal pups in trials showed fewer checks.", "Discussion "),
    ("Paternity All four species of the Vespula rufa group exhibited moderate multiple paternity.", "Paternity "),
    ("Spatial-temporal patterns of wildlife roadkill In most of the wildlife, roadkill occurred in the wet season.",
     "Spatial-temporal patterns of wildlife roadkill "),
    ("Results: Pups performed significantly more checks during stranger trials.", "Results: "),
    ("DISCUSSION ACE inhibitors remain an effective therapeutic strategy for hypertension.", "DISCUSSION "),
    ("MATERIALS AND METHODS We studied 40 mice over two years.", "MATERIALS AND METHODS "),
    ("ACE inhibitors remain an effective therapeutic strategy for hypertension.", ""),
    ("Patients in The Netherlands were treated with heparin after trauma.", ""),
    ("The risks of heparin include bleeding and thrombocytopenia.", ""),
    ("Results were similar.", ""),  # too little would be left: a sentence, not a heading
])
def test_a_heading_run_into_a_sentence(sentence, heading):
    assert sentence[:heading_length(sentence)] == heading


@pytest.mark.parametrize(("sentence", "cut"), [
    ("samples and controls differed, indicating that the whole profile could be used.", True),
    ("present in giant panda milk over time [1].", True),
    ("mRNA levels rose after treatment [1].", False),
    ("p53 was mutated in most tumours [1].", False),
    ("pH fell below 7 [1].", False),
    ("iPSC lines were derived from three donors [1].", False),
    ("Enoxaparin prevented thrombosis [1].", False),
])
def test_the_tail_of_a_cut_sentence(sentence, cut):
    assert fragment(sentence) is cut
    assert ("fragment" in defects(sentence)) is cut


@pytest.mark.parametrize(("question", "sentence", "none"), [
    ("How many volatile markers were selected for Fusarium poae contamination?",
     "Volatile markers were selected for Fusarium poae contamination of durum wheat grains [1].", True),
    ("How many volatile markers were selected?", "Three volatile markers were selected [1].", False),
    ("How many volatile markers were selected?", "The study selected 3 markers [1].", False),
    ("What percentage of queens mated more than once?", "Most queens mated more than once [2].", False),
    ("What percentage of queens mated more than once?", "Queens mated with several males in the study [2].", False),
    ("Which markers were selected?", "Volatile markers were selected from the grains [1].", False),
])
def test_a_question_asking_for_a_quantity_gets_a_sentence_with_one(question, sentence, none):
    assert gives_no_number(sentence, question) is none  # the citation's digit is no number of the answer


@pytest.mark.parametrize(("sentence", "kept"), [
    ("The evidence mentions that mRNA levels rose [1].", "mRNA levels rose [1]."),
    ("The evidence shows that statins reduce mortality [2].", "Statins reduce mortality [2]."),
    ("According to the evidence [2], heparin prevents thrombosis [2].", "Heparin prevents thrombosis [2]."),
    ("Based on evidence [1], it is unclear whether statins help [2].", "It is unclear whether statins help [2]."),
    ("The evidence found that mortality fell [1].", "Mortality fell [1]."),
    ("The study found that statins reduce mortality [2].", "The study found that statins reduce mortality [2]."),
])
def test_a_lead_in_about_the_evidence_is_taken_off(sentence, kept):
    from rag.answer.sentences import without_lead_in

    assert without_lead_in(sentence) == kept


@pytest.mark.parametrize(("sentence", "aim"), [
    ("To assess quality of storage of vaccines in the community [1].", True),
    ("To observe if medical providers alter their prescribing patterns when pharmacists educate them [2, 3].", True),
    ("Our aim was to evaluate, retrospectively, the outcome of LA for adrenal lesions larger than 7 cm [3].", True),
    ("Evaluate the capability of different Computed Tomography scanners to determine stone compositions [4].", True),
    ("The study aimed to evaluate the utility of risk stratification of patients with neutropenic fever [1].", True),
    ("The aim of this study was to analyze the contribution of double-balloon enteroscopy [2].", True),
    ("The specific objectives were to assess 1. the organization of patient flow and care within the department "
     "2. the stakeholder views [2].", True),
    ("The main aim was to compare two doses of heparin [1].", True),
    ("The aim was reached in 80% of the patients [1].", False),
    ("To test this hypothesis, knee kinematics were recorded before and after replacement [2].", False),
    ("Toxicity was low in both arms [1].", False),
    ("The study found that rural infants had a higher mortality [4].", False),
])
def test_a_sentence_that_only_states_the_aim(sentence, aim):
    from rag.answer.sentences import states_aim

    assert states_aim(sentence) is aim
