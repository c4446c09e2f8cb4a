"""A PDF's journal and year: from a citation of the article that the PDF prints, never from a date of receipt.

Trusted, in this order:
- the XMP metadata's ``prism:publicationName`` for the journal (``pdfxmp``);
- a citation line, in a page's running header or footer or anywhere on page 1: the journal, then the year and
  the volume in either order, then the pages or article number. This one shape covers "BMC Bioinformatics 2009,
  10:313", "Behav Ecol Sociobiol (2015) 69:1383–1394", "Metabolites 2014, 4, 932-945", "Softw: Pract Exper.
  2023;53:790–810", "Ecology and Evolution, 2025; 15:e71422", "Nature Communications | (2024) 15:342", "Heliyon 10
  (2024) e31208" and "Journal of Physics: Conference Series 2188 (2022) 012011"; and a footer naming the journal,
  its web site and the date ("PLoS Biology | www.plosbiology.org ... May 2006 | Volume 4", "PLOS One |
  https://doi.org/... May 14, 2025"). A line naming "X et al." counts only when X is the first author (body text
  may cite another paper that way);
- the article's own citation: what follows its title in "Citation:", "Cite this article", "How to cite" or "ACM
  Reference Format" ("... Tanzania. PLoS One 20(5): e0323994", "... melanoleuca.R. Soc. open sci. 2: 150395", "...
  Practitioners. In 28th ACM International ... Conference (SPLC ’24), September 02–06, 2024"), with the year
  printed before the title ("Mtega GA ... (2025) Factors ...");
- the document information's Subject when it is a citation ("Phytochemistry, 115 (2015) 9-19. doi:...", Springer's
  "Nature Communications, doi:...");
- the journal named above "Volume 2010, Article ID 157939" (Hindawi's masthead, tully2010 of the shared PDFs) and
  a preprint server's stamp ("bioRxiv preprint doi: ...", pipins2025);
- else the year the paper was published ("Published 5 June 2017", "PUBLISHED 07 May 2025", "Available online 29
  January 2015", bioRxiv's "this version posted June 6, 2025"), else its copyright year ("© 2014 ...").
Left unused: the dates of receipt and acceptance (gharibi2024 was received in 2023 and published in 2024), the
year inside a DOI (range2015's DOI says 2014), and the file's CreationDate. A field nothing reads stays empty.
"""

from __future__ import annotations

import re

YEAR = r"(?P<year>(?:19|20)\d\d)"
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_WORD = r"[A-Z][\w’'&.-]*"
# A journal's name: capitalised words or abbreviations, joined by spaces, colons and small words ("Journal of ...")
JOURNAL = rf"(?P<journal>{_WORD}(?:(?::? |:)(?:{_WORD}|of|and|in|the|for|on|&))*)"
VOLUME = r"\d{1,4}(?:\s*\(\d+[-–]?\d*\))?"
# "BMC Bioinformatics 2009, 10:313", "Behav Ecol Sociobiol (2015) 69:1383", "Nature Communications | (2024) 15:342"
YEAR_FIRST = re.compile(rf"{JOURNAL}[.,]?\s*(?:\|\s*)?\(?{YEAR}\)?[,;.]?\s*{VOLUME}\s*[:,]\s*[eE]?\d+")
# "Heliyon 10 (2024) e31208", "Journal of Physics: Conference Series 2188 (2022) 012011"
VOLUME_FIRST = re.compile(rf"{JOURNAL},?\s+\d{{1,4}}\s+\({YEAR}\)\s+[eE]?\d+")
# "PLoS Biology | www.plosbiology.org 0727 May 2006 | Volume 4", "PLOS One | https://doi.org/... May 14, 2025"
WEB_FOOTER = re.compile(rf"{JOURNAL}\s*\|?\s*(?:https?://|www\.)\S+\s+(?:\d{{1,5}}\s+)?"
                        rf"(?:{MONTH}\.?\s+(?:\d{{1,2}},?\s+)?)?{YEAR}\b")
# "Webb et al. (2017), PeerJ Comput. Sci., DOI 10.7717/peerj-cs.118": who, year, journal, then the DOI
AUTHOR_YEAR = re.compile(rf"\b(?P<who>[^\W\d_][\w'’-]*) et al\.?,? \({YEAR}\),? {JOURNAL},? (?:DOI|doi)\b")
CITATION_LINES = (YEAR_FIRST, VOLUME_FIRST, WEB_FOOTER, AUTHOR_YEAR)
WHO = re.compile(r"(?P<who>[^\W\d_][\w'’-]*) et al\.?[:,]?\s*$")
DOI_SUBJECT = re.compile(r"^(?P<journal>[A-Z][A-Za-z&.:' -]{2,80}?),?\s+doi:", re.I)
MASTHEAD = re.compile(r"^(?P<journal>[A-Z][A-Za-z&' -]{2,80})\n(?:Volume|Vol\.) \d+, Article ID \w+", re.M)
PREPRINT = re.compile(r"\b(?P<journal>[A-Za-z]+) preprint doi\b")
# After the article's own title in a citation of it: ". PLoS One 20(5): e0323994", ". In 28th ACM ... (SPLC ’24),"
AFTER_TITLE = re.compile(rf"^[”\"’']?\s*[.?!]\s*(?:In\s+(?P<venue>[^.]{{5,200}}?),\s*(?:{MONTH}\b|{YEAR}\b)|"
                         rf"(?P<journal>[^\W\d][^\d\n]{{1,100}}?),?\s*(?:\(?(?P<year2>(?:19|20)\d\d)\)?[;,.]?\s*)?"
                         rf"{VOLUME}\s*[:,]?\s*[eE]?\d+)")
YEAR_BEFORE = re.compile(rf"\(?{YEAR}\)?[.,]?\s*$")
PUBLISHED = re.compile(rf"\b(?:published(?: online)?|available online|this version posted)\s*:?\s+"
                       rf"(?:\d{{1,2}}\s+)?(?:{MONTH}\.?\s+)?(?:\d{{1,2}},?\s+)?{YEAR}\b", re.I)
COPYRIGHT = re.compile(rf"(?:©|\(c\)|\bCopyright\b)\s*(?:©\s*)?{YEAR}\b")
CONNECTORS = {"of", "and", "in", "the", "for", "on", "&"}


def citation(page: list[str], cites: list[str], edges: dict[str, bool], texts: list[str], info: dict, journal: str,
             title: str, first_author: str) -> dict:
    """{"journal": ..., "year": ...} of a PDF, each key only where it was read reliably.

    ``page`` are page 1's lines, ``cites`` those of them where a citation line may stand (not the text itself),
    ``edges`` the lines at the top and bottom of some other pages, each with whether it runs over pages,
    ``texts`` the text of the pages where the article may cite itself (page 1, 2 and the last), ``info`` the
    document information, ``journal`` the XMP's publication name, ``title`` the article's, ``first_author`` the
    first author's surname.
    """
    found = {"journal": journal} if journal else {}
    # A line at the edge of a later page that does not run over pages may end a reference list: it counts only
    # when it names the first author ("Webb et al. (2017), PeerJ Comput. Sci., DOI ...", PeerJ's last page)
    for match in citation_lines(cites, first_author) + \
            citation_lines([line for line, runs in edges.items() if runs], first_author) + \
            citation_lines([line for line, runs in edges.items() if not runs], first_author, named=True):
        found.setdefault("journal", match["journal"])
        found.setdefault("year", match["year"])
        break
    for text in texts if title else []:
        if own := own_citation(text, title):
            for key, value in own.items():
                found.setdefault(key, value)
            break
    subject = " ".join((info.get("Subject") or "").split())
    if match := next((m for p in (YEAR_FIRST, VOLUME_FIRST) if (m := p.match(subject))), None) \
            or DOI_SUBJECT.match(subject):
        found.setdefault("journal", _journal(match["journal"]))
        if "year" in match.groupdict():
            found.setdefault("year", match["year"])
    lines = "\n".join(page)
    if match := MASTHEAD.search(lines) or PREPRINT.search(lines):
        found.setdefault("journal", match["journal"].strip())
    if "year" not in found and (match := PUBLISHED.search(lines) or COPYRIGHT.search(lines)):
        found["year"] = match["year"]
    return {k: v for k, v in found.items() if v}


def citation_lines(lines: list[str], first_author: str, named: bool = False) -> list[dict]:
    """{"journal", "year"} of each line that cites the article in one of the citation-line shapes; one that names
    "X et al." counts only when X is ``first_author`` (or any X while ``first_author`` is unknown), and with
    ``named`` only such a line counts."""
    found = []
    for line in lines:
        for pattern in CITATION_LINES:
            match = pattern.search(line)
            if not match or not (journal := _journal(match["journal"])) or re.fullmatch(MONTH + r"\.?", journal):
                continue
            who = match.groupdict().get("who") or (WHO.search(line[:match.start()]) or {"who": ""})["who"]
            if who and first_author and _plain(who).lower() != _plain(first_author).lower() or \
                    named and not (who and first_author):
                continue
            found.append({"journal": journal, "year": match["year"]})
            break
    return found


def own_citation(text: str, title: str) -> dict:
    """The journal (or proceedings) and year of a citation of the article with this ``title`` in ``text``."""
    words = re.findall(r"[^\W_]+", title)
    if len(words) < 2:
        return {}
    pattern = re.compile(r"\W*".join(map(re.escape, words)), re.I)
    for match in pattern.finditer(text):
        after = AFTER_TITLE.match(text[match.end():match.end() + 400])
        if not after:
            continue
        journal = _journal(after["venue"] or after["journal"] or "", words=False)
        if journal.endswith(".") and len(journal.rsplit(" ", 1)[-1]) > 6:
            journal = journal[:-1]  # a sentence's full stop, not an abbreviation's ("Nature.", not "Sci.")
        year = after["year"] or after["year2"] or (YEAR_BEFORE.search(text[max(0, match.start() - 12):match.start()])
                                                   or {"year": ""})["year"]
        if journal:
            return {"journal": journal, **({"year": year} if year else {})}
    return {}


def _journal(name: str, words: bool = True) -> str:
    """A journal's name without a trailing small word or separator; "" when it is too short or a label."""
    parts = name.strip(" ,;:|").split()
    while words and parts and parts[-1].lower() in CONNECTORS:
        parts.pop()
    name = " ".join(parts)
    return name if len(re.findall(r"[^\W\d_]", name)) >= 3 and name.lower() not in {"volume", "article"} else ""


def _plain(text: str) -> str:
    return text.replace("’", "'")
