"""PDF text extraction with pypdfium2: one section per page, page numbers from 1.

Undoes the layout's line breaks (hyphenated words joined, lines of a paragraph joined) so sentences come out
whole, and drops running headers and footers (a line near the top or bottom of a page that recurs on other
pages, page numbers aside), which would otherwise be glued into the sentences around them. A text layer with a
broken font encoding ("ʸʷʷʷ»É»·È¹¾" where the page shows words) is detected line by line: such lines are
dropped, and a page left mostly without readable text is left out and named in the document's metadata
(``unreadable_pages``). Encrypted, corrupt and image-only PDFs are refused with a reason. No OCR.
"""

from __future__ import annotations

import re
import unicodedata

from ..documents import Document, Section
from ..errors import LoadError
from ..text import tidy
from .pdfmeta import reference

MAX_PAGES = 5000
READABLE = 0.6  # a line (or page) is text when at least this share of its characters are ordinary text
PUNCTUATION = set("""!"#%&'()*+,-./:;<=>?@[]_{|}~“”‘’–—…•°±×µ§†‡‰′″""")


def load_pdf(data: bytes, name: str) -> list[Document]:
    """The text of every page that has some; a LoadError when there is none or the PDF cannot be opened."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message:
            raise LoadError(name, "the PDF is encrypted (password protected)") from None
        raise LoadError(name, "the PDF is damaged or incomplete") from None
    try:
        if len(pdf) == 0:
            raise LoadError(name, "the PDF has no pages")
        if len(pdf) > MAX_PAGES:
            raise LoadError(name, f"the PDF has more than {MAX_PAGES} pages")
        pages = {}
        for number in range(len(pdf)):
            try:
                pages[number + 1] = pdf[number].get_textpage().get_text_range()
            except pdfium.PdfiumError:
                continue
        printed = dict(pages)  # as printed: a DOI or a citation is often in a running header or footer
        pages, removed = drop_running_lines(pages)
        pages, unreadable = drop_unreadable(pages)
        sections = [Section(text, page=n) for n, text in ((n, clean_page(raw)) for n, raw in pages.items()) if text]
        if not sections:
            raise LoadError(name, "its text layer cannot be read (a broken font encoding; OCR is not supported)"
                            if unreadable else "no text could be extracted (a scanned or image-only PDF? OCR is "
                                               "not supported)")
        found = reference(pdf, data, printed, {n: clean_page(printed[n]) for n in {1, 2, len(pdf)} if n in printed})
    finally:
        pdf.close()
    metadata = {"running_lines_removed": removed} if removed else {}
    metadata.update({"unreadable_pages": unreadable} if unreadable else {},
                    **{k: found[k] for k in ("doi", "authors", "journal", "year") if k in found})
    return [Document(name, found["title"] or name, sections, metadata)]


def readable(text: str) -> float:
    """The share of ``text``'s visible characters that are ordinary text: letters of any script (not modifier
    letters such as "ʸ"), digits, and common punctuation; 1.0 for text with no visible character."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 1.0
    ordinary = sum(1 for c in chars if c in PUNCTUATION or unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lo", "Nd"))
    return ordinary / len(chars)


def drop_unreadable(pages: dict[int, str]) -> tuple[dict[int, str], list[int]]:
    """Pages without their garbled lines, and the numbers of the pages that kept too little text to be read."""
    kept, unreadable = {}, []
    for n, raw in pages.items():
        lines = [line for line in raw.splitlines() if len(line.strip()) < 5 or readable(line) >= READABLE]
        text = "\n".join(lines)
        visible = sum(not c.isspace() for c in raw)
        if visible >= 40 and sum(not c.isspace() for c in text) < visible / 2:
            unreadable.append(n)
        else:
            kept[n] = text
    return kept, unreadable


def drop_running_lines(pages: dict[int, str], edge: int = 3) -> tuple[dict[int, str], int]:
    """Pages without their running headers and footers, and how many lines were removed.

    A line counts as running when it is among the first or last ``edge`` lines of a page and the same line,
    digits ignored ("Page 3 of 10"), is at an edge of at least three pages and of a third of them.
    """
    def key(line: str) -> str:
        return " ".join(re.sub(r"\d+", " ", line).lower().split())

    edges = {}
    for n, raw in pages.items():
        lines = [line for line in raw.splitlines() if line.strip()]
        edges[n] = {key(line) for line in lines[:edge] + lines[-edge:] if len(key(line)) >= 4}
    counts: dict[str, int] = {}
    for found in edges.values():
        for k in found:
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, c in counts.items() if c >= max(3, len(pages) / 3)}
    if not running:
        return pages, 0
    cleaned, removed = {}, 0
    for n, raw in pages.items():
        lines = raw.splitlines()
        filled = [i for i, line in enumerate(lines) if line.strip()]
        near = set(filled[:edge] + filled[-edge:])
        keep = [line for i, line in enumerate(lines) if i not in near or key(line) not in running]
        removed += len(lines) - len(keep)
        cleaned[n] = "\n".join(keep)
    return cleaned, removed


# Some publishers' math fonts map "+" to the code of "þ" (thorn), so pdfium reads "the +1 frame" as "the þ1 frame"
# (firth2012 in pdfs-wide: 61 times). A thorn that is not followed by a lower-case letter is no Icelandic word
# ("þú", "þrír"): it is that plus sign
MISMAPPED_PLUS = re.compile("þ(?![a-zà-ÿ])")


def clean_page(text: str) -> str:
    """Page text with the layout's line breaks undone and paragraph breaks kept."""
    # pdfium marks a word hyphenated at a line end with U+FFFE; soft hyphens are invisible too
    text = tidy(re.sub("[\ufffe\u00ad]\\s*", "", text))
    text = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
    text = MISMAPPED_PLUS.sub("+", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
