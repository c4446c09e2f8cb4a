"""Scoring what the PDF reader finds against the ground truth of ``../shared/data/pdfs-wide`` (its manifest).

Shared by ``tests/load/test_pdfs_wide.py`` and ``bench/pdf_metadata.py``, so that the test's bar and the
benchmark's figures are the same measure. Each field of each PDF is correct, empty or wrong, scored as the
set's README suggests: titles after NFKD, case folding and without punctuation or spaces; the DOI exactly; the
year against ``year`` or ``year_alternatives``; the first author's family name case- and accent-insensitively.
Authors are correct when there are as many as the byline names and each has the family name (its last word,
"Jr." and "III" aside) and first initial of the byline's name in the same place. A journal is correct when it is
the manifest's or an abbreviation of it, word by word ("R. Soc. open sci." for "Royal Society Open Science").

The back-matter split is measured on the chunks ingestion keeps (``rag.ingest.ingest.prepare``, back matter
left out as by default): a page of a reference list is "indexed as body" when a kept body chunk lies mostly in
the list's part of it, and a body page (one before ``references_page``, other than the few that hold no body
text: cover sheets, a page of affiliations) is "left out" when no kept body chunk comes from it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rag.documents import SECTION_SEPARATOR

FIELDS = ("title", "doi", "year", "first_author", "authors", "journal")
CORRECT, EMPTY, WRONG = "correct", "empty", "wrong"
# Other titles the manifest's notes call correct: "'title + subtitle' is also a correct answer" (ralph2020)
TITLE_ALTERNATIVES = {"ralph2020_pandemic_programming_emse.pdf": [
    "Pandemic programming: How COVID-19 affects software developers and how their organizations can help"]}
# Where a reference list ends, read from the PDFs by hand (the manifest gives only where it starts): the last
# page of the list when pages of something else follow it (figures, author biographies, referee reports), and
# the text that follows the list on that page, if any. Elsewhere the list runs to the end of the last page.
LIST_ENDS = {
    "loope2014_wasp_paternity_bmcevolbiol.pdf": (22, None),  # figures, tables and additional files follow
    "ralph2020_pandemic_programming_emse.pdf": (29, "Publisher’s note"),  # then author biographies
    "frazier2015_shark_longevity_f1000research.pdf": (6, "Author contributions BF"),  # then referee reports
    "hua2024_copd_socioeconomic_bmcpublichealth.pdf": (10, "Publisher’s Note"),
    "gharibi2024_protein_corona_natcommun.pdf": (9, "Acknowledgements This work"),
    "range2015_dog_human_cooperation_frontpsychol.pdf": (10, "Conflict of Interest Statement"),
    "laddomada2014_wheat_volatiles_metabolites.pdf": (14, "© 2014 by the authors"),
    "poredos2019_district_heating_exergy_entropy.pdf": (14, "© 2019 by the authors"),
    "fritzsch2023_microservices_devops_spe.pdf": (21, "How to cite this article"),
    "wicherts2013_data_sharing_editorial_jopd.pdf": (4, "How to cite this article"),
}
# Pages before the reference list that hold no body text, read by hand: not counted as body pages
NO_BODY = {
    "loope2014_wasp_paternity_bmcevolbiol.pdf": (1,),  # the Provisional PDF's cover sheet
    "firth2012_influenza_frameshifting_openbiol.pdf": (1,),  # HighWire's cover sheet
    "pipins2025_crayfish_conservation_biorxiv.pdf": (1, 2),  # title, short title, key words, authors, affiliations
    "poredos2019_district_heating_exergy_entropy.pdf": (12,),  # declarations, abbreviations, nomenclature
}
HEADING = re.compile(r"\b(?:References(?: and Notes?)?|REFERENCES|Literature Cited|Bibliography)\b")
STOPWORDS = {"and", "of", "the", "in", "on", "for", "&"}
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def manifest(folder: Path) -> list[dict]:
    """The entries of a pdfs-wide manifest."""
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def publisher(entry: dict) -> str:
    """The publisher a PDF is counted under: Springer Nature's imprints together, other parentheses dropped."""
    inner = re.search(r"\((.*)\)", entry["publisher"])
    return "Springer Nature" if inner and inner.group(1) == "Springer Nature" else \
        re.sub(r"\s*\(.*\)", "", entry["publisher"])


def plain(text: str) -> str:
    """Letters and digits only, accents removed, case folded."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.combining(c))


def found_fields(doc) -> dict:
    """title, doi, year, authors and journal of a loaded PDF document; the title is empty when the reader fell
    back to the file name."""
    return {"title": "" if doc.title == doc.source else doc.title,
            **{k: doc.metadata.get(k) for k in ("doi", "year", "authors", "journal")}}


def score(entry: dict, found: dict) -> dict[str, str]:
    """correct, empty or wrong for each of FIELDS."""
    authors = found.get("authors") or []
    return {
        "title": _judge(found.get("title"), lambda t: plain(t) in {plain(x) for x in
                                                                    [entry["title"], *TITLE_ALTERNATIVES.get(
                                                                        entry["file"], [])]}),
        "doi": _judge(found.get("doi"), lambda d: d.lower() == (entry["doi"] or "").lower()),
        "year": _judge(found.get("year"), lambda y: str(y) in {str(entry["year"]),
                                                               *map(str, entry["year_alternatives"])}),
        "first_author": _judge(authors[:1], lambda a: plain(surname(a[0])) == plain(entry["first_author"])),
        "authors": _judge(authors, lambda a: len(a) == len(entry["authors"]) and all(
            _same_person(mine, theirs) for mine, theirs in zip(a, entry["authors"], strict=True))),
        "journal": _judge(found.get("journal"), lambda j: journal_matches(j, entry["journal"])),
    }


def _judge(value, correct) -> str:
    return EMPTY if not value else CORRECT if correct(value) else WRONG


def surname(author: str) -> str:
    """The surname of an author as the reader writes one ("van der Berg JP" -> "van der Berg", "McGreevy TJ Jr" ->
    "McGreevy")."""
    words = author.split()
    if len(words) > 2 and plain(words[-1]) in SUFFIXES:
        words = words[:-1]
    return " ".join(words[:-1]) if len(words) > 1 else author


def _same_person(mine: str, byline: str) -> bool:
    """Whether "Surname Initials" is the byline's "Given Names Surname": last word of the surname, first initial."""
    words = [w for w in byline.split() if plain(w) not in SUFFIXES]
    family = surname(mine).split()
    initials = mine[len(surname(mine)):].split()
    return bool(family and initials) and plain(family[-1]) == plain(words[-1]) and \
        plain(initials[0])[:1] == plain(words[0])[:1]


def journal_matches(found: str, truth: str) -> bool:
    """The journal's name, or an abbreviation of it word by word ("Behav Ecol Sociobiol")."""
    if plain(found) == plain(truth):
        return True
    short = [plain(w) for w in re.split(r"[^\w]+", found) if plain(w)]
    full = [plain(w) for w in re.split(r"[^\w]+", truth) if plain(w) and w.lower() not in STOPWORDS]
    return len(short) == len(full) and all(f.startswith(s) for s, f in zip(short, full, strict=True))


@dataclass
class Split:
    """Pages of one PDF's reference list indexed as body, and body pages left out, with the page numbers."""

    reference_pages: list[int]
    references_as_body: list[int]
    body_pages: list[int]
    body_left_out: list[int]
    body_as_references: list[int]  # body pages with text taken for a reference list (a finer sign of loss)


def back_matter_split(entry: dict, doc, chunks, kept) -> Split:
    """How the chunks of ``doc`` (``chunks``: all of them, ``kept``: those ingestion indexes) split its pages (see
    the module's docstring)."""
    pages = {s.page: s for s in doc.sections}
    offsets, at = {}, 0
    for s in doc.sections:
        offsets[s.page] = at
        at += len(s.text) + len(SECTION_SEPARATOR)
    start = entry["references_page"]
    body = [p for p in range(1, start or entry["pages"] + 1) if p not in NO_BODY.get(entry["file"], ())]
    regions = {}
    if start:
        last, marker = LIST_ENDS.get(entry["file"], (entry["pages"], None))
        for page in range(start, last + 1):
            if page not in pages:
                continue
            text = pages[page].text
            heading = HEADING.search(text) if page == start else None
            a = heading.start() if heading else 0
            b = text.find(marker) if page == last and marker and marker in text else len(text)
            regions[page] = (offsets[page] + a, offsets[page] + b)
    as_body, indexed = set(), set()
    for c in kept:
        if c.kind != "body":
            continue
        indexed.add(c.page)
        if c.page in regions:
            a, b = regions[c.page]
            if max(0, min(b, c.end) - max(a, c.start)) * 2 >= c.end - c.start:
                as_body.add(c.page)
    as_references = {c.page for c in chunks if c.kind == "references" and c.page in body}
    return Split(sorted(regions), sorted(as_body), body, [p for p in body if p not in indexed], sorted(as_references))
