"""People's names as a byline prints them, written as PubMed writes them ("Ross G. DOUGLAS∗1" -> "Douglas RG"),
and the byline under a title found among a page's lines.

A byline separates names with commas, "and", "&", "|" or "·", or only with the marks that tie each author to an
affiliation ("Jonas Fritzsch1 Justus Bogner1"); marks are digits, symbols ("*", "†", "⇑") or lists of small
letters ("Pipins a, b, c *"). A name reads as given names or initials, then a surname that may start with a
particle ("van der Berg", "da Silva") and end with a suffix ("Jr.", "III"); letters may carry any accent, also
one that the text layer set apart from its letter ("Birtic´" is "Birtić"). The byline is one line or several,
or a grid of names side by side (ACM's, becker2024), with e-mail and "Corresponding author" lines between names
skipped (loope2014) and lines in another type size passed over (affiliations, a side column). What is not all
names gives no names: this module never guesses which part of a line is a person, nor which authors are missing.
"""

from __future__ import annotations

import re
import unicodedata

from .pdflines import Line

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

SKIPPED = re.compile(r"@|\bcorresponding author\b", re.I)  # lines between authors' names (loope2014's p2)
INSTITUTIONS = {"university", "department", "institute", "hospital", "school", "college", "centre", "center",
                "faculty", "division", "laboratory", "academy", "ministry", "council", "foundation"}
MARKED = re.compile(r"[^\W\d_][\d*∗†‡§¶⇑]|\s[A-Z]\.?\s")  # "Ball1", "Good*", a middle initial


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


def byline(lines: list[Line], below: float) -> list[str]:
    """The authors named under the title (whose last line ends ``below`` points from the top); [] unless the
    lines read wholly as names and what follows them plainly ends the block."""
    visual = _visual_lines([line for line in lines if line.top >= below - 1])
    start = next((i for i, line in enumerate(visual[:15]) if _opens(line, _similar(line, visual[i + 1:]))), None)
    if start is None:
        return []
    text, size, bottom = visual[start].text, visual[start].size, visual[start].bottom
    for line in visual[start + 1:]:
        if line.top - bottom > 5 * size:
            break
        if abs(line.size - size) > 0.15 * size:
            continue  # another column, an affiliation in small type
        # A line break parts two names, unless a name runs on to the next line ("Ana Cristina Franco da" / "Silva1")
        joined = next((t for t in (f"{text} , {line.text}", f"{text} {line.text}") if names(t)), None)
        if joined:
            text, bottom = joined, line.bottom
        elif not SKIPPED.search(line.text):
            if not _ends(line.text):
                return []
            break
    return names(text)


def listed(creators: list[str], printed: str) -> list[str]:
    """The XMP's authors, when each reads as a name and the page prints every surname."""
    people = [person for creator in creators for person in (names(creator) or [""])]
    page = _plain(printed)
    if not people or not all(people) or not all(_plain(p.rsplit(" ", 1)[0]) in page for p in people):
        return []
    return people


def _similar(line: Line, following: list[Line]) -> list[Line]:
    """The first of ``following`` set in about the type size of ``line`` (the next line of its block), if any."""
    return next(([n] for n in following if abs(n.size - line.size) <= 0.15 * line.size), [])


def _opens(line: Line, following: list[Line]) -> bool:
    """Whether ``line`` (or it and the next, when a name is cut at its end) opens a byline: two names, or one
    with an affiliation mark or a middle initial ("Jane Smith1", "Jane Q. Smith")."""
    for text in (line.text, *(f"{line.text} {n.text}" for n in following)):
        people = names(text)
        if len(people) >= 2 or people and MARKED.search(text + " "):
            return True
    return False


def _ends(text: str) -> bool:
    """Whether a line plainly follows an author block: a mark that opens an affiliation, an institution, a heading
    or label ("Abstract", "Received"), a date, or a paragraph."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    return bool(re.match(r"[\d*∗†‡§¶#⇑]", text.strip())) or bool(words) and words[0] in NOT_NAMES or \
        any(w in INSTITUTIONS for w in words) or len(words) > 12 or bool(re.search(r"\b(?:19|20)\d\d\b", text))


def _visual_lines(lines: list[Line]) -> list[Line]:
    """Lines in reading order from the top, those side by side in one type size joined with commas (an author
    grid)."""
    ordered = sorted(lines, key=lambda line: (line.top, line.left))
    joined: list[Line] = []
    for line in ordered:
        last = joined[-1] if joined else None
        if last and abs(line.top - last.top) <= 0.4 * last.size and abs(line.size - last.size) <= 0.1 * last.size:
            joined[-1] = Line(f"{last.text} , {line.text}", last.size, last.top, max(last.bottom, line.bottom),
                              last.left, line.right)
        else:
            joined.append(line)
    return joined


def _plain(text: str) -> str:
    """Letters and digits only, accents removed, case folded."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))
