"""A PDF's reference from its first page: the title set in the largest type, and the DOI printed there.

Page headers ("Clinical Science (2014) 126, 305-313 (Printed in Great Britain) doi: ...") come first in the text
layer, so the first line is a poor title; the title is the run of lines set in the largest type, measured by
pdfium's character boxes. Labels that share its size ("Research Article", "Open Access") are dropped. The
document's own metadata title is the fallback, then the first line of text.
"""

from __future__ import annotations

import re
import statistics

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>,;]+)", re.I)
LABELS = re.compile(r"^(?:(?:research|original|review|brief|short) (?:article|paper|report|communication)|"
                    r"review|research|article|open access|letter|editorial)\b[\s:.-]*", re.I)


def reference(pdf, first_page: str, last_page: str = "") -> dict:
    """{"title": ..., "doi": ...} for a pypdfium2 document, from the text of its first and last pages: the DOI
    printed on page 1, else the one beside "Cite this article as" on the last page (BioMed Central's place);
    no "doi" when neither has one (a DOI in the reference list is another paper's)."""
    found = {"title": largest_type(pdf) or metadata_title(pdf) or first_page.split("\n", 1)[0][:200].strip()}
    cite = re.search(r"cite this article as", last_page, re.I)
    doi = DOI.search(first_page) or (DOI.search(last_page, max(0, cite.start() - 200), cite.end() + 400)
                                     if cite else None)
    if doi:
        found["doi"] = doi.group(1).rstrip(".)]")
    return found


def largest_type(pdf) -> str:
    """The first run of lines on page 1 set in the largest type (at least 1.3x the body text), or ''."""
    try:
        text_page = pdf[0].get_textpage()
        text = text_page.get_text_range()
        heights = [text_page.get_charbox(i, loose=True) for i in range(min(text_page.count_chars(), len(text)))]
    except Exception:  # noqa: BLE001 - a page pdfium cannot measure has no title of this kind
        return ""
    lines, chars, sizes = [], [], []
    for ch, box in zip(text, heights, strict=False):
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
    body = statistics.median([size for _, size in lines if size] or [0.0])
    big = max((size for line, size in lines if len(line.split()) >= 2), default=0.0)
    if not body or big < 1.3 * body:
        return ""
    run = []
    for line, size in lines:
        if abs(size - big) <= 0.05 * big and line:
            run.append(line)
        elif run:
            break
    title = LABELS.sub("", " ".join(run)).strip()
    return title[:300] if len(re.findall(r"[^\W\d_]{2,}", title)) >= 3 else ""


def metadata_title(pdf) -> str:
    """The document information's Title, unless it is a file name or too short to be one."""
    try:
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    except Exception:  # noqa: BLE001 - metadata is optional
        return ""
    words = re.findall(r"[A-Za-z]{2,}", title)
    return title[:200] if len(words) >= 3 and not title.lower().endswith((".doc", ".docx", ".pdf", ".tex", ".dvi")) \
        else ""
