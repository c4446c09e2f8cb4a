"""A PDF's reference: its title, authors, DOI, journal and year, read as a person reads a first page.

- Title: the run of lines set in the largest type on page 1 (at least 1.15 times the body text), in the order
  they stand on the page (a HighWire cover sheet's text layer gives them bottom-up, firth2012); lines that only
  label the article ("Research Article"), a one-word logo ("metabolites") and the journal's own name set large
  ("BMC Bioinformatics", good2009) are passed over. Behind a cover sheet that shows no title or no authors ("This
  Provisional PDF corresponds to the article as it appeared upon acceptance", loope2014), page 2 is read. The
  XMP ``dc:title`` or the document information's Title is taken instead when the page's largest type gives none
  (pipins2025: its title is set no larger than the text) or only part of it, and only when the page prints it.
- Authors: the lines under the title that read wholly as names (``pdfnames``), one line or a grid of them (ACM's,
  becker2024), skipping e-mail and "Corresponding author" lines between them (loope2014) and lines in another type
  size (affiliations, a side column); the XMP's ``dc:creator`` comes first when the page prints every surname it
  lists, the document information's Author when its Title is the page's title. One line that is not all names
  where more may follow gives no authors: some would be missing.
- DOI: ``pdfdoi``; journal and year: ``pdfcite``.
A field nothing reads reliably is left out: an empty field is better than a wrong one.
"""

from __future__ import annotations

import re
import unicodedata

from .pdfcite import citation, citation_lines
from .pdfdoi import article_doi
from .pdflines import Line, body_size, edge_lines, page_lines, rows
from .pdfnames import NOT_NAMES, fix_accents, names
from .pdfxmp import xmp

TITLE_RATIO = 1.15  # the title's type against the body text's: the lowest in pdfs-wide is 1.18 (loope2014's cover)
# A line that only labels the article, which may be set as large as the title ("Research Article", tully2010)
LABELS = re.compile(r"^(?:(?:research|original|review|brief|short|focused|invited) (?:article|paper|report|"
                    r"communication|review|note)|review|research|article|open access|letter|editorial|data paper|"
                    r"nature notes)(?:\s+open access)?$", re.I)
# Cover sheets: BioMed Central's Provisional PDF (loope2014), HighWire's download sheet (firth2012)
COVER = re.compile(r"\bThis Provisional PDF corresponds\b|\bThis article cites \d+ articles\b|"
                   r"\bEmail alerting service\b", re.I)
# What ends a title's last line, not the title: F1000Research's "[v2; ref status: indexed, http://f1000r.es/4fj]"
STATUS = re.compile(r"\s*\[v\d+;[^\]]*\]\s*$")
SKIPPED = re.compile(r"@|\bcorresponding author\b", re.I)  # lines between authors' names (loope2014's p2)
INSTITUTIONS = {"university", "department", "institute", "hospital", "school", "college", "centre", "center",
                "faculty", "division", "laboratory", "academy", "ministry", "council", "foundation"}
MARKED = re.compile(r"[^\W\d_][\d*∗†‡§¶⇑]|\s[A-Z]\.?\s")  # "Ball1", "Good*", a middle initial


def reference(pdf, data: bytes, pages: dict[int, str], texts: dict[int, str]) -> dict:
    """{"title": ..., "doi": ..., "authors": [...], "journal": ..., "year": ...} of a pypdfium2 document whose
    bytes are ``data``, ``pages`` its pages' text as pdfium gives it (by number from 1), ``texts`` the text of
    pages 1, 2 and the last with the layout's line breaks undone; a key other than "title" is left out when
    nothing gives it reliably."""
    info, packet = _metadata(pdf), xmp(data)
    first = rows(page_lines(pdf, 0))
    cover = bool(COVER.search(pages.get(1, "")))
    cites = [line.text for line in citing(first, pdf[0].get_height(), cover)]
    journals = {_plain(m["journal"]) for m in citation_lines(cites, "")} | {_plain(packet.get("journal", ""))}
    printed = texts.get(1, "") + (" " + texts.get(2, "") if cover else "")
    title, authors = title_page(pdf, first, journals, cover)
    title = chosen_title(title, [packet.get("title", ""), info.get("Title") or ""], printed)
    authors = listed(packet.get("authors", []), printed) or authors or \
        (names(info.get("Author") or "") if title and _plain(info.get("Title") or "") == _plain(title) else [])
    found = {"title": title}
    if doi := article_doi(pages, info, packet):
        found["doi"] = doi
    if authors:
        found["authors"] = authors
    last = len(pdf)
    found.update(citation([line.text for line in first], cites, running(edges(pdf, first)),
                          [texts.get(n, "") for n in sorted({1, 2, last})], info, packet.get("journal", ""), title,
                          authors[0].rsplit(" ", 1)[0] if authors else ""))
    return found


def title_page(pdf, first: list[Line], journals: set[str], cover: bool) -> tuple[str, list[str]]:
    """The title and authors that page 1 (its lines ``first``) shows, or page 2 behind a cover sheet that shows
    neither or one of them only."""
    title, authors = _title_and_byline(first, journals)
    if cover and len(pdf) > 1 and not (title and authors):
        second = _title_and_byline(rows(page_lines(pdf, 1)), journals)
        title, authors = title or second[0], authors or second[1]
    return title, authors


def _title_and_byline(lines: list[Line], journals: set[str]) -> tuple[str, list[str]]:
    title, below = title_rows(lines, journals)
    return title, byline(lines, below)


def edges(pdf, first: list[Line]) -> dict[int, list[str]]:
    """The lines in the top and bottom eighth of page 1 (from its lines ``first``), page 2, a middle page and the
    last page, by page index."""
    height, last = pdf[0].get_height(), len(pdf) - 1
    return {0: [line.text for line in first if line.bottom < height / 8 or line.top > height * 7 / 8],
            **{index: edge_lines(pdf, index) for index in sorted({1, last // 2, last} - {0}) if index < len(pdf)}}


def citing(lines: list[Line], height: float, cover: bool) -> list[Line]:
    """The lines of page 1 where a citation line of the article may stand: its top and bottom eighth (a running
    header or footer), type smaller than the text's (a header block, good2009), or anywhere on a cover sheet; not
    the text itself ("During 2019, 45, 30 ..." is no journal)."""
    body = body_size(lines)
    return [line for line in lines if cover or line.bottom < height / 8 or line.top > height * 7 / 8
            or line.size < 0.95 * body]


def running(edges: dict[int, list[str]]) -> dict[str, bool]:
    """The lines at the edges of pages other than the first, each with whether it runs over two pages or more
    (its digits aside: "Page 2 of 9"): a running header or footer, not the end of a reference list."""
    def key(line: str) -> str:
        return " ".join(re.sub(r"\d+", " ", line).lower().split())

    pages: dict[str, set[int]] = {}
    for index, lines in edges.items():
        for line in lines:
            pages.setdefault(key(line), set()).add(index)
    return {line: len(pages[key(line)]) >= 2 for index, lines in edges.items() if index for line in lines}


def title_rows(lines: list[Line], journals: set[str]) -> tuple[str, float]:
    """The title a page sets in its largest type and where it ends (points from the top); ("", 0.0) if none."""
    body = body_size(lines)
    shown = [line for line in lines if line.size and not LABELS.match(line.text.strip(" .:"))
             and _plain(line.text) not in journals]
    big = max((line.size for line in shown if len(re.findall(r"[^\W\d_]{2,}", line.text)) >= 2), default=0.0)
    if not body or big < TITLE_RATIO * body:
        return "", 0.0
    same = sorted((line for line in shown if abs(line.size - big) <= 0.025 * big), key=lambda line: line.top)
    run = same[:1]
    for line in same[1:]:
        if line.top - run[-1].bottom > big or len(names(line.text)) >= 2:
            break
        run.append(line)
    text = re.sub(r"[\ufffe\u00ad]\s*", "", " ".join(line.text for line in run))
    text = STATUS.sub("", " ".join(fix_accents(text).split()))
    return (text[:300], run[-1].bottom) if len(re.findall(r"[^\W\d_]{2,}", text)) >= 2 else ("", 0.0)


def chosen_title(title: str, candidates: list[str], printed: str) -> str:
    """The page's ``title``, or the first metadata title that the page prints when the page gave none or only a
    part of it (or more: a label, a status line)."""
    page = _plain(re.sub(r"\b\d+\b", " ", printed))
    for candidate in (" ".join(c.split()) for c in candidates):
        words = re.findall(r"[^\W\d_]{2,}", candidate)
        if len(words) < 2 or re.search(r"\.(?:docx?|pdf|tex|dvi|fm|indd)$", candidate, re.I) or \
                _plain(re.sub(r"\b\d+\b", " ", candidate)) not in page:
            continue
        if not title or _plain(candidate) in _plain(title) or _plain(title) in _plain(candidate):
            return title if _plain(title) == _plain(candidate) else candidate
    return title


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
    """Letters and digits only, accents removed, case folded: for comparing names and titles."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))


def _metadata(pdf) -> dict:
    try:
        return pdf.get_metadata_dict()
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}
