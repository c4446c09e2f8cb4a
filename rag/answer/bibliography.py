"""The works a conversation cites, as BibTeX and RIS for a reference manager (Zotero, EndNote, Mendeley).

Built from the references answers carry (title, authors, journal, year, DOI, PMID, as the documents gave them);
a work is listed once however often it was cited, and only works an answer cited are listed.
"""

from __future__ import annotations

import re


def cited_works(messages: list[dict]) -> dict[str, dict]:
    """Document name -> reference, for every document whose evidence an answer of ``messages`` cites."""
    works = {}
    for message in messages:
        answer = message.get("answer") or {}
        cited = {c["document"] for c in answer.get("citations") or []}
        works.update({d: r for d, r in (answer.get("references") or {}).items() if d in cited})
    return dict(sorted(works.items()))


def bibtex(works: dict[str, dict]) -> str:
    """One @article entry a work, keyed by first author and year (the document name where there is neither)."""
    entries, keys = [], set()
    for document, ref in works.items():
        authors = _authors(ref)
        base = re.sub(r"\W+", "", (authors[0].split()[0] if authors else document.rsplit(".", 1)[0]))[:30] or "work"
        key = f"{base}{ref.get('year', '')}"
        key = next(k for k in (key, *(f"{key}{c}" for c in "abcdefghijklmnopqrstuvwxyz")) if k not in keys)
        keys.add(key)
        fields = {"title": ref.get("title"), "author": " and ".join(authors), "journal": ref.get("journal"),
                  "year": ref.get("year"), "doi": ref.get("doi"), "pmid": ref.get("pmid"), "note": document}
        body = ",\n".join(f"  {k} = {{{_bib(str(v))}}}" for k, v in fields.items() if v)
        entries.append(f"@article{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


def ris(works: dict[str, dict]) -> str:
    """One RIS record (TY JOUR ... ER) a work."""
    records = []
    for document, ref in works.items():
        lines = ["TY  - JOUR", f"TI  - {ref.get('title') or document}"]
        lines += [f"AU  - {a}" for a in _authors(ref)]
        lines += [f"{tag}  - {ref[k]}" for tag, k in (("JO", "journal"), ("PY", "year"), ("DO", "doi"), ("AN", "pmid"))
                  if ref.get(k)]
        records.append("\n".join([*lines, f"N1  - {document}", "ER  - "]))
    return "\n\n".join(records) + "\n"


def _authors(ref: dict) -> list[str]:
    authors = ref.get("authors") or []
    return [a for a in (authors if isinstance(authors, list) else str(authors).split(";")) if a.strip()]


def _bib(text: str) -> str:
    """Text safe inside a BibTeX brace-delimited value (braces balanced, backslashes and % escaped)."""
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("%", "\\%")
