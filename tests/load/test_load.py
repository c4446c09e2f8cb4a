"""Loaders: every format, decoding, and a clear LoadError (never anything else) for bad files."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.errors import LoadError
from rag.load import load_file
from tests.conftest import shared_data
from tests.test_engine import MEDLINE, PUBMED_XML


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_pdf_text_and_pages_contain_every_probe_phrase():
    folder = shared_data("pdfs")
    for entry in json.loads((folder / "manifest.json").read_text()):
        [doc] = load_file(folder / entry["file"])
        pages = [s.page for s in doc.sections]
        assert pages == sorted(pages) and pages[0] >= 1 and pages[-1] <= entry["pages"]
        for phrase in entry["probe_phrases"]:
            wanted = " ".join(phrase.split())
            assert any(wanted in " ".join(s.text.split()) for s in doc.sections), phrase
    [datta] = load_file(folder / "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf")
    assert datta.title.startswith("Complications related to deep venous thrombosis prophylaxis")


def test_pubmed_xml_one_document_per_article(tmp_path):
    docs = load_file(write(tmp_path, "export.xml", PUBMED_XML))
    assert [d.source for d in docs] == ["31415926", "27182818"]
    first = docs[0]
    assert first.title == "Low molecular weight heparin after hip surgery."
    assert first.sections[0].heading == "RESULTS" and "Enoxaparin" in first.sections[0].text
    assert (first.metadata["journal"], first.metadata["year"], first.metadata["pmid"]) == (
        "Journal of Thrombosis", "2019", "31415926")


def test_medline_records(tmp_path):
    docs = load_file(write(tmp_path, "citations.nbib", MEDLINE))
    assert [d.source for d in docs] == ["11235813", "21345589"]
    assert docs[0].sections[0].text.endswith("older than 75 years.")
    assert docs[0].metadata["year"] == "2001" and docs[0].metadata["authors"] == ["Smith J"]
    # Told by content, whatever the name
    assert [d.source for d in load_file(write(tmp_path, "export.txt", MEDLINE))] == ["11235813", "21345589"]


def test_html_keeps_visible_text_only(tmp_path):
    page = """<!DOCTYPE html><html><head><title>Trial report</title><style>p{color:red}</style></head><body>
    <script>alert('x')</script><h1>Background</h1><p>Statins lower <b>LDL</b> cholesterol.</p>
    <div hidden>secret hidden text</div><div style="display: none">also hidden</div>
    <h2>Results</h2><p>Mortality fell &lt;script&gt; by 20%.</p></body></html>"""
    [doc] = load_file(write(tmp_path, "report.html", page))
    assert doc.title == "Trial report"
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Background", "Statins lower LDL cholesterol."), ("Results", "Mortality fell <script> by 20%.")]
    assert "alert" not in doc.text and "secret" not in doc.text and "hidden" not in doc.text


def test_markdown_sections(tmp_path):
    [doc] = load_file(write(tmp_path, "notes.md", "# Heparin notes\n\nIntro.\n\n## Dosing\n\nDaily <!-- x --> dose.\n"))
    assert doc.title == "Heparin notes"
    assert [(s.heading, s.text) for s in doc.sections] == [("Heparin notes", "Intro."), ("Dosing", "Daily  dose.")]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16", "utf-8-sig"])
def test_text_in_other_encodings_is_decoded(tmp_path, encoding):
    text = "Résumé: the patient's naïve T-cells were déjà activated in Zürich."
    [doc] = load_file(write(tmp_path, "notes.txt", text.encode(encoding)))
    assert doc.sections[0].text == text


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "the file is empty"),
    ("blank.md", b"  \n\n ", "the file is empty"),
    ("binary.txt", bytes(range(256)) * 20, "binary data"),
    ("fake.pdf", b"%PDF-1.4\n garbage that is no pdf", "damaged or incomplete"),
    ("bomb.xml", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                 b"<PubmedArticleSet>&b;</PubmedArticleSet>", "entity declarations"),
    ("broken.xml", b"<PubmedArticleSet><PubmedArticle><PMID>1</PMID>", "malformed"),
    ("scripts.html", b"<html><script>alert(1)</script></html>", "no text found"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, name, data, reason):
    with pytest.raises(LoadError, match=reason) as error:
        load_file(write(tmp_path, name, data))
    assert str(error.value).startswith(name + ": ")


def test_truncated_real_pdf_and_size_limit(tmp_path):
    pdf = shared_data("pdfs", "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf").read_bytes()
    with pytest.raises(LoadError, match="damaged or incomplete"):
        load_file(write(tmp_path, "cut.pdf", pdf[:1000]))
    with pytest.raises(LoadError, match="larger than the limit of 0.1 MB"):
        load_file(write(tmp_path, "big.txt", "word " * 30000), max_bytes=int(0.1 * 1024 * 1024))
    with pytest.raises(LoadError, match="not a file"):
        load_file(tmp_path)


FOLDER = Path(tempfile.mkdtemp(prefix="rag-hypothesis-"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".pdf", ".html", ".xml", ".md", ".nbib"]),
       prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"<?xml version='1.0'?><PubmedArticleSet>", b"<html>",
                               b"PMID- 123\nTI  - "]))
def test_arbitrary_bytes_give_documents_or_a_load_error(data, suffix, prefix):
    path = FOLDER / f"sample{suffix}"
    path.write_bytes(prefix + data)
    try:
        docs = load_file(path)
    except LoadError:
        return
    assert docs and all(d.sections and any(s.text.strip() for s in d.sections) for d in docs)


def test_bytes_that_cannot_be_decoded_are_counted_not_hidden(tmp_path):
    # Over 1 MB of Windows-1251 Russian, then a byte that code page does not define: the encoding is found from
    # the first megabyte, and the stray byte becomes U+FFFD, counted in the document's metadata
    text = "Гепарин предотвращает тромбоз глубоких вен у пациентов с травмой. " * 16000
    path = tmp_path / "russian.txt"
    path.write_bytes(text.encode("cp1251") + b" \x98 " + "конец.".encode("cp1251"))
    [doc] = load_file(path)
    assert doc.metadata["replaced_characters"] == 1 and doc.text.endswith("\ufffd конец.")
    clean = tmp_path / "clean.txt"
    clean.write_bytes(text.encode("cp1251"))
    assert "replaced_characters" not in load_file(clean)[0].metadata


def test_a_bug_in_a_parser_is_logged_with_its_traceback_and_reported_for_that_file(tmp_path, monkeypatch, caplog):
    import rag.load as load

    def broken(text, name):
        return None.sections  # an AttributeError: a fault in the code, not in the file

    monkeypatch.setattr(load, "plain", broken)
    path = tmp_path / "note.txt"
    path.write_text("Heparin prevents thrombosis.")
    with pytest.raises(LoadError, match=r"an error in this app stopped it being read \(AttributeError: .*the log"):
        load_file(path)
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "note.txt" in record.getMessage() and record.exc_info[0] is AttributeError


@pytest.mark.parametrize("name, data", [
    ("dev.json", json.dumps({"12345": {"QUESTION": "Does heparin help?", "CONTEXTS": ["It does."]}}, indent=1)),
    ("manifest.json", "[\n {\"file\": \"a.pdf\", \"sha256\": \"00ff\"}\n]\n"),
    ("corpus.jsonl", '{"_id": "1", "title": "Heparin", "text": "It helps."}\n{"_id": "2", "text": "No."}\n'),
    ("notes.txt", '{"a": 1}\n'),  # by content, whatever the name says
])
def test_json_data_is_refused_as_not_a_document(tmp_path, name, data):
    (tmp_path / name).write_text(data)
    with pytest.raises(LoadError, match="JSON data, not a document; supported: PDF"):
        load_file(tmp_path / name)


def test_prose_that_opens_with_a_bracket_is_still_text(tmp_path):
    (tmp_path / "notes.txt").write_text("[1] Heparin after hip surgery.\n{Draft} Trauma patients bleed less with it.\n")
    (doc,) = load_file(tmp_path / "notes.txt")
    assert "Trauma patients bleed less" in doc.text
