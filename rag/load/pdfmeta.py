"""A PDF's reference: its title, authors, DOI, journal and year, read as a person reads a first page.

- Title: the run of lines set in the largest type on page 1 (at least 1.15 times the body text), in the order
  they stand on the page (a HighWire cover sheet's text layer gives them bottom-up, firth2012); lines that only
  label the article ("Research Article"), a one-word logo ("metabolites") and the journal's own name set large
  ("BMC Bioinformatics", good2009) are passed over. Behind a cover sheet that shows no title or no authors ("This
  Provisional PDF corresponds to the article as it appeared upon acceptance", loope2014), page 2 is read. The
  XMP ``dc:title`` or the document information's Title is taken instead when the page's largest type gives none
  (pipins2025: its title is set no larger than the text) or only part of it, and only when the page prints it.
- Authors: the byline under the title (``pdfnames``); the XMP's ``dc:creator`` comes first when the page prints
  every surname it lists, the document information's Author last, when its Title is the page's title.
- DOI: ``pdfdoi``; journal and year: ``pdfcite``.
A field nothing reads reliably is left out: an empty field is better than a wrong one.
"""

from __future__ import annotations

import re
import unicodedata

from .pdfcite import citation, citation_lines
from .pdfdoi import article_doi
from .pdflines import Line, body_size, edge_lines, page_lines, rows
from .pdfnames import byline, fix_accents, listed, names
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


def _plain(text: str) -> str:
    """Letters and digits only, accents removed, case folded: for comparing names and titles."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))


def _metadata(pdf) -> dict:
    try:
        return pdf.get_metadata_dict()
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}
