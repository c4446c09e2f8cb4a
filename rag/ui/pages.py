"""The cited page itself: a PDF page rendered with the cited sentence highlighted, and the original file.

pypdfium2 renders the page; the sentence is found in its text layer read as the loader read it (line breaks,
hyphenation marks and line-end hyphens seen through), and the boxes of its characters are shaded. A sentence not
found whole is looked up by its first and last six words; failing that the page is shown without a mark, and
says so.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

SCALE = 2.0  # pixels per PDF point: sharp enough to read on a laptop screen
SHADE = (255, 196, 0, 96)
BREAKS = re.compile(r"[\ufffe\u00ad]\s*|(?<=[a-z])-\r?\n(?=[a-z])")  # what the loader removes from a page


def page_image(path: Path | bytes, page: int, texts: list[str]):
    """The page (1-based) of a PDF (its path or content) as a PIL image with each of ``texts`` shaded, and how
    many of them were found."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(path)
    try:
        pdf_page = pdf[page - 1]
        image = pdf_page.render(scale=SCALE).to_pil().convert("RGBA")
        height, text_page = pdf_page.get_height(), pdf_page.get_textpage()
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw, found = ImageDraw.Draw(overlay), 0
        for text in texts:
            span = locate(text_page, text)
            if span is None:
                continue
            found += 1
            for i in range(text_page.count_rects(*span)):
                left, bottom, right, top = text_page.get_rect(i)
                draw.rectangle([left * SCALE - 2, (height - top) * SCALE - 2, right * SCALE + 2,
                                (height - bottom) * SCALE + 2], fill=SHADE)
        return Image.alpha_composite(image, overlay).convert("RGB"), found
    finally:
        pdf.close()


def locate(text_page, text: str) -> tuple[int, int] | None:
    """(first character, count) of ``text`` on the page: the whole of it, else from its first six words to its last
    six; None if neither is found. The page's text is read as the loader read it (``flatten``), so a sentence with a
    word hyphenated at a line end ("stu-/dies", which pdfium gives as "stu\ufffedies") is found too."""
    flat, index = flatten(text_page.get_text_range())
    words = text.split()

    def find(part: list[str], start: int = 0):
        return re.compile(r"\s+".join(map(re.escape, part)), re.I).search(flat, start) if part else None

    found = find(words)
    span = found.span() if found else None
    if span is None and len(words) >= 8 and (head := find(words[:6])):
        tail = find(words[-6:], head.end())
        span = (head.start(), tail.end() if tail else head.end())
    return (index[span[0]], index[span[1] - 1] - index[span[0]] + 1) if span else None


def flatten(page: str) -> tuple[str, list[int]]:
    """The page's text as ``rag.load.pdf`` reads it (hyphenation marks and line-end hyphens removed, NFKC), and
    the pdfium character index each of its characters comes from."""
    chars, index, last = [], [], 0
    for cut in [*BREAKS.finditer(page), None]:
        end = cut.start() if cut else len(page)
        for i in range(last, end):
            for c in unicodedata.normalize("NFKC", page[i]):
                chars.append(c)
                index.append(i)
        last = cut.end() if cut else end
    return "".join(chars), index
