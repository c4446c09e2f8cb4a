"""PDFs: one section per page numbered from 1, layout line breaks undone, bad PDFs refused with a reason."""

import io

import pytest

from rag.errors import LoadError
from rag.load import load_file
from rag.load.pdf import clean_page, load_pdf
from tests import pdfs
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"


def pdf(*pages: list[str], title: str | None = None) -> bytes:
    """A PDF whose pages hold the given lines of 11-point Helvetica text (a page without lines is blank)."""
    info = None if title is None else {"Title": title}
    return pdfs.paper(*[[(line, 11) for line in lines] for lines in pages], info=info)


def load(tmp_path, data: bytes, name: str = "paper.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return load_file(path)


def test_pages_are_numbered_from_one_and_blank_pages_are_skipped(tmp_path):
    [doc] = load(tmp_path, pdf(["Heparin prevents clots."], [], ["Warfarin needs monitoring."]))
    assert [(s.page, s.text) for s in doc.sections] == [(1, "Heparin prevents clots."),
                                                        (3, "Warfarin needs monitoring.")]


def test_layout_line_breaks_are_undone(tmp_path):
    lines = ["Patients received anticoagu-", "lation therapy for six", "weeks after low-molecular-weight heparin."]
    [doc] = load(tmp_path, pdf(lines))
    assert doc.sections[0].text == ("Patients received anticoagulation therapy for six weeks after "
                                    "low-molecular-weight heparin.")


def test_plain_hyphens_soft_hyphens_and_paragraph_breaks_from_other_pdf_producers():
    raw = "Patients got anticoagu-\r\nlation and re\u00adcov\u00ad\r\nered.\r\n\r\nA new para-\r\nGraph  here\r\nends."
    assert clean_page(raw) == "Patients got anticoagulation and recovered.\n\nA new para- Graph here ends."


def test_a_plus_sign_that_a_math_font_maps_to_thorn_is_read_as_plus_and_icelandic_words_keep_theirs():
    raw = "the þ1 frame (þ1), CD8þ cells, AþV and þ5 amino acids; þú, það and þrír are words"
    assert clean_page(raw) == "the +1 frame (+1), CD8+ cells, A+V and +5 amino acids; þú, það and þrír are words"


def test_title_from_the_largest_type_else_from_metadata_the_page_prints(tmp_path):
    body = ["Dabigatran versus warfarin: the RE-LY trial", "A randomised trial of anticoagulation."]
    # Set in the text's own size: the metadata title counts, because the page prints it
    assert load(tmp_path, pdf(body, title="Dabigatran versus warfarin: the RE-LY trial"))[0].title == (
        "Dabigatran versus warfarin: the RE-LY trial")
    # A metadata title the page does not print (a draft's), a file name, or none: the file's name, not a guess
    # such as the first line (a running header, as often as a title)
    for title in ("Dabigatran and warfarin in 2009: a draft", "Microsoft Word - rely final.docx", "untitled"):
        assert load(tmp_path, pdf(body, title=title))[0].title == "paper.pdf"
    # A larger type is the title, whatever the metadata says
    data = pdfs.paper([("Dabigatran versus warfarin", 18), *body], info={"Title": "untitled"})
    assert load(tmp_path, data)[0].title == "Dabigatran versus warfarin"


def test_the_sample_paper_reads_page_by_page():
    [doc] = load_file(SAMPLE)
    pages = [s.page for s in doc.sections]
    assert pages[0] == 1 and pages == sorted(set(pages)) and len(pages) >= 3
    assert doc.title.startswith("Complications related to deep venous thrombosis prophylaxis")
    assert "\ufffe" not in doc.text and "\x00" not in doc.text
    assert all("\n" not in line for s in doc.sections for line in s.text.split("\n\n"))


def encrypted(password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(["Confidential trial data."]))))
    writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("make,reason", [
    (lambda: encrypted("secret"), "the PDF is encrypted (password protected)"),
    (lambda: SAMPLE.read_bytes()[:30000], "the PDF is damaged or incomplete"),
    (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "the PDF is damaged or incomplete"),
    (lambda: pdf([], []), "no text could be extracted (a scanned or image-only PDF? OCR is not supported)"),
])
def test_bad_pdfs_are_refused_with_a_readable_reason(tmp_path, make, reason):
    with pytest.raises(LoadError) as error:
        load(tmp_path, make(), "bad.pdf")
    assert error.value.reason == reason
    assert str(error.value) == f"bad.pdf: {reason}"


def test_a_pdf_encrypted_with_an_empty_password_still_opens(tmp_path):
    [doc] = load(tmp_path, encrypted(""))
    assert doc.sections[0].text == "Confidential trial data."


GARBLED = "\xbb\xc9\xbb\xb7\xc8\xb9\xbe \xbc\xbd\xbe\xc8\xc9\xbb\xb7 \xa7\xa8\xa9\xaa"  # pdfium: "»É»•¨„¾ …‰¾¨É»•"


def test_a_broken_text_layer_is_left_out_and_its_pages_named():
    from rag.answer.present import left_out

    data = pdf(["Heparin prevents deep venous thrombosis in trauma patients.", GARBLED],  # a garbled header line
               [GARBLED] * 4,  # a page with no readable line
               ["Enoxaparin was more effective than low-dose heparin."])
    [doc] = load_pdf(data, "broken.pdf")
    assert [s.page for s in doc.sections] == [1, 3] and doc.metadata["unreadable_pages"] == [2]
    assert doc.sections[0].text == "Heparin prevents deep venous thrombosis in trauma patients."
    assert left_out({"left_out": {}, "metadata": doc.metadata}) == "; page 2 unreadable (broken text layer)"
    with pytest.raises(LoadError, match="its text layer cannot be read .a broken font encoding"):
        load_pdf(pdf([GARBLED] * 3, [GARBLED] * 3), "all-broken.pdf")


def test_text_in_other_scripts_and_symbols_is_readable():
    from rag.load.pdf import readable

    for line in ("Η ηπαρίνη προλαμβάνει τη θρόμβωση.", "Гепарин предотвращает тромбоз.", "肝素预防血栓形成。",
                 "p < 0.05; 12.4 ± 3.1 mg/kg (n = 40) • 95% CI", "ʸʷʷʷ»É»·È¹¾"):
        assert (readable(line) >= 0.6) == (line != "ʸʷʷʷ»É»·È¹¾"), line


@pytest.mark.slow
def test_ingest_warns_of_unreadable_pages_and_the_documents_list_names_them(tmp_path):
    from rag.engine import Engine
    from rag.settings import Settings

    (tmp_path / "broken.pdf").write_bytes(pdf(["Heparin prevents deep venous thrombosis in trauma patients."],
                                              [GARBLED] * 4, [GARBLED] * 4))
    engine = Engine(Settings.from_env())
    report = engine.ingest("c", [tmp_path / "broken.pdf"])
    assert report.added == [("broken.pdf", 1)]
    assert report.warnings == [("broken.pdf", "page(s) 2, 3 could not be read (a broken text layer) and were left out")]
    [doc] = engine.collection("c").documents.values()
    assert doc["metadata"]["unreadable_pages"] == [2, 3]


def test_title_and_doi_of_each_shared_paper_are_its_own():
    """Titles from the largest type on page 1 (not the running header), DOIs as printed, against the manifest."""
    import json

    from tests.conftest import shared_data

    folder = shared_data("pdfs")
    for paper in json.loads((folder / "manifest.json").read_text()):
        [doc] = load_pdf((folder / paper["file"]).read_bytes(), paper["file"])
        assert " ".join(doc.title.split()) == paper["title"], paper["file"]
        assert doc.metadata["doi"].lower() == paper["doi"].lower(), paper["file"]
