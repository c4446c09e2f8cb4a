"""The article's own DOI, told from the other DOIs a PDF prints: those of cited papers, data sets, versions.

A link to the wrong paper is worse than none, so a DOI counts only where the page vouches for it, and the choice
is left empty when two candidates tie. Candidates are the DOIs of page 1 (page 2 when page 1 has none: a cover
sheet, as in firth2012) outside its reference list, and the DOI in the metadata when the text prints it too. Each
occurrence earns points for what surrounds it:
- the article's own citation: "Cite this article", "Citation:", "How to cite", "ACM Reference Format", a
  preprint server's stamp (3);
- a "doi:" or "DOI" label or a doi.org link (1), a place at the page's top or bottom edge (1);
- nothing at all when a data statement surrounds it ("available in the DOI 10.5281/zenodo..." in mtega2025);
and the DOI itself earns 4 when the XMP metadata (``prism:doi``) names it, 3 when the document information does
(Springer's Subject "Nature Communications, doi:10.1038/..."), and 2 when it runs along the edge of two or more
pages (a running header or footer). A DOI cut at a line break after ".", "/" or "-" is joined to the next line
("https://doi.org/10.1371/journal." + "pone.0323994", mtega2025); what is left ending that way is dropped.
"""

from __future__ import annotations

import re

DOI = re.compile(r"10\.\d{4,9}/(?:[^\s\"<>,;]|;(?=\S))+", re.I)
LABEL = re.compile(r"(?:\bdoi\s*:?|doi\.org/|\bDOI)\s*$", re.I)
OWN = re.compile(r"\bcite this article|\bcitation\s*:|\bhow to cite\b|\breference format\b|\bpreprint doi\b", re.I)
DATA = re.compile(r"\b(?:available|deposited|archived|datasets?|repository|zenodo|figshare|dryad|supplementary)\b",
                  re.I)
REFERENCES = re.compile(r"^\W*(?:references|bibliography|literature cited|works cited)\b", re.I | re.M)
# PLOS numbers each figure, table and supplement with the article's DOI and a suffix (stinson2006: ".g001")
PART = re.compile(r"\.[gtse]\d{3,4}$")
EDGE = 3  # lines at a page's top and bottom that count as its edge (running headers, footers)


def article_doi(pages: dict[int, str], info: dict, xmp: dict) -> str:
    """The DOI of the article whose pages (number -> text as pdfium gives it, line breaks kept) these are; ``info``
    is the document information dictionary, ``xmp`` what ``pdfxmp.xmp`` read. "" when nothing vouches for one."""
    if not pages:
        return ""
    first = min(pages)
    scores: dict[str, float] = {}
    for number in (first, first + 1):
        for doi, points in occurrences(pages.get(number, "")):
            scores[doi] = scores.get(doi, 0) + points
        if scores:
            break
    if not scores and len(pages) > 1:
        for doi, points in cited_on_last_page(pages[max(pages)]):
            scores[doi] = scores.get(doi, 0) + points
    printed = re.sub(r"\s+", "", "".join(pages.values())).lower()
    for doi, points in ((xmp.get("doi", ""), 4), *((d, 3) for d in _info_dois(info))):
        doi = _trim(doi)
        if doi and doi.lower() in printed:
            key = next((k for k in scores if k.lower() == doi.lower()), doi)
            scores[key] = scores.get(key, 0) + points
    edges = [re.sub(r"\s+", "", " ".join(lines[:EDGE] + lines[-EDGE:])).lower()
             for lines in ([x for x in text.splitlines() if x.strip()] for text in pages.values())]
    for doi in scores:
        if sum(doi.lower() in edge for edge in edges) >= 2:
            scores[doi] += 2
    ranked = sorted(merge(scores).items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < 1 or len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return ""
    return ranked[0][0]


def occurrences(text: str) -> list[tuple[str, float]]:
    """(DOI, points) for each DOI a page prints before its reference list (see the module's docstring)."""
    heading = REFERENCES.search(text)
    text = text[:heading.start()] if heading else text
    lines = [line for line in text.splitlines() if line.strip()]
    edge = "\n".join(lines[:EDGE] + lines[-EDGE:])
    found, previous = [], 0
    for match in DOI.finditer(text):
        doi, end = match.group(), match.end()
        before, previous = text[max(previous, match.start() - 500):match.start()], end  # back to the last DOI
        if doi[-1] in "./-_" and re.match(r"[ \t]*\r?\n", text[end:]):  # cut at a line break: joined, or dropped
            tail = re.match(r"\s*([a-z0-9][\w./()-]*)", text[end:])
            if not tail or not re.search(r"\d", tail.group(1)):
                continue
            doi += tail.group(1)
        doi = _trim(doi)
        if not doi or doi[-1] in "./-_" or DATA.search(before[-80:]):
            continue
        points = 3.0 if OWN.search(before) else 0.0
        points += 1 if LABEL.search(before[-20:]) else 0
        points += 1 if match.group() in edge else 0
        found.append((doi, points))
    return found


def cited_on_last_page(text: str) -> list[tuple[str, float]]:
    """(DOI, 3) for a DOI beside the article's own citation at the end of its last page, where BioMed Central puts
    both ("doi:10.1186/1472-6963-14-1" / "Cite this article as: ... BMC Health Services Research 2014 14:1",
    agyemanduah2014 of the shared PDFs). A reference list ends just before, so the DOI must sit within two lines
    of the citation and carry the volume and number the citation gives (BioMed Central's DOIs do); the DOI of
    the last reference does not ("10.1186/1471-2393-10-76" beside a citation of "BMC Medicine 2010, 8:56")."""
    own = OWN.search(text)
    if not own:
        return []
    lines = text[:own.start()].splitlines()
    near = "\n".join([*lines[-2:], text[own.start():own.start() + 400]])
    numbers = re.findall(r"\b(\d{1,4})\s*[:,]\s*e?(\d{1,7})\b", text[own.start():own.start() + 400])
    found = []
    for match in DOI.finditer(near):
        doi = _trim(match.group())
        parts = re.findall(r"\d+", doi.split("/", 1)[-1])
        if any(volume in parts and number in parts for volume, number in numbers):
            found.append((doi, 3.0))
    return found


def merge(scores: dict[str, float]) -> dict[str, float]:
    """Scores with the versions of one DOI joined under the latest (F1000Research prints ".4767.1" and ".4767.2",
    frazier2015) and the DOIs of an article's figures and tables joined under the article's."""
    merged: dict[str, float] = {}
    for doi in sorted(scores, key=lambda d: (_stem(d), _version(d))):
        same = next((k for k in merged if _stem(k) == _stem(doi) and _version(k) >= 0 <= _version(doi)
                     or PART.sub("", doi).lower() == k.lower()), None)
        if same is None:
            merged[doi] = scores[doi]
        elif PART.sub("", doi).lower() == same.lower():
            merged[same] += scores[doi]
        else:
            merged[doi] = merged.pop(same) + scores[doi]
    return merged


def _stem(doi: str) -> str:
    return re.sub(r"\.\d{1,2}$", "", doi.lower())


def _version(doi: str) -> int:
    """The version number a DOI ends with ("f1000research.4767.2" -> 2), -1 when it names none."""
    match = re.search(r"\.(\d{1,2})$", doi)
    return int(match.group(1)) if match and re.search(r"\.\d{3,}\.\d{1,2}$", doi) else -1


def _trim(doi: str) -> str:
    """A DOI without the punctuation that ends the sentence or bracket around it."""
    doi = doi.strip()
    while doi and (doi[-1] in ".,;:'\"]}" or doi[-1] == ")" and doi.count("(") < doi.count(")")):
        doi = doi[:-1]
    return doi


def _info_dois(info: dict) -> list[str]:
    """DOIs the document information names ("Nature Communications, doi:10.1038/s41467-023-44678-x")."""
    return [match.group() for key in ("Subject", "Keywords") for match in DOI.finditer(info.get(key) or "")]
