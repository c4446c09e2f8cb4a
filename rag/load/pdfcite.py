"""A PDF's authors, journal and year: from what page 1 prints, and from the metadata dictionary where it is usable.

Trusted, in this order:
- journal and year from a citation line: a running header at the start of a line ("Clinical Science (2014) 126,
  305–313"), BioMed Central's "Datta et al. Journal of Trauma Management & Outcomes 2010, 4:1", PeerJ's "Webb et
  al. (2017), PeerJ Comput. Sci., DOI ..." (on page 1, or as the last page's running footer), or the metadata
  Subject when it is written as one ("Journal of Trauma Management & Outcomes 2010 4:1. doi:..."). A line naming
  "X et al." counts only when X is the first of the authors found (it may cite another paper);
- the journal from Hindawi's masthead, the line above "Volume 2010, Article ID 157939";
- else the year the paper was published ("Published 5 June 2017"), else its copyright year ("© 2014 ...");
- the authors from the lines right after the title, when every part of them reads as a person's name ("Ross G.
  DOUGLAS∗1, Rajni K. SHARMA†1, ... and Edward D. STURROCK∗"), written as PubMed writes them ("Douglas RG");
  else the metadata Author, when the metadata Title is the page's title (the publisher filled the dictionary).
Left unused: CreationDate and ModDate (when the file was made: a 2010 paper's PDF made in 2011), the "Accepted"
date (a paper accepted in December may appear in January), and an Author entry otherwise (often whoever typed the
file). A field nothing reads reliably stays empty, and one line that is not all names gives no authors.
"""

from __future__ import annotations

import re

YEAR = r"(?P<year>(?:19|20)\d\d)"
# "Clinical Science (2014) 126, 305–313": a journal's running header, at the start of a line
HEADER = re.compile(rf"^(?P<journal>[A-Z][A-Za-z&'. -]{{2,80}}?) \({YEAR}\) \d+(?:\(\d+\))?[,:] ?\w+", re.M)
# "Datta et al. Journal of Trauma Management & Outcomes 2010, 4:1" (BioMed Central)
BMC = re.compile(rf"\b(?P<who>[A-Z][\w'’-]+) et al\.?:? (?P<journal>[A-Z][A-Za-z&' ]{{2,80}}?),? {YEAR},? \d+:\w+")
# "Webb et al. (2017), PeerJ Comput. Sci., DOI 10.7717/peerj-cs.118" (PeerJ)
PEERJ = re.compile(rf"\b(?P<who>[A-Z][\w'’-]+) et al\. \({YEAR}\), (?P<journal>[A-Z][^,\n]{{2,80}}?), (?:DOI|doi)\b")
# The metadata Subject as a citation: "Journal of Trauma Management & Outcomes 2010 4:1. doi:10.1186/..."
SUBJECT = re.compile(rf"^(?P<journal>[A-Z][A-Za-z&' ]{{2,80}}?),? {YEAR},? \d+:\w+")
# Hindawi: "Rehabilitation Research and Practice" above "Volume 2010, Article ID 157939, 6 pages"
MASTHEAD = re.compile(r"^(?P<journal>[A-Z][A-Za-z&' -]{2,80})\n(?:Volume|Vol\.) \d+, Article ID \w+", re.M)
PUBLISHED = re.compile(rf"\bPublished(?: online)?:?\s+(?:\d{{1,2}}\s+)?(?:[A-Z][a-z]+\.?\s+)?(?:\d{{1,2}},?\s+)?"
                       rf"{YEAR}\b")
COPYRIGHT = re.compile(rf"(?:©|\(c\)|\bCopyright\b)\s*(?:©\s*)?{YEAR}\b")

MARKERS = re.compile(r"(?<=[^\W\d_.])[\d*∗†‡§¶‖#]+(?:[,–-][\d*∗†‡§¶‖#]+)*")  # "Ball1*", "Theurer2,3", "SHARMA†1"
SEPARATORS = re.compile(r"\s*[,;&]\s*(?:and\s+)?|\s+and\s+|^and\s+")
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")  # "O’Connell", "Agyeman-Duah"
INITIAL = re.compile(r"[A-Z]\.?(?:-?[A-Z]\.?)?")  # "G", "G.", "J.-P."
PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "dos", "du", "la", "le", "ter", "ten", "bin"}
NOT_NAMES = {"open", "access", "research", "article", "review", "journal", "volume", "abstract", "background",
             "original", "university", "department", "institute", "hospital", "school", "college", "centre", "center",
             "faculty", "division", "laboratory", "correspondence", "received", "accepted", "published", "editor",
             "copyright", "introduction", "keywords", "letter", "report", "study", "trial", "clinical", "medical",
             "medicine", "health", "science", "sciences", "biology", "group", "unit", "programme", "program"}


def citation(lines: list[str], after: int | None, last_lines: list[str], metadata: dict, title: str) -> dict:
    """{"authors": [...], "journal": ..., "year": ...} of a PDF, each key only where it was read reliably.

    ``lines`` are page 1's text lines, ``after`` the index of the line after its title (None when no title was
    found in the largest type), ``last_lines`` the last page's, ``metadata`` the document information dictionary.
    """
    authors = author_lines(lines[after:after + 6]) if after is not None else []
    if not authors and " ".join((metadata.get("Title") or "").split()) == " ".join(title.split()):
        authors = names(metadata.get("Author") or "")
    page, footer = "\n".join(lines), "\n".join(last_lines[-3:])
    found = {"authors": authors} if authors else {}
    first = authors[0].rsplit(" ", 1)[0].lower() if authors else None
    subject = SUBJECT.search(" ".join((metadata.get("Subject") or "").split()))
    candidates = [subject, HEADER.search(page)] + [p.search(text) for text in (page, footer) for p in (BMC, PEERJ)]
    for match in candidates:
        if match and ("who" not in match.groupdict() or _plain(match["who"]).lower() == first):
            return {**found, "journal": match["journal"].strip(" ,"), "year": match["year"]}
    if masthead := MASTHEAD.search(page):
        found["journal"] = masthead["journal"].strip()
    if year := PUBLISHED.search(page) or COPYRIGHT.search(page):
        found["year"] = year["year"]
    return found


def author_lines(lines: list[str]) -> list[str]:
    """The authors named by the first of ``lines`` and the lines continuing it; [] when the first line is not all
    names, or when the line after them neither names people nor plainly ends the block (some may be missing). A
    lone name counts only with an affiliation mark or a middle initial ("Jane Q. Smith", "Jane Smith1")."""
    found, marked = [], False
    for line in lines:
        marked |= bool(MARKERS.search(line))
        people = names(line)
        if not people:
            if found and not ends_authors(line):  # a line that may name more people, unread: all or nothing
                return []
            break
        found += people
    if len(found) == 1 and not marked and not re.search(r"(?:^|\s)[A-Z]\.?\s", lines[0]):
        return []
    return found


def ends_authors(line: str) -> bool:
    """Whether a line plainly follows an author block: an affiliation ("1 Bioinformatics ...", "∗Institute of ..."),
    a heading ("Abstract"), an address ("Division of ..."), or a paragraph."""
    first = (re.findall(r"[^\W\d_]+", line) or [""])[0].lower()
    return bool(re.match(r"[\d*∗†‡§¶‖#]", line)) or first in NOT_NAMES or len(line.split()) > 15


def names(text: str) -> list[str]:
    """"Surname Initials" for each person a line names ("Chad G Ball1*, Lucas Rudmik1" -> ["Ball CG", "Rudmik L"]),
    or [] when any part of it is not a person's name."""
    if "et al" in text.lower() or "{" in text:
        return []
    people = []
    for part in SEPARATORS.split(MARKERS.sub("", text).strip()):
        if part.strip():
            person = name(part.split())
            if person is None:
                return []
            people.append(person)
    return people


def name(tokens: list[str]) -> str | None:
    """"Ball CG" for ["Chad", "G", "Ball"]; None unless the tokens read as given names (or initials) and a surname."""
    if not 2 <= len(tokens) <= 6 or any(t.strip(".").lower() in NOT_NAMES for t in tokens):
        return None
    particle = next((i for i, t in enumerate(tokens) if t in PARTICLES), len(tokens) - 1)
    given, surname = tokens[:particle], tokens[particle:]
    if not given or not WORD.fullmatch(surname[-1]) or len(surname[-1]) < 2 or not surname[-1][0].isupper():
        return None
    if any(t not in PARTICLES and not WORD.fullmatch(t) for t in surname[:-1]):
        return None
    initials = ""
    for t in given:
        if INITIAL.fullmatch(t):
            initials += t.replace(".", "").replace("-", "")
        elif WORD.fullmatch(t) and t[0].isupper():
            initials += "".join(w[0] for w in t.split("-"))
        else:
            return None
    last = " ".join(w.title() if w.isupper() and len(w) > 1 else w for w in surname)
    return _plain(f"{last} {initials.upper()}")


def _plain(text: str) -> str:
    return text.replace("’", "'")
