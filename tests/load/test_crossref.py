"""The optional Crossref check of a PDF's reference, against a fake Crossref API on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from rag.load import load_file
from rag.load.crossref import CrossrefLookup, same_paper
from tests.conftest import shared_data

PDF = "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"
OWN_DOI = "10.1186/1752-2897-4-1"
CITED_DOI = "10.1097/00005373-199501000-00021"


class FakeCrossref:
    """``GET /works/<doi>`` answered from a dict of records (a missing DOI is a 404); ``broken`` serves bad JSON."""

    def __init__(self, records: dict[str, dict]):
        self.records, self.requests, self.broken = records, [], False
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                fake.requests.append(self.path)
                doi = self.path.removeprefix("/works/")
                if doi not in fake.records:
                    self.send_error(404)
                    return
                body = b"{not json" if fake.broken else json.dumps(
                    {"status": "ok", "message-type": "work", "message": fake.records[doi]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeCrossref:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def record(title: str, **extra) -> dict:
    return {"title": [title],
            "author": [{"given": "Indraneil", "family": "Datta"}, {"given": "Chad G", "family": "Ball"}],
            "container-title": ["Journal of Trauma Management & Outcomes"],
            "issued": {"date-parts": [[2010, 1, 8]]}, **extra}


@pytest.fixture
def datta():
    """The real PDF as the loader reads it."""
    (document,) = load_file(shared_data("pdfs", PDF))
    assert document.metadata["doi"] == OWN_DOI
    return document


def test_the_papers_own_doi_is_confirmed_and_only_missing_fields_are_filled_once(tmp_path, datta):
    read = dict(datta.metadata)
    datta.metadata.pop("authors", None)
    datta.metadata.pop("journal", None)
    with FakeCrossref({OWN_DOI: record(datta.title)}) as crossref:
        lookup = CrossrefLookup(tmp_path / "cache", base_url=crossref.url)
        checked = lookup.check(datta)
        assert checked.metadata["doi"] == OWN_DOI and checked.metadata["lookup"] == "crossref: checked"
        assert checked.metadata["authors"] == ["Indraneil Datta", "Chad G Ball"]
        assert checked.metadata["journal"] == "Journal of Trauma Management & Outcomes"
        assert checked.metadata["year"] == read["year"]  # the PDF's own value kept
        # Cached: the same DOI again asks nothing, also in a new run
        CrossrefLookup(tmp_path / "cache", base_url=crossref.url).check(datta)
        assert crossref.requests == [f"/works/{OWN_DOI}"]


def test_a_doi_whose_record_is_another_paper_is_dropped_with_the_reason(tmp_path, datta):
    datta.metadata["doi"] = CITED_DOI  # as an older reader took a DOI from the reference list
    other = "Prevention of venous thromboembolism in the trauma patient"
    with FakeCrossref({CITED_DOI: record(other)}) as crossref:
        checked = CrossrefLookup(tmp_path, base_url=crossref.url).check(datta)
    assert "doi" not in checked.metadata
    assert CITED_DOI in checked.metadata["lookup"] and other in checked.metadata["lookup"]
    assert "authors" in checked.metadata  # the rest of what the PDF said stays


def test_a_title_the_pdf_did_not_give_is_taken_when_the_text_prints_it(tmp_path, datta):
    real = datta.title
    datta.title = ""
    with FakeCrossref({OWN_DOI: record(real)}) as crossref:
        checked = CrossrefLookup(tmp_path, base_url=crossref.url).check(datta)
    assert checked.title == real and checked.metadata["doi"] == OWN_DOI


def test_unknown_malformed_and_unreachable_leave_the_document_as_read(tmp_path, datta):
    before = (datta.title, dict(datta.metadata))
    with FakeCrossref({}) as crossref:  # Crossref does not know it: remembered
        lookup = CrossrefLookup(tmp_path / "a", base_url=crossref.url)
        assert (lookup.check(datta).title, datta.metadata) == before
        lookup.check(datta)
        assert len(crossref.requests) == 1
    with FakeCrossref({OWN_DOI: record(datta.title)}) as crossref:
        crossref.broken = True
        assert CrossrefLookup(tmp_path / "b", base_url=crossref.url).check(datta).metadata == before[1]
        url = crossref.url
    # Nothing listens there any more: the first failure stops the run's look-ups, the document is unchanged
    lookup = CrossrefLookup(tmp_path / "c", base_url=url, timeout=2)
    assert lookup.check(datta).metadata == before[1] and lookup.offline
    assert not list((tmp_path / "c").glob("*"))


def test_same_paper_allows_case_markup_and_subtitles_not_another_title(datta):
    assert same_paper(datta.title.upper(), datta)
    assert same_paper(f"<i>{datta.title}</i>: a systematic review", datta)
    assert not same_paper("Low molecular weight heparin after hip replacement", datta)
