"""What a PDF says of itself in its XMP metadata: the article's DOI (``prism:doi``), title (``dc:title``), authors
(``dc:creator``) and journal (``prism:publicationName``), where the publisher wrote them.

Only the document's own packet counts: the one its catalog names as ``/Metadata``. A PDF holds others, in its
figures and logos ("CrossMark_Color", "Print") and even in other articles' first pages that a publisher set in
as advertisements (a PLOS ONE PDF carries two other PLOS articles' DOIs and titles), so a search of the bytes for
any packet would read the wrong paper. pdfium gives no access to the catalog, so it is found here in the file's
bytes, also inside compressed object streams. Whether the values agree with the page is for ``pdfmeta`` to judge.
"""

from __future__ import annotations

import html
import re
import zlib

CATALOG = re.compile(rb"/Type\s*/Catalog\b")
METADATA_REF = re.compile(rb"/Metadata\s+(\d+)\s+(\d+)\s+R")
OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
MAX_STREAM = 4 * 1024 * 1024  # a metadata packet is a few kB; a larger "stream" is not one


def xmp(data: bytes) -> dict:
    """{"doi", "title", "authors", "journal"} from the document's XMP packet, each key only where it is given."""
    packet = document_packet(data)
    if not packet:
        return {}
    text = packet.decode("utf-8", "replace")
    found = {}
    if doi := _simple(text, "prism:doi"):
        found["doi"] = doi
    if title := (_items(text, "dc:title") or [""])[0]:
        found["title"] = title
    if authors := _items(text, "dc:creator"):
        found["authors"] = authors
    if journal := _simple(text, "prism:publicationName"):
        found["journal"] = journal
    return found


def document_packet(data: bytes) -> bytes:
    """The bytes of the XMP stream the document catalog names; b"" when there is none or it cannot be read."""
    ref = _catalog_metadata(data)
    if ref is None:
        return b""
    found = list(re.finditer(rb"(?<![\d])" + ref[0] + rb"\s+" + ref[1] + rb"\s+obj\b", data))
    if not found:
        return b""
    start = found[-1].end()  # an updated file repeats an object: the last one counts
    head = data.find(b"stream", start)
    end = data.find(b"endstream", head)
    if head < 0 or end < 0 or end - head > MAX_STREAM:
        return b""
    body = data[head + len(b"stream"):end].lstrip(b"\r\n")
    if b"FlateDecode" in data[start:head]:
        try:
            body = zlib.decompressobj().decompress(body)
        except zlib.error:
            return b""
    return body


def _catalog_metadata(data: bytes) -> tuple[bytes, bytes] | None:
    """(object number, generation) of the catalog's /Metadata: in the file's text, else in an object stream."""
    for text in (data, *_object_streams(data)):
        refs = [ref for match in CATALOG.finditer(text)
                if (ref := METADATA_REF.search(_dictionary_around(text, match.start())))]
        if refs:
            return refs[-1].group(1), refs[-1].group(2)
    return None


def _dictionary_around(text: bytes, at: int) -> bytes:
    """The ``<< ... >>`` dictionary that holds offset ``at`` (its outer level)."""
    depth, start = 0, at
    while start > 0 and start > at - 20000:
        start -= 1
        pair = text[start:start + 2]
        if pair == b">>":
            depth += 1
        elif pair == b"<<":
            if depth == 0:
                break
            depth -= 1
    depth, end = 0, start
    while end < len(text) and end < start + 20000:
        pair = text[end:end + 2]
        if pair == b"<<":
            depth, end = depth + 1, end + 2
        elif pair == b">>":
            depth, end = depth - 1, end + 2
            if depth == 0:
                break
        else:
            end += 1
    return text[start:end]


def _object_streams(data: bytes):
    """The decompressed content of each compressed object stream (PDF 1.5), where a catalog may be kept."""
    for match in OBJECT_STREAM.finditer(data):
        head = data.find(b"stream", match.end())
        end = data.find(b"endstream", head)
        if head < 0 or end < 0 or end - head > MAX_STREAM:
            continue
        try:
            yield zlib.decompressobj().decompress(data[head + len(b"stream"):end].lstrip(b"\r\n"))
        except zlib.error:
            continue


def _simple(text: str, tag: str) -> str:
    """A property given as an element (<prism:doi>x</prism:doi>) or as an attribute (prism:doi="x")."""
    match = re.search(rf"<{tag}>([^<]*)</{tag}>|\b{tag}=\"([^\"]*)\"", text)
    return _clean(match.group(1) or match.group(2)) if match else ""


def _items(text: str, tag: str) -> list[str]:
    """The items of an rdf:Alt, rdf:Seq or rdf:Bag property, non-empty ones only."""
    match = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    if not match:
        return []
    return [item for item in (_clean(x) for x in re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", match.group(1), re.S))
            if item]


def _clean(value: str) -> str:
    return " ".join(html.unescape(value).split())
