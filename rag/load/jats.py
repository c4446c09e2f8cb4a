"""Full-text article XML as scientists download it: JATS (PubMed Central's .nxml, most publishers' <article> XML).

Read by structure, not as text with tags: the front matter becomes the document's reference (title, DOI, PMID,
PMCID, journal, year, authors); the abstract and each body section become sections with their headings (a
subsection's heading names its parent too); figure and table captions become sections of their own; the back
matter (reference list, acknowledgements, footnotes) is left out of retrieval. A DOCTYPE naming the JATS DTD is
fine (the DTD is never fetched); an internal subset or ENTITY declaration is refused, as for PubMed XML.
"""

from __future__ import annotations

import re

from ..documents import Document, Section
from ..errors import LoadError
from .pubmed import parse_xml

CAPTIONED = ("fig", "table-wrap", "boxed-text")
BLOCKS = ("p", "title", "label", "caption", "sec", "list", "list-item", "def", "term", "disp-quote", "td", "th")


def is_jats(head: bytes) -> bool:
    """An <article> document with JATS front matter (or a JATS DOCTYPE)."""
    return bool(re.search(rb"<article[\s>]", head)) and any(m in head for m in (b"JATS", b"<front", b"article-meta"))


def load_jats(data: bytes, name: str) -> list[Document]:
    root = parse_xml(data, name)
    article = root if _local(root.tag) == "article" else next((e for e in root.iter() if _local(e.tag) == "article"),
                                                              None)
    if article is None:
        raise LoadError(name, "the XML holds no <article>")
    meta = _find(article, "front", "article-meta")
    title = _text(_find(meta, "title-group", "article-title")) if meta is not None else ""
    sections = []
    abstract = _find(meta, "abstract") if meta is not None else None
    if abstract is not None:
        sections += _sections(abstract, "Abstract")
    body = _find(article, "body")
    if body is not None:
        sections += _sections(body, "")
        sections += [Section(text, heading=label) for label, text in _captions(body)]
    if not sections:
        raise LoadError(name, "the article XML has no abstract or body text")
    return [Document(name, title or name, sections, _reference(article, meta))]


def _sections(element, heading: str) -> list[Section]:
    """The paragraphs directly under ``element`` as one section, then each <sec> below it, depth first."""
    found = []
    paragraphs = [_text(child) for child in element if _local(child.tag) == "p"]
    if any(paragraphs):
        found.append(Section("\n\n".join(p for p in paragraphs if p), heading=heading or None))
    for child in element:
        if _local(child.tag) == "sec":
            title = _text(_find(child, "title"))
            found += _sections(child, " / ".join(h for h in (heading, title) if h))
    return found


def _captions(body) -> list[tuple[str, str]]:
    """(label, caption text) of each figure, table and box in the body."""
    found = []
    for element in body.iter():
        if _local(element.tag) in CAPTIONED:
            caption = _find(element, "caption")
            text = _text(caption) if caption is not None else ""
            if text:
                found.append((_text(_find(element, "label")) or _local(element.tag).replace("-wrap", ""), text))
    return found


def _reference(article, meta) -> dict:
    found: dict = {}
    if meta is None:
        return found
    ids = {e.get("pub-id-type"): _text(e) for e in meta if _local(e.tag) == "article-id"}
    for key, kinds in (("doi", ("doi",)), ("pmid", ("pmid",)), ("pmcid", ("pmc", "pmcid"))):
        if value := next((ids[k] for k in kinds if ids.get(k)), ""):
            found[key] = f"PMC{value}" if key == "pmcid" and value.isdigit() else value
    journal = next((e for e in article.iter() if _local(e.tag) == "journal-title"), None)
    year = next((e for e in meta.iter() if _local(e.tag) == "year"), None)
    authors = []
    for contrib in meta.iter():
        if _local(contrib.tag) == "contrib" and contrib.get("contrib-type", "author") == "author":
            surname, given = _text(_deep(contrib, "surname")), _text(_deep(contrib, "given-names"))
            if surname:
                authors.append(f"{surname} {''.join(w[0] for w in given.replace('-', ' ').split())}".strip())
    found.update({k: v for k, v in (("journal", _text(journal)), ("year", _text(year)), ("authors", authors)) if v})
    return found


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(element, *path: str):
    """The first descendant along ``path`` of direct children (namespaces ignored), or None."""
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _deep(element, name: str):
    return next((e for e in element.iter() if _local(e.tag) == name), None)


def _text(element) -> str:
    """The element's text, tags dropped, whitespace collapsed; nested figures and tables left to ``_captions``."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag not in CAPTIONED:  # a block (a caption's title and paragraph) is a separate run of words
            parts.append(f" {_text(child)} " if tag in BLOCKS else _text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())
