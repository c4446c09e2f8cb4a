"""Telling a paper's body from the rest: reference lists, title and author blocks, affiliations, keyword lines,
and declarations (acknowledgments, funding, competing interests, author contributions, data availability).

Such text is indexed as body text by a naive pipeline and then outranks the body (a reference list names the
very topic of the paper, dozens of times; a title block matches any question on the paper's subject), and
becomes evidence that says nothing. Each sentence gets a kind from what it looks like (front matter: see
``frontmatter``); the chunker keeps kinds apart, and ingestion leaves everything but the body out of retrieval by
default. Heuristics, tuned on the shared open-access PDFs and checked on pdfs-wide (``bench/pdf_metadata.py``);
they look at one sentence, whether a "References" heading came before it, the sentences either side of it in a
reference list, and whether it follows a declaration heading ("Acknowledgements", "Funding", ...) in the same
section.
"""

from __future__ import annotations

import re

from ..text import split_sentences
from .frontmatter import AFFILIATION, CONTACT, FRONT, is_front

BODY, REFERENCES, AFFILIATIONS, KEYWORDS = "body", "references", "affiliations", "keywords"
DECLARATIONS = "declarations"
KINDS = (BODY, REFERENCES, AFFILIATIONS, KEYWORDS, FRONT, DECLARATIONS)

_KEYWORDS = re.compile(r"^\W*(key ?words?|index terms|abbreviations)\b\s*[:.\-–]?", re.I)
# A number may come first: a section's ("7. References"), a preprint's line numbers ("27 487 488 References",
# pipins2025); not a count ("12 references met the criteria")
_HEADING = re.compile(r"^(?:\W*(?i:references|bibliography|literature cited|works cited)|[\d\s.]+(?:References|"
                      r"REFERENCES|Bibliography))\b")
# ... or run into the end of the sentence before the list: "Published: 2 January 2014 References 1.", "References
# and Note 1." (poredos2019)
_HEADING_END = re.compile(r"\b(?:References|REFERENCES|Bibliography)(?: and Notes?)?\s*(?:1\.|\[1\])$")
# ... or run into the middle of one, before the first entry: "... 4 of 4 Ecology and Evolution, 2025 References
# Beever, E. 2003." (a running header before it, sultaire2025), "... w water References and Note 1. Lund, H.;"
_HEADING_RUN = re.compile(r"(?<=\S)\s+(?=(?:References|REFERENCES|Bibliography|Literature Cited)(?: and Notes?)?\s+"
                          r"(?:\[1\]|1\.\s|[A-Z][\w'’-]+(?:, (?:[A-Z]\.\s?){1,3}|\s[A-Z]{1,3},)))")
_SIGNALS = [
    # Smith JA, / Smith, J. A.
    re.compile(r"\b[A-Z][A-Za-z'’\-]+,? (?:[A-Z]{1,3}|(?:[A-Z]\. ?){1,3})(?=[,.;:]| and\b)"),
    re.compile(r"\(?\b(?:19|20)\d\d[a-z]?\)?[;.,:]"),  # a year as references print it
    re.compile(r"\b\d+\s*(?:\(\d+\))?\s*[:,]\s*\d+\s*[-–]\s*\d+\b"),  # volume(issue): pages
    re.compile(r"\bet al\b|\bdoi\b|\bPubMed\b|\bPMID\b|\bGoogle Scholar\b|\bCrossRef\b", re.I),
    re.compile(r"\b(?:J|Proc|Acad|Sci|Med|Biol|Chem|Res|Rev|Engl|Natl|Clin|Am)\. "),  # journal abbreviations
]
# "2 Department of", "1Institute of", "†Division of": affiliations numbered to match the authors' marks
_NUMBERED = re.compile(r"(?:^|[\s,;|])(?:\d{1,2}|[*∗†‡§¶])\s?(?:Department|Dept|Division|Institute|School|Faculty|"
                       r"Laborator(?:y|ies)|Centre|Center|College|University|Hospital)\b")
# A declaration heading in capitals run into the sentence before it: "... fibrosis disorders AUTHOR CONTRIBUTION ..."
_CAPS_HEADING = re.compile(r"(?<=\S)\s+(?=(?:ACKNOWLEDGE?MENTS?|AUTHORS?['’]?S? CONTRIBUTIONS?|FUNDING|"
                           r"COMPETING INTERESTS?|CONFLICTS? OF INTERESTS?|DATA AVAILABILITY)\b)")
# Declarations: a heading that opens the sentence, then a capital (or a colon, or nothing): "Funding This work
# was...", "Competing interests: None.", "Funding."; not "Funding for the survey was..."
_DECLARATION = re.compile(
    r"^[\W\d]*(?i:additional information and declarations\s+)?(?i:acknowledge?ments?|funding(?: information| "
    r"statement| sources?)?|financial (?:support|disclosure)|grant (?:information|disclosures)|(?:declaration of )?"
    r"(?:competing|conflicting) interests?|(?:declaration of )?conflicts? of interests?(?: statement)?|"
    r"authors?['’]?s?['’]? contributions?|(?:credit )?authorship contribution statement|data availability"
    r"(?: statement)?|availability of data(?: and materials?)?|data accessibility|declarations|ethics approval"
    r"(?: and consent to participate)?|ethical standards|consent for publication|author details|publisher['’]?s "
    r"note|additional information|open access(?=\s+this article))(?:\s*[:.]|\s+(?=[\d\s]*[A-Z•\"“(\[])|\s*$)")
# What ends a run of declarations within a section: the body's own headings, a figure or table
_RESUMES = re.compile(r"^[\W\d]*(?:Abstract|Introduction|Background|Methods?|Materials and [Mm]ethods|Results|"
                      r"Discussion|Conclusions?|Appendix|Fig(?:ure)?\.?\s*\d|FIGURE|Table\s*\d|TABLE)\b")
_WORDS = re.compile(r"[A-Za-z]{2,}")
# A reference entry's start in Vancouver style: "Smith JA, Lee K, et al: " or "Haentjens P: "
_ENTRY = re.compile(r"^(?:[A-Z][A-Za-z'’\-]+ [A-Z]{1,3}(?: Jr)?, )*[A-Z][A-Za-z'’\-]+ [A-Z]{1,3}(?: Jr)?"
                    r"(?:, et al\.?)?: ")
LETTERS = re.compile(r"[^\W\d_]{2,}")  # words of two letters or more, in any script
# In-text citations belong to the body: "(Smith et al., 2010; Yang, 2007)", "[1-3]"
_IN_TEXT = re.compile(r"\([^()]*\b(?:19|20)\d\d[a-z]?[^()]*\)|\[[\d,\s\-–]+\]")


def kind_of(sentence: str, after_references: bool = False, title: str = "") -> str:
    """The kind of one sentence; ``after_references`` when a "References" heading came earlier in its document,
    ``title`` the document's (its title repeated on its own is front matter)."""
    if _KEYWORDS.match(sentence):
        return KEYWORDS
    if _DECLARATION.match(sentence):
        return DECLARATIONS
    stripped = _IN_TEXT.sub(" ", sentence)
    signals = sum(len(p.findall(stripped)) for p in _SIGNALS)
    words = max(len(_WORDS.findall(stripped)), 1)
    # Reference entries are dense with authors, years, volumes and pages; a body sentence has a few at most
    # After a "References" heading, anything short or with a signal is an entry (or a piece of one)
    # After the heading, also a numbered entry ("[42] Le Chang, ...", nan2024) or a link (becker2024)
    entry = bool(re.match(r"\s*\[\d{1,3}\]\s", sentence) or re.search(r"https?://|\bwww\.", sentence))
    if signals >= 2 and signals / words >= 0.08 or after_references and (signals >= 1 or words < 25 or entry):
        return REFERENCES
    if is_front(sentence, title):
        return FRONT
    places = len(AFFILIATION.findall(sentence))
    if CONTACT.search(sentence) or places >= 2 and words < 40 and sentence.count(",") >= 0.15 * words \
            or len(_NUMBERED.findall(sentence)) >= 2:
        return AFFILIATIONS
    return BODY


def kinds(sentences: list[str], after_references: bool = False, *, front: int = 0,
          title: str = "") -> tuple[list[str], bool]:
    """The kind of each sentence of a section, and whether a "References" heading has been seen by its end.

    The first ``front`` sentences are the document's front matter (see ``frontmatter.front_matter``). A fragment
    between reference entries (the "24." that numbers the next entry, or "J Urol 1996, 156:1763.") goes with the
    entry before it: alone, it would be a body chunk of its own that matches any short question. After a
    declaration heading ("Acknowledgements We thank...") the section's sentences are declarations ("We also
    thank...") until the body resumes with a heading, a figure or a table. The ``title`` rule spares a section's
    first sentence, which may be its heading.
    """
    found: list[str] = []
    listed: list[bool] = []  # whether a references heading came before each sentence
    declaring = False
    for i, sentence in enumerate(sentences):
        if i < front:
            found.append(FRONT)
            listed.append(after_references)
            continue
        after_references = after_references or bool(_HEADING.match(sentence) and len(sentence) < 400)
        kind = kind_of(sentence, after_references, title if i else "")
        after_references = after_references or bool(_HEADING_END.search(sentence))
        if kind == BODY and found and found[-1] != BODY and _fragment(sentence):
            kind = found[-1]
        elif kind == BODY and found and found[-1] == REFERENCES and _ENTRY.match(sentence):
            kind = REFERENCES  # "Haentjens P: Thromboembolic prophylaxis in ...": one author, no year until the next
        if kind == DECLARATIONS:
            declaring = True
        elif declaring and _RESUMES.match(sentence):
            declaring = False
        elif declaring and kind == BODY:
            kind = DECLARATIONS
        found.append(kind)
        listed.append(after_references)
    # A long sentence between entries is part of the list: a book's title and editors ("In Shark nursery grounds
    # of the Gulf of Mexico ... (McCandless, CT NE Kohler, and HL Pratt Jr. editors), American Fisheries
    # Society.", frazier2015), a long article title split off its entry (birtic2015, griffiths2015). What reads as
    # an entry or a piece of one on its own ("2007; 125–139.") must stand within two sentences on either side:
    # after the list, a supplement's prose has short sentences taken for entries only because a heading came before
    entries = [listed[i] and found[i] == REFERENCES and (kind_of(s) == REFERENCES or _fragment(s))
               for i, s in enumerate(sentences)]
    for i, kind in enumerate(found):
        if kind == BODY and listed[i] and any(entries[max(0, i - 2):i]) and any(entries[i + 1:i + 3]):
            found[i] = REFERENCES
    return found, after_references


def sentence_spans(text: str, front: int = 0) -> tuple[list[tuple[int, int]], int]:
    """The sentences of ``text`` as kinds are told, and how many of them end by offset ``front`` (where the body
    begins: see ``frontmatter.front_matter``): ``split_sentences``' spans, also cut at ``front``, before a
    declaration heading in capitals run into a sentence, and before a references heading run into one, so that
    each part gets a kind of its own."""
    offsets = sorted({front, *(m.end() for p in (_CAPS_HEADING, _HEADING_RUN) for m in p.finditer(text))} - {0})
    found = []
    for a, b in split_sentences(text):
        for offset in (o for o in offsets if a < o < b):
            found.append((a, a + len(text[a:offset].rstrip())))
            a = offset
        found.append((a, b))
    return found, sum(b <= front for _, b in found)


def _fragment(sentence: str) -> bool:
    """No words at all, or a few words with a reference signal (a year, volume and pages, a journal name)."""
    words = len(LETTERS.findall(sentence))
    return not words or words <= 5 and any(p.search(sentence) for p in _SIGNALS)
