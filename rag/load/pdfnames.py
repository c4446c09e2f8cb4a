"""People's names as a byline prints them, written as PubMed writes them ("Ross G. DOUGLAS∗1" -> "Douglas RG").

A byline separates names with commas, "and", "&", "|" or "·", or only with the marks that tie each author to an
affiliation ("Jonas Fritzsch1 Justus Bogner1"); marks are digits, symbols ("*", "†", "⇑") or lists of small
letters ("Pipins a, b, c *"). A name reads as given names or initials, then a surname that may start with a
particle ("van der Berg", "da Silva") and end with a suffix ("Jr.", "III"); letters may carry any accent, also
one that the text layer set apart from its letter ("Birtic´" is "Birtić"). What is not all names gives no
names: this module never guesses which part of a line is a person.
"""

from __future__ import annotations

import re
import unicodedata

# A spacing accent after its letter, as some text layers give it ("Birtic´"), and the combining one it stands for
SPACING_ACCENTS = {"´": "\u0301", "`": "\u0300", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303", "ˇ": "\u030c",
                   "¸": "\u0327", "˚": "\u030a", "˝": "\u030b", "˘": "\u0306"}
EMAIL = re.compile(r"\(?\s*[\w.+-]+@[\w-]+\.[\w.-]+\s*\)?")
# What may sit between two names: punctuation, "and", and any mark (digits, symbols other than name characters)
SEPARATOR = re.compile(r"\s*(?:[,;&|·•]|\band\b|\d+|[^\w\s.'’‐-])\s*")
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’‐-](?=[^\W\d_]))*")  # "O’Connell", "Agyeman-Duah"
INITIALS = re.compile(r"(?:[^\W\d_]\.?-?)(?:[^\W\d_]\.-?|\.)*[^\W\d_]?\.?")  # "G", "G.", "J.-P.", "J.K."
PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "della", "dos", "du", "la", "le", "ter", "ten",
             "bin", "al", "el", "zu", "vander", "vanden", "mac"}
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
NOT_NAMES = {"open", "access", "research", "article", "review", "journal", "volume", "abstract", "background",
             "original", "university", "department", "institute", "hospital", "school", "college", "centre", "center",
             "faculty", "division", "laboratory", "correspondence", "received", "accepted", "published", "editor",
             "copyright", "introduction", "keywords", "letter", "report", "study", "trial", "clinical", "medical",
             "medicine", "health", "science", "sciences", "biology", "group", "unit", "programme", "program",
             "email", "mail", "author", "authors", "corresponding", "address", "doi", "citation", "paper", "note",
             "notes", "editorial", "type", "submitted", "available", "online", "vol", "issue", "page", "pages"}


def fix_accents(text: str) -> str:
    """``text`` with each accent that the text layer set after its letter (or after a space) joined to it."""
    text = re.sub(r"(?<=[^\W\d_]) ?([" + "".join(SPACING_ACCENTS) + "])",
                  lambda m: SPACING_ACCENTS[m.group(1)], text)
    text = re.sub(r"(?<=[^\W\d_]) (?=[\u0300-\u036f])", "", text)
    return unicodedata.normalize("NFC", text)


def names(text: str) -> list[str]:
    """"Surname Initials" for each person ``text`` names ("Chad G Ball1*, Lucas Rudmik1" -> ["Ball CG",
    "Rudmik L"]), or [] when any part of it is not a person's name."""
    if "et al" in text.lower() or "{" in text:
        return []
    text = EMAIL.sub(" , ", fix_accents(text))
    people = []
    for part in SEPARATOR.split(text):
        tokens = part.split()
        while tokens and re.fullmatch(r"[a-z]", tokens[-1]):  # affiliation letters: "Pipins a"
            tokens.pop()
        if not tokens:
            continue
        person = name(tokens)
        if person is None:
            return []
        people.append(person)
    return people


def name(tokens: list[str]) -> str | None:
    """"Ball CG" for ["Chad", "G", "Ball"]; None unless the tokens read as given names (or initials) and a surname."""
    suffix = ""
    if len(tokens) > 2 and tokens[-1].strip(".").lower() in SUFFIXES:
        suffix, tokens = " " + tokens[-1].strip("."), tokens[:-1]
    if not 2 <= len(tokens) <= 6 or any(t.strip(".").lower() in NOT_NAMES for t in tokens):
        return None
    particle = next((i for i, t in enumerate(tokens[1:-1], 1) if t.lower() in PARTICLES), len(tokens) - 1)
    given, surname = tokens[:particle], tokens[particle:]
    last = surname[-1]
    if not WORD.fullmatch(last) or len(last) < 2 or not last[0].isupper():
        return None
    if any(t.lower() not in PARTICLES and not WORD.fullmatch(t) for t in surname[:-1]):
        return None
    initials = ""
    for t in given:
        if WORD.fullmatch(t) and t[0].isupper() and not (t.isupper() and len(t) <= 3):
            initials += "".join(w[0] for w in re.split(r"[‐-]", t))  # "Jean-Pierre" -> "JP"
        elif INITIALS.fullmatch(t) and t[0].isupper():
            initials += "".join(c for c in t if c.isalpha())
        else:
            return None
    written = " ".join(w.title() if w.isupper() and len(w) > 1 else w for w in surname)
    return f"{written} {initials.upper()}{suffix}".replace("’", "'")
