"""The text lines of a PDF page with the size of their type and where they sit, measured by pdfium.

What a reader of a first page goes by (the title is the largest type, a footer is at the bottom) is not in the
text layer's order: a running header, a cover line or a margin column may come first. Each line gets the mean
height of its characters' boxes (the type size, near enough) and its box on the page, measured from the top.
Only measuring is done here; what the lines mean is ``pdfmeta``'s business.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of text as pdfium orders it, its type size (0.0 where unmeasured) and its box, in points from the
    page's top left corner."""

    text: str
    size: float
    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0


def page_lines(pdf, index: int) -> list[Line]:
    """The non-empty text lines of page ``index`` (from 0) of a pypdfium2 document; [] when pdfium cannot read it."""
    try:
        page = pdf[index]
        height = page.get_height()
        text_page = page.get_textpage()
        text = text_page.get_text_range()
        boxes = [text_page.get_charbox(i, loose=True) for i in range(min(text_page.count_chars(), len(text)))]
    except Exception:  # noqa: BLE001 - a page pdfium cannot measure has no lines to read here
        return []
    lines, chars, measured = [], [], []

    def close() -> None:
        line = "".join(chars).strip()
        if line:
            sizes = [top - bottom for _, bottom, _, top in measured]
            lines.append(Line(line, statistics.fmean(sizes) if sizes else 0.0,
                              height - max((b[3] for b in measured), default=height),
                              height - min((b[1] for b in measured), default=height),
                              min((b[0] for b in measured), default=0.0),
                              max((b[2] for b in measured), default=0.0)))

    for ch, box in zip(text, boxes, strict=False):
        if ch in "\r\n":
            close()
            chars, measured = [], []
            continue
        chars.append(ch)
        if not ch.isspace():
            measured.append(box)
    close()
    return lines


def edge_lines(pdf, index: int, share: float = 1 / 8) -> list[str]:
    """The text lines in the top and bottom ``share`` of page ``index``: running headers and footers (cheaper than
    measuring every character of the page)."""
    try:
        page = pdf[index]
        height, width = page.get_height(), page.get_width()
        text_page = page.get_textpage()
        bands = [text_page.get_text_bounded(0, height * (1 - share), width, height),
                 text_page.get_text_bounded(0, 0, width, height * share)]
    except Exception:  # noqa: BLE001 - a page pdfium cannot read has no lines to read here
        return []
    return [line.strip() for band in bands for line in band.splitlines() if line.strip()]


def body_size(lines: list[Line]) -> float:
    """The type size most of a page's characters are set in (its body text); 0.0 when nothing was measured."""
    weights: dict[float, int] = {}
    for line in lines:
        if line.size:
            key = round(line.size * 2) / 2
            weights[key] = weights.get(key, 0) + len(line.text)
    return max(weights, key=weights.get) if weights else 0.0


def rows(lines: list[Line]) -> list[Line]:
    """Lines with the pieces of one printed line joined: pdfium cuts a line where the font changes (an author's
    superscript mark, an italic word), so "Gregory A. Mtega1", ", Victoria Shayo1", ... come as lines of their own.
    A piece joins the line before it when it sits on the same baseline band and starts just right of it."""
    joined: list[Line] = []
    for line in lines:
        last = joined[-1] if joined else None
        height = max(line.size, last.size) if last else 0.0
        if last and height and abs(line.top - last.top) <= 0.5 * height and \
                last.left <= line.left and line.left - last.right <= height:
            chars = len(last.text) + len(line.text)
            joined[-1] = Line(f"{last.text} {line.text}",
                              (last.size * len(last.text) + line.size * len(line.text)) / chars,
                              min(last.top, line.top), max(last.bottom, line.bottom), last.left,
                              max(last.right, line.right))
        else:
            joined.append(line)
    return joined
