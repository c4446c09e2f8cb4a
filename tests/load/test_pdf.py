"""PDFs: one section per page numbered from 1, layout line breaks undone, bad PDFs refused with a reason."""

import io

import pytest

from rag.errors import LoadError
from rag.load import load_file
from rag.load.pdf import clean_page
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf"


def pdf(*pages: list[str], title: str | None = None) -> bytes:
    """A PDF whose pages hold the given lines of Helvetica text (a page without lines is blank)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        shown = " ".join(f"({line}) Tj T*" for line in lines)
        content = f"BT /F1 11 Tf 14 TL 72 720 Td {shown} ET"
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({title}) >>")
        info = f"/Info {len(objects)} 0 R"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += (f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n{table}"
            f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {info} >>\nstartxref\n{len(out)}\n%%EOF\n").encode()
    return out


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


def test_title_from_metadata_else_from_the_first_line(tmp_path):
    body = ["Dabigatran in atrial fibrillation", "A randomised trial."]
    assert load(tmp_path, pdf(body, title="Dabigatran versus warfarin: the RE-LY trial"))[0].title == (
        "Dabigatran versus warfarin: the RE-LY trial")
    assert load(tmp_path, pdf(body, title="Microsoft Word - rely final.docx"))[0].title.startswith("Dabigatran in")
    assert load(tmp_path, pdf(body, title="untitled"))[0].title.startswith("Dabigatran in atrial fibrillation")


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
