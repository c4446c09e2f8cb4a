"""Shared text helpers: sentence boundaries in scientific prose, word sets, and tidying extracted text."""

import subprocess
import sys

import pytest

from rag.text import sentences, split_sentences, tidy, words


@pytest.mark.parametrize("text,expected", [
    ("Smith et al. reported fewer clots. The effect held at one year.",
     ["Smith et al. reported fewer clots.", "The effect held at one year."]),
    ("As shown in Fig. 2 the dose fell. Bleeding was rare.",
     ["As shown in Fig. 2 the dose fell.", "Bleeding was rare."]),
    ("Anticoagulants, e.g. Heparin, were given. Others were not.",
     ["Anticoagulants, e.g. Heparin, were given.", "Others were not."]),
    ("The hazard ratio was 0.5 (95% CI 0.3 to 0.8). Mortality fell by 1.5 points.",
     ["The hazard ratio was 0.5 (95% CI 0.3 to 0.8).", "Mortality fell by 1.5 points."]),
    ("J. R. Smith enrolled the patients. Follow-up lasted a year.",
     ["J. R. Smith enrolled the patients.", "Follow-up lasted a year."]),
    ("Was it safe? Yes! 40 patients finished.", ["Was it safe?", "Yes!", "40 patients finished."]),
    ("Aspirin vs. Placebo was compared. Results differed.", ["Aspirin vs. Placebo was compared.", "Results differed."]),
    ("First paragraph without a stop\n\nsecond paragraph", ["First paragraph without a stop", "second paragraph"]),
    ("the p value was 0.04. lower case goes on", ["the p value was 0.04. lower case goes on"]),
])
def test_sentences_of_scientific_prose(text, expected):
    assert sentences(text) == expected


def test_spans_point_into_the_text_and_exclude_surrounding_whitespace():
    text = "  Heparin works.   Warfarin too.\n\n  Aspirin helps.  "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["Heparin works.", "Warfarin too.", "Aspirin helps."]
    assert all(a < b for a, b in spans) and spans == sorted(spans)


def test_a_closing_quote_or_bracket_stays_with_its_sentence():
    # Bug: the boundary match starts at the closer, so the sentence loses its closing quote or bracket
    text = 'He said "stop now." Then he left. (See the appendix.) It lists doses.'
    assert sentences(text) == ['He said "stop now."', "Then he left.", "(See the appendix.)", "It lists doses."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n"])
def test_no_sentences_in_blank_text(text):
    assert split_sentences(text) == [] and sentences(text) == []


def test_words_are_lowercase_and_at_least_three_characters():
    found = words("The IL-6 and TNF levels rose in 2019, a 4x rise")
    assert found == {"the", "and", "tnf", "levels", "rose", "2019", "rise"}
    assert words("Heparin, HEPARIN; heparin.") == {"heparin"}
    assert words("a an of") == set()


def test_tidy_normalizes_ligatures_and_full_width_characters():
    assert tidy("The \ufb01nal \ufb02ow was \uff15\uff10 mL") == "The final flow was 50 mL"


def test_tidy_removes_control_characters_but_keeps_tabs_and_line_breaks():
    assert tidy("dose\x00 given\x07\x1b daily\x7f\tonce\nmore") == "dose given daily\tonce\nmore"


def test_tidy_collapses_blank_lines_and_trims_trailing_spaces():
    assert tidy("\n\n  one  \r\ntwo\t\r\rthree\n\n\n\n\nfour   \n") == "one\ntwo\n\nthree\n\nfour"


def test_a_megabyte_of_spaces_is_tidied_at_once():
    # A file of one long run of spaces (no newline) made the old trailing-space regex backtrack for most of an
    # hour; run in a child with a time limit so that a slow tidy fails here instead of hanging the suite
    script = ("from rag.text import tidy; "
              "print(repr(tidy('start' + ' ' * 1_000_000 + '\\n' + ' ' * 1_000_000 + 'end')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr("start\n" + " " * 1_000_000 + "end")
