"""A PDF's reference from its first page: the title set in the largest type, the DOI printed there, and the
authors, journal and year (``rag.load.pdfcite``).

Page headers ("Clinical Science (2014) 126, 305-313 (Printed in Great Britain) doi: ...") come first in the text
layer, so the first line is a poor title; the title is the run of lines set in the largest type, measured by
pdfium's character boxes. Labels that share its size ("Research Article", "Open Access") are dropped. The
document's own metadata title is the fallback, then the first line of text.
"""

from __future__ import annotations

import re
import statistics

from .pdfcite import citation

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>,;]+)", re.I)
LABELS = re.compile(r"^(?:(?:research|original|review|brief|short) (?:article|paper|report|communication)|"
                    r"review|research|article|open access|letter|editorial)\b[\s:.-]*", re.I)


def reference(pdf, first_page: str, last_page: str = "") -> dict:
    """{"title": ..., "doi": ..., "authors": [...], "journal": ..., "year": ...} for a pypdfium2 document, from the
    text of its first and last pages: the DOI printed on page 1, else the one beside "Cite this article as" on the
    last page (BioMed Central's place); a key is left out when nothing gives it reliably (a DOI in the reference
    list is another paper's)."""
    lines = page_lines(pdf, 0)
    start, end = title_span(lines)
    title = title_text(lines[start:end]) if end else ""
    metadata = _metadata(pdf)
    found = {"title": title or metadata_title(metadata) or first_page.split("\n", 1)[0][:200].strip()}
    cite = re.search(r"cite this article as", last_page, re.I)
    doi = DOI.search(first_page) or (DOI.search(last_page, max(0, cite.start() - 200), cite.end() + 400)
                                     if cite else None)
    if doi:
        found["doi"] = doi.group(1).rstrip(".)]")
    last = [line for line, _ in page_lines(pdf, len(pdf) - 1)] if len(pdf) > 1 else []
    found.update(citation([line for line, _ in lines], end if title else None, last, metadata, found["title"]))
    return found


def page_lines(pdf, index: int) -> list[tuple[str, float]]:
    """The text lines of a page with the mean height of their characters (0.0 where pdfium cannot measure)."""
    try:
        text_page = pdf[index].get_textpage()
        text = text_page.get_text_range()
        boxes = [text_page.get_charbox(i, loose=True) for i in range(min(text_page.count_chars(), len(text)))]
    except Exception:  # noqa: BLE001 - a page pdfium cannot measure has no lines to read here
        return []
    lines, chars, sizes = [], [], []
    for ch, box in zip(text, boxes, strict=False):
        if ch in "\r\n":
            if chars:
                lines.append(("".join(chars).strip(), statistics.fmean(sizes) if sizes else 0.0))
            chars, sizes = [], []
            continue
        chars.append(ch)
        if not ch.isspace():
            sizes.append(box[3] - box[1])
    if chars:
        lines.append(("".join(chars).strip(), statistics.fmean(sizes) if sizes else 0.0))
    return lines


def title_span(lines: list[tuple[str, float]]) -> tuple[int, int]:
    """(first, end) of the first run of lines set in the largest type (at least 1.3x the body text), or (0, 0)."""
    body = statistics.median([size for _, size in lines if size] or [0.0])
    big = max((size for line, size in lines if len(line.split()) >= 2), default=0.0)
    if not body or big < 1.3 * body:
        return 0, 0
    start = None
    for i, (line, size) in enumerate(lines):
        same = abs(size - big) <= 0.05 * big and line
        if same and start is None:
            start = i
        elif not same and start is not None:
            return start, i
    return (start, len(lines)) if start is not None else (0, 0)


def title_text(run: list[tuple[str, float]]) -> str:
    """The title a run of lines spells, labels dropped; '' when it has under three words."""
    title = LABELS.sub("", " ".join(line for line, _ in run)).strip()
    return title[:300] if len(re.findall(r"[^\W\d_]{2,}", title)) >= 3 else ""


def metadata_title(metadata: dict) -> str:
    """The document information's Title, unless it is a file name or too short to be one."""
    title = (metadata.get("Title") or "").strip()
    words = re.findall(r"[A-Za-z]{2,}", title)
    return title[:200] if len(words) >= 3 and not title.lower().endswith((".doc", ".docx", ".pdf", ".tex", ".dvi")) \
        else ""


def _metadata(pdf) -> dict:
    try:
        return pdf.get_metadata_dict()
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}
