"""The cited page itself: a PDF page rendered with the cited sentence highlighted, and the original file.

pypdfium2 renders the page and finds the sentence in its text layer (its search sees through line breaks); the
boxes of the characters found are shaded. A sentence the search cannot find (a hyphenation the text layer
spells otherwise) is looked up by its first and last words; failing that the page is shown without a mark, and
says so.
"""

from __future__ import annotations

from pathlib import Path

SCALE = 2.0  # pixels per PDF point: sharp enough to read on a laptop screen
SHADE = (255, 196, 0, 96)


def page_image(path: Path, page: int, texts: list[str]):
    """The page (1-based) as a PIL image with each of ``texts`` shaded, and how many of them were found."""
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
    six; None if neither is found."""
    words = text.split()
    whole = text_page.search(" ".join(words), match_case=False).get_next()
    if whole or len(words) < 8:
        return whole
    head = text_page.search(" ".join(words[:6]), match_case=False).get_next()
    if head is None:
        return None
    tail = text_page.search(" ".join(words[-6:]), index=head[0], match_case=False).get_next()
    return (head[0], tail[0] + tail[1] - head[0]) if tail else head
