"""An optional check of a document's reference against Crossref (``RAG_METADATA_LOOKUP=crossref``).

A DOI read from a PDF is checked against the record Crossref holds for it: when the record's title is neither
close to the title read from the document nor printed near the start of its text, the DOI is another paper's (a
cited work, a companion article) and is dropped; when it matches, the fields the PDF did not give (title,
authors, journal, year) are filled from the record. Values the PDF gave are kept.

Records are cached in a folder, so a DOI is asked for once. Any failure (no network, a timeout, a DOI Crossref
does not know, a malformed reply) leaves the document as the loader read it; after a connection failure no
further look-ups are tried in the same run, so an offline ingest does not wait on each file. Nothing here runs
unless the setting asks for it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..documents import Document

CROSSREF = "https://api.crossref.org"
SAME_TITLE = 0.85  # difflib ratio of normalised titles; a subtitle or a case change stays above it
TEXT_HEAD = 4000  # characters of the document's text where the record's title is looked for


class CrossrefLookup:
    """Checks and completes documents' references from Crossref, with a cache folder."""

    def __init__(self, cache: Path, *, base_url: str = CROSSREF, timeout: float = 10.0):
        self.cache, self.base_url, self.timeout = cache, base_url.rstrip("/"), timeout
        self.offline = False  # set by the first connection failure: the rest of the run is not tried

    def check(self, document: Document) -> Document:
        """``document`` with its DOI confirmed and missing fields filled, its DOI dropped as another paper's, or
        unchanged where Crossref could not be asked or does not know the DOI."""
        doi = document.metadata.get("doi", "")
        record = self.record(doi) if doi else None
        if not record:
            return document
        title = _title(record)
        if not title:
            return document
        if not same_paper(title, document):
            metadata = {k: v for k, v in document.metadata.items() if k != "doi"}
            metadata["lookup"] = f"crossref: doi:{doi} is the DOI of “{title[:120]}”, not of this document; dropped"
            document.metadata = metadata
            return document
        filled = {"title": title, "authors": _authors(record), "journal": _first(record.get("container-title")),
                  "year": _year(record)}
        for key, value in filled.items():
            if key == "title":
                if not document.title.strip():
                    document.title = value
            elif value and not document.metadata.get(key):
                document.metadata[key] = value
        document.metadata["lookup"] = "crossref: checked"
        return document

    def record(self, doi: str) -> dict | None:
        """Crossref's record for ``doi`` (the reply's "message"), from the cache or the API; None when it is not
        known there or cannot be had."""
        path = self.cache / (hashlib.sha256(doi.lower().encode()).hexdigest()[:24] + ".json")
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8")).get("message")
            except (OSError, ValueError):
                path.unlink(missing_ok=True)
        if self.offline:
            return None
        url = f"{self.base_url}/works/{urllib.parse.quote(doi, safe='/')}"
        request = urllib.request.Request(url, headers={"User-Agent": "biorag (reference check)",
                                                       "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310 - an http(s) setting
                body = json.loads(reply.read(2_000_000).decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code == 404:  # not a Crossref DOI (DataCite, a typo): known, and remembered
                self._store(path, {"message": None})
            return None
        except (urllib.error.URLError, TimeoutError, OSError):
            self.offline = True
            return None
        except ValueError:
            return None
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            return None
        self._store(path, {"doi": doi, "message": message})
        return message

    def _store(self, path: Path, value: dict) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(value), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a cache that cannot be written only means asking again


def same_paper(title: str, document: Document) -> bool:
    """Whether a record titled ``title`` is ``document``: its title read from the PDF is close, or the record's
    title is printed near the start of the document's text (where the PDF's title could not be read)."""
    want = normalise(title)
    if not want:
        return False
    have = normalise(document.title)
    if have and (difflib.SequenceMatcher(None, want, have).ratio() >= SAME_TITLE or
                 (len(have) > 20 and (have in want or want in have))):
        return True
    return want in normalise(document.text[:TEXT_HEAD])


def normalise(text: str) -> str:
    """Lower-case letters and digits, single spaces: no markup, punctuation or line breaks."""
    text = re.sub(r"<[^>]+>", " ", text or "")
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _title(record: dict) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", _first(record.get("title"))).split())


def _first(values) -> str:
    return values[0].strip() if isinstance(values, list) and values and isinstance(values[0], str) else ""


def _authors(record: dict) -> list[str]:
    names = []
    for person in record.get("author") or []:
        if not isinstance(person, dict):
            continue
        name = " ".join(part for part in (person.get("given", ""), person.get("family", "")) if part) or \
            person.get("name", "")
        if name.strip():
            names.append(" ".join(name.split()))
    return names


def _year(record: dict) -> str:
    for key in ("published-print", "published-online", "issued", "published"):
        parts = (record.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and isinstance(parts[0][0], int):
            return str(parts[0][0])
    return ""
