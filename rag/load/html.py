"""HTML to visible text: scripts, styles, hidden elements and markup dropped; sections at headings.

The text comes out as plain text; nothing of the page is ever run or rendered. The tree is walked once,
without recursion or edits inside it, so deeply nested or huge pages cost linear time.
"""

from __future__ import annotations

from ..documents import Document, Section
from ..errors import LoadError
from ..text import tidy

DROP = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "embed", "canvas", "form"]
BLOCKS = {"p", "div", "li", "tr", "br", "section", "article", "blockquote", "pre", "td", "th", "dd", "dt", "table",
          "ul", "ol", "header", "footer", "main", "aside", "nav", "figure", "figcaption", "hr"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def load_html(text: str, name: str) -> list[Document]:
    """One document from an HTML page."""
    from bs4 import BeautifulSoup, NavigableString, ParserRejectedMarkup, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    try:
        soup = BeautifulSoup(text, "html.parser")
    except ParserRejectedMarkup:  # markup Python's parser gives up on ("<html><![\x01")
        raise LoadError(name, "the HTML could not be parsed") from None
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    hidden = [t for t in soup.find_all(True) if t.name in DROP or t.has_attr("hidden")
              or t.get("aria-hidden") == "true" or "display:none" in (t.get("style") or "").replace(" ", "")]
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()

    sections, heading, parts, skip = [], None, [], set()
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in HEADINGS:
                sections.append(Section(tidy("".join(parts)), heading=heading))
                heading, parts = " ".join(node.get_text(" ").split()), []
                skip.update(id(s) for s in node.find_all(string=True))
                title = title or heading
            elif node.name in BLOCKS:
                parts.append("\n")
        elif isinstance(node, NavigableString) and id(node) not in skip and not isinstance(
                node, (CData, Comment, Declaration, Doctype, ProcessingInstruction)):
            parts.append(str(node))
    sections.append(Section(tidy("".join(parts)), heading=heading))
    sections = [s for s in sections if s.text]
    return [Document(name, title[:200] or name, sections)]
