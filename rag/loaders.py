"""Reading files into documents: PDF, plain text, Markdown, HTML, PubMed XML and MEDLINE exports.

The format is told by the content, not the name (the name only separates Markdown from plain text). Every
failure, whatever the parser underneath raised, becomes a ``LoadError`` with a one-line reason. Only visible
text is kept: nothing in a document is executed or rendered. Chunking is not done here.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from .documents import Document, Section
from .errors import LoadError
from .pubmed import is_medline, is_pubmed_xml, load_medline, load_pubmed_xml

SUPPORTED = "PDF, plain text, Markdown, HTML, PubMed XML, MEDLINE/.nbib"
MARKDOWN = {".md", ".markdown", ".mdown", ".mkd"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def load_file(path: Path, name: str | None = None, max_bytes: int | None = None) -> list[Document]:
    """The documents in one file; raises ``LoadError`` naming the file and the reason."""
    name = name or path.name
    try:
        if not path.is_file():
            raise LoadError(name, "not a file")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(name, f"the file is larger than the limit of {round(max_bytes / 1024 / 1024, 2):g} MB")
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(name, f"cannot be read ({error.strerror or error})") from None
    if not data.strip():
        raise LoadError(name, "the file is empty")
    try:
        docs = _dispatch(data, name)
    except LoadError:
        raise
    except (ValueError, RecursionError, MemoryError, LookupError, TypeError, AttributeError, IndexError) as error:
        raise LoadError(name, f"the file could not be read ({type(error).__name__})") from None
    docs = [d for d in docs if any(s.text.strip() for s in d.sections)]
    if not docs:
        raise LoadError(name, "no text found")
    return docs


def _dispatch(data: bytes, name: str) -> list[Document]:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-") or data[:1024].find(b"%PDF-") >= 0:
        from .pdf import load_pdf

        return load_pdf(data, name)
    if is_pubmed_xml(data[:4096]):
        return load_pubmed_xml(data, name)
    text = decode(data, name)
    if is_medline(text):
        return load_medline(text, name)
    suffix = Path(name).suffix.lower()
    lowered = text[:4096].lower().lstrip()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered[:1024] or (
            suffix in (".html", ".htm", ".xhtml") and "<" in lowered):
        from .html import load_html

        return load_html(text, name)
    if suffix in MARKDOWN:
        return [markdown(text, name)]
    return [Document(name, _first_line(text) or name, [Section(tidy(text))])]


def decode(data: bytes, name: str) -> str:
    """Text from bytes: UTF-8 or UTF-16 (by BOM), else the encoding charset-normalizer finds; binary refused."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec), name)
            except UnicodeDecodeError:
                raise LoadError(name, "the text is not valid " + codec.upper()) from None
    if b"\x00" in data[:8192]:
        raise LoadError(name, f"unsupported file type (binary data); supported: {SUPPORTED}")
    try:
        return _check_text(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return _check_text(western, name)
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:1_000_000]))
    if not matches:
        raise LoadError(name, f"unsupported file type (binary data); supported: {SUPPORTED}")
    # Among equally good guesses prefer Western European (cp1252): short samples rarely tell code pages apart
    best = matches[0]
    tied = [m for m in matches if m.chaos <= best.chaos and m.coherence >= best.coherence - 0.01]
    encoding = "cp1252" if any("cp1252" in m.could_be_from_charset for m in tied) else best.encoding
    return _check_text(data.decode(encoding, errors="replace"), name)


def _western(data: bytes) -> str | None:
    """The text as Windows-1252 when that reads as Western European prose: few, Latin-1 accented letters.

    Short samples defeat statistical detectors; Western text in 1252 has most letters ASCII, which Cyrillic or
    Greek code pages decoded as 1252 do not.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if c.isalpha()]
    foreign = [c for c in letters if not c.isascii()]
    return text if letters and len(foreign) <= 0.2 * len(letters) else None


def _check_text(text: str, name: str) -> str:
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > 0.1 * len(sample) or "\x00" in sample:
        raise LoadError(name, f"unsupported file type (binary data); supported: {SUPPORTED}")
    return text


def markdown(text: str, name: str) -> Document:
    """A Markdown document: sections at ATX headings, comments removed, the text otherwise kept as written."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    sections, heading, lines, title = [], None, [], ""
    for line in text.splitlines():
        match = re.match(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match:
            sections.append(Section(tidy("\n".join(lines)), heading=heading))
            heading, lines = match.group(2), []
            title = title or (heading if len(match.group(1)) == 1 else "")
        else:
            lines.append(line)
    sections.append(Section(tidy("\n".join(lines)), heading=heading))
    sections = [s for s in sections if s.text]
    return Document(name, title or _first_line(text) or name, sections)


def tidy(text: str) -> str:
    """Normalize text: NFKC (ligatures), no control characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(" #\t")
        if line:
            return line[:200]
    return ""
