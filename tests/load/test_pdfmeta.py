"""A PDF's title and byline as a reader finds them: the largest type, past labels, mastheads and cover sheets;
the names under the title, in one line or a grid, all or none."""

from rag.load.pdf import load_pdf
from rag.load.pdflines import Line
from rag.load.pdfmeta import title_rows
from rag.load.pdfnames import byline
from tests.pdfs import paper

TITLE = "Heparin after hip fracture surgery: a randomised trial"
BODY = ["Background: patients who had hip fracture surgery received heparin or placebo for six weeks.",
        "Results: venous thrombosis was less frequent with heparin than with placebo in this trial."]


def read(*pages, info=None):
    [doc] = load_pdf(paper(*pages, info=info), "paper.pdf")
    return doc


def test_the_title_is_the_largest_type_past_labels_and_the_journals_own_name():
    doc = read([("Trials in Surgery", 22), ("Research Article", 16), (TITLE, 16), ("Jane Q. Smith1, Omar Khan2", 10),
                *BODY, ("Trials in Surgery 2019, 7:12", 8)])
    assert doc.title == TITLE and doc.metadata["journal"] == "Trials in Surgery"
    # A one-word logo is no title either
    assert read([("metabolites", 30), (TITLE, 16), *BODY]).title == TITLE


def test_a_title_over_lines_ends_at_the_byline_and_loses_a_version_status():
    doc = read([("Heparin after hip fracture surgery:", 16), ("a randomised trial [v2; ref status: indexed, "
                                                               "http://f1000r.es/4fj]", 16), *BODY])
    assert doc.title == TITLE
    lines = [Line("Heparin after hip fracture", 16, 100, 116), Line("surgery: a randomised trial", 16, 118, 134),
             Line("Jane Q. Smith, Omar Khan", 16, 136, 152), Line(BODY[0], 10, 170, 180)]
    assert title_rows(lines, set()) == (TITLE, 134)


def test_a_cover_sheet_sends_the_reader_to_page_two():
    cover = ["This Provisional PDF corresponds to the article as it appeared upon acceptance.", TITLE,
             "Jane Smith (jane@example.org)", "Sample"]
    doc = read(cover, [(TITLE, 16), ("Jane Q. Smith1*", 10), "* Corresponding author", "Email: jane@example.org",
                       ("Omar Khan2", 10), "1 Department of Surgery, University of Oslo", *BODY])
    assert doc.title == TITLE and doc.metadata["authors"] == ["Smith JQ", "Khan O"]


def test_an_author_grid_is_read_row_by_row_past_the_e_mails_under_each_name():
    grid = [Line(TITLE, 16, 84, 100, 75)]
    for top, people in ((127, ("Jan Keim", "Sophie Corallo", "Dominik Fuchß")), (185, ("Tobias Hey", "Anne Koziolek"))):
        for left, person in zip((119, 270, 433), people, strict=False):
            grid += [Line(person, 11.2, top, top + 11, left, left + 60),
                     Line(f"{person.split()[1].lower()}@kit.edu", 9.3, top + 13, top + 22, left, left + 70),
                     Line("Karlsruhe Institute of Technology", 9.3, top + 25, top + 34, left, left + 120)]
    grid.append(Line("ABSTRACT", 10.3, 242, 252, 54, 100))
    assert byline(grid, 100) == ["Keim J", "Corallo S", "Fuchß D", "Hey T", "Koziolek A"]


def test_a_name_cut_at_the_end_of_a_line_runs_on():
    lines = [Line("Jonas Fritzsch1 Justus Bogner1 Ana Cristina Franco da", 11.4, 174, 186, 45, 400),
             Line("Silva1 Carolin Rubner2", 11.3, 192, 204, 45, 200), Line("1Institute of Software Engineering,",
                                                                          7.6, 227, 235, 45, 200),
             Line("Abstract", 9.7, 234, 244, 209, 250)]
    assert byline(lines, 150) == ["Fritzsch J", "Bogner J", "da Silva ACF", "Rubner C"]


def test_a_byline_whose_end_is_unread_gives_no_authors():
    lines = [Line("Andrew E. Webb1, Thomas A. Walsh1", 10, 120, 130), Line("Mary J. O'Connell (lead)", 10, 132, 142),
             Line(BODY[0], 10, 160, 170)]
    assert byline(lines, 100) == []
