"""HTML to visible text: scripts, styles, hidden elements and markup dropped; sections at headings.

The text comes out as plain text; nothing of the page is ever run or rendered.
"""

from __future__ import annotations

from .documents import Document, Section
from .loaders import tidy

DROP = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "embed", "canvas", "form"]
BLOCKS = ["p", "div", "li", "tr", "br", "section", "article", "blockquote", "pre", "td", "th", "dd", "dt", "table"]
HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


def load_html(text: str, name: str) -> list[Document]:
    """One document from an HTML page."""
    from bs4 import BeautifulSoup
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(text, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(DROP):
        tag.decompose()
    for tag in soup.find_all(lambda t: t.has_attr("hidden") or t.get("aria-hidden") == "true"
                             or "display:none" in (t.get("style") or "").replace(" ", "")):
        tag.decompose()
    for tag in soup.find_all(BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")

    sections, heading, parts = [], None, []
    for node in soup.find_all(string=True):
        if isinstance(node, (CData, Comment, Declaration, Doctype, ProcessingInstruction)):
            continue
        parent = node.find_parent(HEADINGS)
        if parent is not None:
            if parent.get("data-rag-seen") is None:
                parent["data-rag-seen"] = "1"
                sections.append(Section(tidy("".join(parts)), heading=heading))
                heading, parts = parent.get_text(" ", strip=True), []
                title = title or heading
            continue
        parts.append(str(node))
    sections.append(Section(tidy("".join(parts)), heading=heading))
    sections = [s for s in sections if s.text]
    return [Document(name, title[:200] or name, sections)]
