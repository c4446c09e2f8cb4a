"""Telling a paper's front matter: the title, author and affiliation block of its first page, and the lines only a
first page prints (dates of receipt, copyright and licence, editors, how to cite).

A PDF's text layer runs the title, authors and affiliations into the abstract's first sentence ("Complications
related to ... Indraneel Datta1 , Chad G Ball1* ... Abstract Deep venous thrombosis prophylaxis is ..."), and such
a sentence matches any question on the paper's subject. ``front_matter`` finds where the body begins, just after
the abstract's heading, so that the chunker can cut the sentence there; ``is_front`` tells a sentence of front
matter anywhere else. Heuristics tuned on the shared open-access PDFs; what the kinds are and how the chunker uses
them is ``backmatter``'s business.
"""

from __future__ import annotations

import re

FRONT = "front matter"
# How far into a document its abstract heading is looked for (characters): the shared PDFs have it at 200-2600
FRONT_LIMIT = 3000

AFFILIATION = re.compile(r"\b(?:Department|Dept|University|Universit[àéä]t?|Institute|Faculty|School of|Centre|"
                         r"Center|College|Laborator(?:y|ies)|Hospital|Division of)\b")
CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\bCorrespondence\s*:|\b[Cc]orresponding [Aa]uthor:? [A-Z]|\bORCID\b")
# Authors with the marks that tie them to affiliations: "Agyeman-Duah1*, Antje Theurer2,3,", "DOUGLAS∗1,",
# "Robinson1 & Sean D. Twiss 2 &": a mark after a name that follows a capitalised word or an initial
_MARK = re.compile(r"(?<=[^\W\d_])(?:\s?\d{1,2}(?:\s?,\s?\d{1,2})*\s*(?:[,&|·]|and\b)|"
                   r"(?:\d{1,2}(?:,\d{1,2})*)?[*∗†‡§¶]+)")
_NAME = re.compile(r"[A-Z][^\W\d_]*(?:['’\-][^\W\d_]+)*")
_SYMBOLS = "*∗†‡§¶"
# ... but not "Table 2," or "Figure 1 and"
_LABELS = {"fig", "figure", "figures", "table", "tables", "supplementary", "section", "chapter", "appendix", "eq",
           "equation", "step", "phase", "day", "week", "group", "type", "grade", "stage", "level", "model", "study",
           "trial", "experiment", "panel", "box", "version", "site", "region", "area", "zone", "line", "case",
           "sample", "class", "cluster", "item", "question", "hypothesis", "condition", "cohort", "visit",
           "chromosome", "domain", "file", "dataset", "note", "part", "category", "factor", "method"}
# "Nuala E. Tully, Karen M. Morgan, ...": names with a middle initial
_INITIALED = re.compile(r"\b[A-Z][a-z]+ (?:[A-Z]\. ?){1,2}[A-Z][a-z'’\-]+\b")
# Lines only the first page prints: dates of receipt, copyright and licence, editors, how to cite
_STATEMENT = re.compile(
    r"\b(?:Received|Submitted)\b:?\s.{0,60}?\b(?:19|20)\d\d\b.{0,80}?\b(?:Accepted|Revised|Published)\b|"
    r"©\s*(?:(?:19|20)\d\d|[A-Z])|"
    r"\bCopyright\b:?\s*(?:©\s*)?(?:\(c\)\s*)?(?:19|20)\d\d|\bThis is an open[- ]access article\b|"
    r"\bThis article is (?:licensed|distributed|published)\b|\bpermits unrestricted use\b|"
    r"\b(?:Academic [Ee]ditor|Handling [Ee]ditor|Edited by|Reviewed by|EDITED (?:AND REVIEWED )?BY|"
    r"(?:How to )?[Cc]ite this article(?: as)?|Citation|(?:ACM )?Reference Format)\s*:")
# Where the body begins: the abstract's heading, after something only front matter holds
_ABSTRACT = re.compile(r"(?<![\w-])(?:Abstract|ABSTRACT|abstract|A B S T R A C T|Summary|SUMMARY)[\s:.\-–—]*"
                       r"(?=[A-Z0-9\"“(\[])")
_SIGNS = [CONTACT, AFFILIATION, _STATEMENT, re.compile(r"\b10\.\d{4,9}/|\bOpen Access\b|"
                                                       r"\b(?:Received|Accepted|Published)\b")]


def is_front(sentence: str, title: str = "") -> bool:
    """Whether a sentence is front matter: it names two authors with their marks (or three with a middle initial),
    it is a line only a first page prints (unless that only ends a long body sentence: a page footer run into it),
    or it is the document's ``title`` repeated on its own (six words or more, give or take two: "cite this
    article" lines)."""
    statements = list(_STATEMENT.finditer(sentence))
    if statements and (len(statements) >= 2 or len(sentence[:statements[0].start()].split()) <= 25):
        return True
    return authors(sentence) >= 2 or len(_INITIALED.findall(sentence)) >= 3 or _is_title(sentence, title)


def front_matter(text: str, limit: int = FRONT_LIMIT) -> int:
    """Where the body begins in ``text``, the start of a document: just after an "Abstract" (or "Summary")
    heading within its first ``limit`` characters that follows something only front matter holds (an author's
    mark, an affiliation, an e-mail, a DOI, a date of receipt, a copyright line); 0 when there is none."""
    for match in _ABSTRACT.finditer(text, 0, limit):
        before = text[:match.start()]
        if re.search(r"\b(?:a|an|the|this|our|its)\s*$", before, re.I):
            continue  # "an abstract Syntax..." is prose
        return match.end() if authors(before) or any(p.search(before) for p in _SIGNS) else 0
    return 0


def authors(text: str) -> int:
    """How many names in ``text`` carry an author's mark ("Theurer2,3,", "Ball1*", "Twiss 2 &", "DOUGLAS∗1"): a
    name with a small letter (or in capitals, marked with a symbol) after a first name or an initial."""
    found = 0
    for match in _MARK.finditer(text):
        words = text[max(0, match.start() - 60):match.start()].split()
        if len(words) >= 2 and _NAME.fullmatch(words[-1]) and _NAME.fullmatch(words[-2].rstrip(".")) \
                and words[-1].lower() not in _LABELS and (not words[-1].isupper() or match.group()[0] in _SYMBOLS):
            found += 1
    return found


def _is_title(sentence: str, title: str) -> bool:
    """Whether ``sentence`` is ``title`` (six words or more), give or take two words ("2012", "Editorial")."""
    wanted, words = _normal(title), _normal(sentence)
    return len(wanted.split()) >= 6 and wanted in words and len(words.split()) <= len(wanted.split()) + 2


def _normal(text: str) -> str:
    """Lower-cased words and numbers joined by single spaces."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))
