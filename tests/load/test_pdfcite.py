"""Authors, journal and year of a PDF: what the shared papers print on page 1, and conservative edge cases."""

import json

import pytest

from rag.load.pdf import load_pdf
from tests.conftest import shared_data
from tests.pdfs import paper

TITLE = "Heparin after hip fracture surgery: a randomised trial"




BODY = ["Background: patients who had hip fracture surgery received heparin or placebo for six weeks.",
        "Results: venous thrombosis was less frequent with heparin than with placebo in this trial.",
        "Conclusions: heparin after hip fracture surgery prevents venous thrombosis in older patients."]


def cited(*page1, info=None, last=None) -> dict:
    """The reference fields a generated paper's metadata gets: authors, journal, year."""
    pages = [list(page1)] + ([last] if last else [])
    [doc] = load_pdf(paper(*pages, info=info), "paper.pdf")
    return {k: doc.metadata[k] for k in ("authors", "journal", "year") if k in doc.metadata}


def test_each_shared_paper_gives_the_authors_journal_and_year_it_prints():
    """Checked by reading page 1 of each: the journal as printed (PeerJ abbreviates its name; the manifest's
    "(Hindawi)" is the publisher, not part of the name), authors as PubMed writes them, as the manifest lists them."""
    folder = shared_data("pdfs")
    journals = {"datta2010": "Journal of Trauma Management & Outcomes",
                "agyemanduah2014": "BMC Health Services Research", "tully2010": "Rehabilitation Research and Practice",
                "douglas2014": "Clinical Science", "webb2017": "PeerJ Comput. Sci."}
    for item in json.loads((folder / "manifest.json").read_text()):
        [doc] = load_pdf((folder / item["file"]).read_bytes(), item["file"])
        assert doc.metadata["authors"] == item["authors"].split(", "), item["file"]
        assert doc.metadata["year"] == str(item["year"]), item["file"]
        assert doc.metadata["journal"] == journals[item["file"].split("_")[0]], item["file"]


def test_a_running_header_and_an_author_line_with_affiliation_marks():
    assert cited("Clinical Science (2014) 126, 305-313 (Printed in Great Britain)", (TITLE, 18),
                 ("Ross G. DOUGLAS*1, Rajni K. SHARMA†1, Jean-Pierre van der BERG‡,", 9),
                 ("Ana M. O'Connell2 and Li WEI*", 9), "*Institute of Infectious Disease, University of Cape Town",
                 *BODY) == {"authors": ["Douglas RG", "Sharma RK", "van der Berg JP", "O'Connell AM", "Wei L"],
                            "journal": "Clinical Science", "year": "2014"}


def test_a_citation_line_counts_only_when_it_names_the_first_author():
    own = (("Smith et al. Trials in Surgery 2019, 7:12", 8), ("Jane Q. Smith, Omar Khan", 10))
    assert cited((TITLE, 18), own[1], *BODY, own[0]) == {
        "authors": ["Smith JQ", "Khan O"], "journal": "Trials in Surgery", "year": "2019"}
    # The page citing another paper in the same form says nothing of this one's journal or year
    assert cited((TITLE, 18), own[1], *BODY, ("as Brown et al. Lancet Haematology 2015, 2:30 found", 8)) == {
        "authors": ["Smith JQ", "Khan O"]}


def test_the_text_itself_holds_no_citation_line():
    # Set in the text's own size among its lines, "Trials in Surgery 2019, 7:12" may be a sentence's words
    # ("During 2019, 45, 30 patients ..."): a citation line stands in a header, a footer or smaller type
    assert cited((TITLE, 18), ("Jane Q. Smith, Omar Khan", 10), BODY[0], "Smith et al. Trials in Surgery 2019, 7:12",
                 *BODY[1:]) == {"authors": ["Smith JQ", "Khan O"]}


def test_the_file_dates_and_the_accepted_date_are_not_the_year():
    info = {"CreationDate": "D:20110207103330+02'00'", "ModDate": "D:20120101000000Z"}
    assert cited((TITLE, 18), *BODY, "Received 9 November 2010; Accepted 25 December 2010", info=info) == {}
    # Published beats copyright; copyright alone is used
    assert cited((TITLE, 18), "Published 5 June 2017", *BODY, "Copyright 2016 The Authors") == {"year": "2017"}
    assert cited((TITLE, 18), *BODY, "\xa9 2016 The Authors. Open access under CC BY.") == {"year": "2016"}


def test_a_masthead_and_a_running_footer_of_the_last_page():
    assert cited("Hindawi Publishing Corporation", "Rehabilitation Research and Practice",
                 "Volume 2010, Article ID 157939, 6 pages", (TITLE, 18), *BODY)["journal"] == \
        "Rehabilitation Research and Practice"
    footer = ["Webb AE. 2016. Other work. Nucleic Acids Research 44:D710.",
              "Webb et al. (2017), PeerJ Comput. Sci., DOI 10.7717/peerj-cs.118 16/16"]
    assert cited((TITLE, 18), ("Andrew E. Webb1, Mary J. O'Connell1,2", 10), "1 School of Biology, Dublin",
                 *BODY, last=footer) == {"authors": ["Webb AE", "O'Connell MJ"], "journal": "PeerJ Comput. Sci.",
                                         "year": "2017"}


def test_the_metadata_subject_and_author_where_the_publisher_wrote_them():
    subject = {"Subject": "Journal of Trauma Management & Outcomes 2010 4:1. doi:10.1186/1752-2897-4-1"}
    assert cited((TITLE, 18), *BODY, info=subject) == {"journal": "Journal of Trauma Management & Outcomes",
                                                        "year": "2010"}
    # A Subject that lists subjects is no journal
    assert cited((TITLE, 18), *BODY, info={"Subject": "Bioinformatics, Computational Biology"}) == {}
    # The Author entry counts when the Title entry is the paper's own title, not otherwise (whoever typed the file)
    filled = {"Title": TITLE, "Author": "Jane Q. Smith; Omar Khan"}
    assert cited((TITLE, 18), *BODY, info=filled) == {"authors": ["Smith JQ", "Khan O"]}
    assert cited((TITLE, 18), *BODY, info={**filled, "Title": "draft3"}) == {}
    assert cited((TITLE, 18), *BODY, info={**filled, "Author": "Nuala E. Tully {et al.}"}) == {}


@pytest.mark.parametrize("lines", [
    [("Open Access Research Article", 10)],  # labels, not people
    [("Heart Failure Programmes", 10)],  # a subtitle: one "name" without a mark or initial
    [("Andrew E. Webb1, Thomas A. Walsh1", 10), ("Mary J. O'Connell (corresponding)", 10)],  # one line unread
    [("Datta I, Ball CG, Rudmik L", 10)],  # surname-first, as reference lists write them
])
def test_lines_after_the_title_that_are_not_all_names_give_no_authors(lines):
    assert "authors" not in cited((TITLE, 18), *lines, "Abstract", *BODY)
