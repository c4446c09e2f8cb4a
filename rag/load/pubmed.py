"""PubMed exports: PubmedArticleSet XML and MEDLINE (.nbib) text, one ``Document`` per article.

Each document is named by its PMID and keeps title, journal, year, authors and DOI as metadata. XML with
DOCTYPE or ENTITY declarations is refused (entity expansion is a classic hostile-file attack).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..documents import Document, Section
from ..errors import LoadError


def is_pubmed_xml(head: bytes) -> bool:
    return b"<PubmedArticleSet" in head or b"<PubmedArticle" in head


def is_medline(text: str) -> bool:
    return re.search(r"^PMID- ?\d+", text[:20000], re.M) is not None


def parse_xml(data: bytes, name: str) -> ET.Element:
    """The root of an XML file, refusing entity declarations (entity expansion attacks) and malformed XML."""
    if re.search(rb"<!(DOCTYPE[^>]*\[|ENTITY)", data):
        raise LoadError(name, "XML with entity declarations is not accepted")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise LoadError(name, f"the XML is malformed ({error})") from None


def load_pubmed_xml(data: bytes, name: str) -> list[Document]:
    """One document per PubmedArticle with a PMID."""
    root = parse_xml(data, name)
    docs = []
    for article in root.iter("PubmedArticle"):
        pmid = _text(article.find(".//MedlineCitation/PMID")) or _text(article.find(".//PMID"))
        if not pmid:
            continue
        title = _text(article.find(".//ArticleTitle"))
        sections = [Section(_text(a), heading=a.get("Label")) for a in article.iter("AbstractText") if _text(a)]
        year = _text(article.find(".//PubDate/Year")) or _text(article.find(".//PubDate/MedlineDate"))[:4]
        authors = [f"{_text(a.find('LastName'))} {_text(a.find('Initials'))}".strip()
                   for a in article.iter("Author") if a.find("LastName") is not None]
        # The article's own ids only: PubmedData/ReferenceList holds the ids of the papers it cites
        ids = article.find("PubmedData/ArticleIdList")
        doi = next((_text(i) for i in (ids if ids is not None else []) if i.get("IdType") == "doi"), "")
        doi = doi or _text(article.find(".//Article/ELocationID[@EIdType='doi']"))
        meta = {"pmid": pmid, "journal": _text(article.find(".//Journal/Title")), "year": year, "authors": authors,
                "doi": doi, "file": name}
        docs.append(Document(pmid, title or pmid, sections or [Section(title or pmid)], meta))
    if not docs:
        raise LoadError(name, "the PubMed XML holds no article with a PMID")
    return docs


def load_medline(text: str, name: str) -> list[Document]:
    """One document per MEDLINE record (records separated by blank lines, fields as 'TAG - value')."""
    docs = []
    for record in re.split(r"\n\s*\n(?=\s*PMID-)", text.replace("\r\n", "\n")):
        fields: dict[str, list[str]] = {}
        tag = None
        for line in record.splitlines():
            match = re.match(r"^([A-Z]{2,4})\s*-\s?(.*)$", line)
            if match:
                tag = match.group(1)
                fields.setdefault(tag, []).append(match.group(2).strip())
            elif tag and line.startswith("  "):
                fields[tag][-1] += " " + line.strip()
        pmid = (fields.get("PMID") or [""])[0]
        if not pmid:
            continue
        title = (fields.get("TI") or [pmid])[0]
        abstract = " ".join(fields.get("AB", []))
        doi = next((v.split()[0] for v in fields.get("LID", []) + fields.get("AID", []) if "[doi]" in v), "")
        year = re.search(r"\d{4}", (fields.get("DP") or [""])[0])
        meta = {"pmid": pmid, "journal": (fields.get("JT") or fields.get("TA") or [""])[0],
                "year": year.group() if year else "", "authors": fields.get("AU", []), "doi": doi, "file": name}
        docs.append(Document(pmid, title, [Section(abstract or title)], meta))
    if not docs:
        raise LoadError(name, "the MEDLINE file holds no record with a PMID")
    return docs


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""
