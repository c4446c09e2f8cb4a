"""PDF text extraction with pypdfium2: one section per page, page numbers from 1.

Undoes the layout's line breaks (hyphenated words joined, lines of a paragraph joined) so sentences come out
whole. Encrypted, corrupt and image-only PDFs are refused with a reason. No OCR.
"""

from __future__ import annotations

import re

from ..documents import Document, Section
from ..errors import LoadError
from ..text import tidy

MAX_PAGES = 5000


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
        sections = []
        for number in range(len(pdf)):
            try:
                raw = pdf[number].get_textpage().get_text_range()
            except pdfium.PdfiumError:
                continue
            text = clean_page(raw)
            if text:
                sections.append(Section(text, page=number + 1))
        if not sections:
            raise LoadError(name, "no text could be extracted (a scanned or image-only PDF? OCR is not supported)")
        title = _title(pdf, sections[0].text) or name
    finally:
        pdf.close()
    return [Document(name, title, sections)]


def clean_page(text: str) -> str:
    """Page text with the layout's line breaks undone and paragraph breaks kept."""
    # pdfium marks a word hyphenated at a line end with U+FFFE; soft hyphens are invisible too
    text = tidy(re.sub("[\ufffe\u00ad]\\s*", "", text))
    text = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _title(pdf, first_page: str) -> str:
    try:
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    except Exception:  # noqa: BLE001 - metadata is optional
        title = ""
    words = re.findall(r"[A-Za-z]{2,}", title)
    if len(words) >= 3 and not title.lower().endswith((".doc", ".docx", ".pdf", ".tex", ".dvi")):
        return title[:200]
    return first_page.split("\n", 1)[0][:200].strip()
