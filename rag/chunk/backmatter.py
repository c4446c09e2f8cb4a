"""Telling a paper's body from its back matter: reference lists, author and affiliation blocks, keyword lines.

Such text is indexed as body text by a naive pipeline and then outranks the body (a reference list names the
very topic of the paper, dozens of times). Each sentence gets a kind from what it looks like; the chunker keeps
kinds apart, and ingestion leaves everything but the body out of retrieval by default. Heuristics, tuned on the
shared open-access PDFs; they look at one sentence and whether a "References" heading came before it.
"""

from __future__ import annotations

import re

BODY, REFERENCES, AFFILIATIONS, KEYWORDS = "body", "references", "affiliations", "keywords"
KINDS = (BODY, REFERENCES, AFFILIATIONS, KEYWORDS)

_KEYWORDS = re.compile(r"^\W*(key ?words?|index terms|abbreviations)\b\s*[:.\-–]?", re.I)
_HEADING = re.compile(r"^\W*(references|bibliography|literature cited|works cited)\b", re.I)
_SIGNALS = [
    # Smith JA, / Smith, J. A.
    re.compile(r"\b[A-Z][A-Za-z'’\-]+,? (?:[A-Z]{1,3}|(?:[A-Z]\. ?){1,3})(?=[,.;:]| and\b)"),
    re.compile(r"\(?\b(?:19|20)\d\d[a-z]?\)?[;.,:]"),  # a year as references print it
    re.compile(r"\b\d+\s*(?:\(\d+\))?\s*[:,]\s*\d+\s*[-–]\s*\d+\b"),  # volume(issue): pages
    re.compile(r"\bet al\b|\bdoi\b|\bPubMed\b|\bPMID\b|\bGoogle Scholar\b|\bCrossRef\b", re.I),
    re.compile(r"\b(?:J|Proc|Acad|Sci|Med|Biol|Chem|Res|Rev|Engl|Natl|Clin|Am)\. "),  # journal abbreviations
]
_AFFILIATION = re.compile(r"\b(?:Department|Dept|University|Universit[àéä]t?|Institute|Faculty|School of|Centre|"
                          r"Center|College|Laborator(?:y|ies)|Hospital|Division of)\b")
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\bCorrespondence\s*:|\b[Cc]orresponding [Aa]uthor:? [A-Z]|\bORCID\b")
_WORDS = re.compile(r"[A-Za-z]{2,}")
# A reference entry's start in Vancouver style: "Smith JA, Lee K, et al: " or "Haentjens P: "
_ENTRY = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+ [A-Z]{1,3}(?: Jr)?, )*[A-Z][A-Za-z'’\-]+ [A-Z]{1,3}(?: Jr)?"
                    r"(?:, et al\.?)?: ")
LETTERS = re.compile(r"[^\W\d_]{2,}")  # words of two letters or more, in any script
# In-text citations belong to the body: "(Smith et al., 2010; Yang, 2007)", "[1-3]"
_IN_TEXT = re.compile(r"\([^()]*\b(?:19|20)\d\d[a-z]?[^()]*\)|\[[\d,\s\-–]+\]")


def kind_of(sentence: str, after_references: bool = False) -> str:
    """The kind of one sentence; ``after_references`` when a "References" heading came earlier in its document."""
    if _KEYWORDS.match(sentence):
        return KEYWORDS
    stripped = _IN_TEXT.sub(" ", sentence)
    signals = sum(len(p.findall(stripped)) for p in _SIGNALS)
    words = max(len(_WORDS.findall(stripped)), 1)
    # Reference entries are dense with authors, years, volumes and pages; a body sentence has a few at most
    # After a "References" heading, anything short or with a signal is an entry (or a piece of one)
    if signals >= 2 and signals / words >= 0.08 or after_references and (signals >= 1 or words < 25):
        return REFERENCES
    places = len(_AFFILIATION.findall(sentence))
    if _CONTACT.search(sentence) or places >= 2 and words < 40 and sentence.count(",") >= 0.15 * words:
        return AFFILIATIONS
    return BODY


def kinds(sentences: list[str], after_references: bool = False) -> tuple[list[str], bool]:
    """The kind of each sentence of a section, and whether a "References" heading has been seen by its end.

    A fragment between reference entries (the "24." that numbers the next entry, or "J Urol 1996, 156:1763.")
    goes with the entry before it: alone, it would be a body chunk of its own that matches any short question.
    """
    found = []
    for sentence in sentences:
        after_references = after_references or bool(_HEADING.match(sentence) and len(sentence) < 400)
        kind = kind_of(sentence, after_references)
        if kind == BODY and found and found[-1] != BODY and _fragment(sentence):
            kind = found[-1]
        elif kind == BODY and found and found[-1] == REFERENCES and _ENTRY.match(sentence):
            kind = REFERENCES  # "Haentjens P: Thromboembolic prophylaxis in ...": one author, no year until the next
        found.append(kind)
    return found, after_references


def _fragment(sentence: str) -> bool:
    """No words at all, or a few words with a reference signal (a year, volume and pages, a journal name)."""
    words = len(LETTERS.findall(sentence))
    return not words or words <= 5 and any(p.search(sentence) for p in _SIGNALS)
