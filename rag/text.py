"""Text helpers every stage shares: normalizing extracted text, sentence boundaries, and word sets.

One sentence splitter and one word tokenizer for the whole app, so that chunks, highlights, repeat detection
and citation checks all agree on what a sentence and a word are. Pure functions; nothing here loads a model.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# A sentence ends at . ! or ? (optionally closed by a quote or bracket) followed by space and a capital,
# digit, quote or bracket; or at a paragraph break
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[A-Z0-9\"'“‘(\[])|\n\s*\n")

# Words after which a period does not end a sentence
_ABBREVIATIONS = {
    "al", "e.g", "i.e", "fig", "figs", "eq", "ref", "refs", "dr", "mr", "mrs", "ms", "prof", "vs", "approx",
    "no", "nos", "vol", "pp", "ca", "cf", "st", "resp", "incl", "tab", "suppl", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "u.s", "sp", "spp",
}
_WORD = re.compile(r"[a-z0-9]{3,}")


def tidy(text: str) -> str:
    """Normalize text: NFKC (ligatures), no control characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL.sub("", text)
    # Line by line, not a regex: "[ \t]+\n" backtracks quadratically over a long run of spaces with no newline
    # (a 1 MB file of spaces took most of an hour)
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace between sentences excluded).

    Knows the abbreviations of scientific prose ("et al.", "Fig. 2", "e.g.") and single initials.
    """
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        closers = match.group(1) or ""
        if not closers and "\n" not in match.group():
            before = text[max(0, match.start() - 40):match.start()].split()
            word = before[-1] if before else ""
            word = word.lstrip("([{\"'“‘").rstrip(".!?\"'”’)]")
            if word.lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word):
                continue
        spans.append((start, match.start() + len(closers)))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in (_strip(text, a, b) for a, b in spans) if b > a]


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[a:b] for a, b in split_sentences(text)]


def words(text: str) -> set[str]:
    """Lower-cased words and numbers of three or more characters: what word-overlap measures compare."""
    return set(_WORD.findall(text.lower()))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
