"""PDFs from many publishers: the reference the reader finds on ../shared/data/pdfs-wide (25 PDFs, 12 publishers)
meets issue 28's targets, no DOI is wrong, reference lists are not indexed as body, and the five shared PDFs the
reader was first written for keep the values they had."""

from functools import cache

import pytest

from rag.chunk import ChunkSettings, chunk_document
from rag.ingest.ingest import chunks_to_index
from rag.load.pdf import load_pdf
from tests.conftest import shared_data
from tests.fakes import WordTokenizer
from tests.load.pdf_truth import CORRECT, FIELDS, WRONG, back_matter_split, found_fields, manifest, score

# Issue 28: the least share of the wide set each field must get right (the others: what bench/pdf_metadata.py
# reports). Wrong DOIs must be none: a link to the wrong paper is worse than none.
TARGETS = {"doi": 0.9, "title": 0.9, "year": 0.9, "first_author": 0.8}


@cache
def wide() -> list[tuple[dict, object]]:
    """(manifest entry, loaded document) of each PDF of the wide set."""
    folder = shared_data("pdfs-wide")
    found = []
    for entry in manifest(folder):
        [doc] = load_pdf((folder / entry["file"]).read_bytes(), entry["file"])
        found.append((entry, doc))
    return found


@pytest.mark.parametrize("field", sorted(TARGETS))
def test_each_field_is_read_right_for_enough_of_the_wide_set(field):
    scores = {entry["file"]: score(entry, found_fields(doc))[field] for entry, doc in wide()}
    correct = sum(s == CORRECT for s in scores.values())
    assert correct >= TARGETS[field] * len(scores), {f: s for f, s in scores.items() if s != CORRECT}


def test_no_doi_of_the_wide_set_is_wrong_and_no_field_is_often_wrong():
    wrong = {field: [entry["file"] for entry, doc in wide() if score(entry, found_fields(doc))[field] == WRONG]
             for field in FIELDS}
    assert wrong["doi"] == []
    # Empty is better than wrong: at most one PDF a field (keim2024's "Fuchß", as the PDF prints it, is "Fuß" in
    # the manifest)
    assert all(len(files) <= 1 for files in wrong.values()), wrong


def test_reference_lists_of_the_wide_set_are_not_indexed_as_body_and_no_body_page_is_left_out():
    chunking = ChunkSettings(200, 24)
    as_body, left_out, pages = {}, {}, 0
    for entry, doc in wide():
        chunks = chunk_document(doc, doc.id, WordTokenizer(), chunking)
        split = back_matter_split(entry, doc, chunks, chunks_to_index(chunks, backmatter=False)[0])
        pages += len(split.reference_pages)
        as_body.update({entry["file"]: split.references_as_body} if split.references_as_body else {})
        left_out.update({entry["file"]: split.body_left_out} if split.body_left_out else {})
    assert pages >= 60  # the measure has reference pages to look at
    assert as_body == {} and left_out == {}


# What the reader gave the five shared PDFs before the wide set was measured (commit ce8a01c): they keep it
SHARED = {
    "agyemanduah2014_quality_improvement_malawi_bmchsr.pdf": (
        "Understanding the barriers to setting up a healthcare quality improvement process in resource-limited "
        "settings: a situational analysis at the Medical Department of Kamuzu Central Hospital in Lilongwe, Malawi",
        "10.1186/1472-6963-14-1", "2014", ["Agyeman-Duah JNA", "Theurer A", "Munthali C", "Alide N", "Neuhann F"],
        "BMC Health Services Research"),
    "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf": (
        "Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review of the "
        "literature", "10.1186/1752-2897-4-1", "2010", ["Datta I", "Ball CG", "Rudmik L", "Hameed SM", "Kortbeek JB"],
        "Journal of Trauma Management & Outcomes"),
    "douglas2014_ace_n_domain_inhibitors_clinsci.pdf": (
        "Fragment-based design for the development of N-domain-selective angiotensin-1-converting enzyme "
        "inhibitors", "10.1042/CS20130403", "2014",
        ["Douglas RG", "Sharma RK", "Masuyer G", "Lubbe L", "Zamora I", "Acharya KR", "Chibale K", "Sturrock ED"],
        "Clinical Science"),
    "tully2010_heart_failure_programmes_rehabrespract.pdf": (
        "Patient Experiences of Structured Heart Failure Programmes", "10.1155/2010/157939", "2010",
        ["Tully NE", "Morgan KM", "Burke HM", "McGee HM"], "Rehabilitation Research and Practice"),
    "webb2017_vespa_selective_pressure_peerjcs.pdf": (
        "VESPA: Very large-scale Evolutionary and Selective Pressure Analyses", "10.7717/peerj-cs.118", "2017",
        ["Webb AE", "Walsh TA", "O'Connell MJ"], "PeerJ Comput. Sci."),
}


@pytest.mark.parametrize("file", sorted(SHARED))
def test_the_five_shared_pdfs_keep_their_reference(file):
    [doc] = load_pdf(shared_data("pdfs", file).read_bytes(), file)
    found = found_fields(doc)
    assert (found["title"], found["doi"], found["year"], found["authors"], found["journal"]) == SHARED[file]
