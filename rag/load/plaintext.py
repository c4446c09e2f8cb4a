"""Plain text and Markdown: decoding bytes to text (UTF-8, UTF-16, or a detected code page) and Markdown sections.

Binary data is refused with the list of supported formats. Markdown is split at its ATX headings; plain text
is one section. Nothing is rendered.
"""

from __future__ import annotations

import codecs
import re

from ..documents import Document, Section
from ..errors import LoadError
from ..text import CONTROL, tidy

SUPPORTED = "PDF, plain text, Markdown, HTML, PubMed XML, MEDLINE/.nbib, JATS XML"
MARKDOWN = {".md", ".markdown", ".mdown", ".mkd"}
SAMPLE = 1_000_000  # bytes the code page is detected from (the rest is decoded in it, bytes it lacks replaced)


def plain(text: str, name: str) -> Document:
    """A plain-text document: one section, titled by its first line."""
    return Document(name, first_line(text) or name, [Section(tidy(text))])


def decode(data: bytes, name: str) -> tuple[str, int]:
    """Text from bytes: UTF-8 or UTF-16 (by BOM), else the encoding charset-normalizer finds; binary refused.

    Returns the text and how many bytes could not be decoded in the encoding found (each replaced by U+FFFD).
    """
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec), name), 0
            except UnicodeDecodeError:
                raise LoadError(name, "the text is not valid " + codec.upper()) from None
    if b"\x00" in data[:8192]:
        raise LoadError(name, f"unsupported file type (binary data); supported: {SUPPORTED}")
    try:
        return _check_text(data.decode("utf-8"), name), 0
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return _check_text(western, name), 0
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:SAMPLE]))
    if not matches:
        raise LoadError(name, f"unsupported file type (binary data); supported: {SUPPORTED}")
    # Among equally good guesses prefer Western European (cp1252): short samples rarely tell code pages apart
    best = matches[0]
    tied = [m for m in matches if m.chaos <= best.chaos and m.coherence >= best.coherence - 0.01]
    encoding = "cp1252" if any("cp1252" in m.could_be_from_charset for m in tied) else best.encoding
    text = data.decode(encoding, errors="replace")
    # Decoding a lone byte may yield U+FFFD; the count leaves out any the text held already (none in code pages)
    replaced = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    return _check_text(text, name), replaced


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
    if sample and len(CONTROL.findall(sample)) > 0.1 * len(sample) or "\x00" in sample:
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
    return Document(name, title or first_line(text) or name, sections)


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(" #\t")
        if line:
            return line[:200]
    return ""
