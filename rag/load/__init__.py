"""Reading files into documents: PDF, plain text, Markdown, HTML, PubMed XML and MEDLINE exports.

The format is told by the content, not the name (the name only separates Markdown from plain text). Every
failure, whatever the parser underneath raised, becomes a ``LoadError`` with a one-line reason; a ``TypeError`` or
``AttributeError`` (a bug, not a bad file) is also logged with its traceback. Bytes that could not be decoded are
counted in the document's ``metadata["replaced_characters"]``. Only visible
text is kept: nothing in a document is executed or rendered. One module a format; chunking is not done here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..documents import Document
from ..errors import LoadError
from .files import expand, safe_name
from .html import load_html
from .jats import is_jats, load_jats
from .pdf import load_pdf
from .plaintext import MARKDOWN, SUPPORTED, decode, markdown, plain
from .pubmed import is_medline, is_pubmed_xml, load_medline, load_pubmed_xml

log = logging.getLogger(__name__)
__all__ = ["SUPPORTED", "expand", "load_bytes", "load_file", "read_file", "safe_name"]


def load_file(path: Path, name: str | None = None, max_bytes: int | None = None) -> list[Document]:
    """The documents in one file; raises ``LoadError`` naming the file and the reason."""
    name = name or path.name
    return load_bytes(read_file(path, name, max_bytes), name)


def read_file(path: Path, name: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a file of at most ``max_bytes``; raises ``LoadError`` naming the file and the reason."""
    try:
        if not path.is_file():
            raise LoadError(name, "not a file")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(name, f"the file is larger than the limit of {round(max_bytes / 1024 / 1024, 2):g} MB")
        return path.read_bytes()
    except OSError as error:
        raise LoadError(name, f"cannot be read ({error.strerror or error})") from None


def load_bytes(data: bytes, name: str) -> list[Document]:
    """The documents in the content of a file called ``name`` (read elsewhere: a Ray worker gets the bytes)."""
    if not data.strip():
        raise LoadError(name, "the file is empty")
    try:
        docs = _dispatch(data, name)
    except LoadError:
        raise
    except (ValueError, RecursionError, MemoryError, LookupError, IndexError) as error:
        raise LoadError(name, f"the file could not be read ({type(error).__name__})") from None
    except (TypeError, AttributeError) as error:
        # Not a bad file but a fault in this app or a parser under it: logged with its traceback, and the file is
        # still reported on its own so that the rest of the batch goes in
        log.exception("Bug while reading %s", name)
        raise LoadError(name, f"an error in this app stopped it being read ({type(error).__name__}: {error}); "
                              "the details are in the log") from None
    docs = [d for d in docs if any(s.text.strip() for s in d.sections)]
    if not docs:
        raise LoadError(name, "no text found")
    return docs


def _dispatch(data: bytes, name: str) -> list[Document]:
    """Pick the format from the content: PDF magic, PubMed XML, then decoded text (MEDLINE, HTML, Markdown)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-") or data[:1024].find(b"%PDF-") >= 0:
        return load_pdf(data, name)
    if is_pubmed_xml(data[:4096]):
        return load_pubmed_xml(data, name)
    if is_jats(data[:8192]):
        return load_jats(data, name)
    text, replaced = decode(data, name)
    docs = _text_documents(text, name)
    if replaced:  # said, not hidden: the ingest report warns about it
        for doc in docs:
            doc.metadata["replaced_characters"] = replaced
    return docs


def _text_documents(text: str, name: str) -> list[Document]:
    if is_medline(text):
        return load_medline(text, name)
    if _is_json(text):  # data (an export, a manifest), whose passages would be keys, quotes and brackets
        raise LoadError(name, f"JSON data, not a document; supported: {SUPPORTED}")
    suffix = Path(name).suffix.lower()
    lowered = text[:4096].lower().lstrip()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered[:1024] or (
            suffix in (".html", ".htm", ".xhtml") and "<" in lowered):
        return load_html(text, name)
    if suffix in MARKDOWN:
        return [markdown(text, name)]
    return [plain(text, name)]


def _is_json(text: str) -> bool:
    """Whether ``text`` is JSON or JSON Lines: a JSON object or array whole, or on each of its first lines."""
    stripped = text.lstrip()
    if stripped[:1] not in ("{", "["):
        return False
    try:
        json.loads(stripped)
        return True
    except ValueError:
        lines = [line for line in stripped.splitlines()[:20] if line.strip()]
    try:
        return all(isinstance(json.loads(line), dict | list) for line in lines)
    except ValueError:
        return False
