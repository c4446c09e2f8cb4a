"""Lines of a PDF page with their type size and place: measured by pdfium, pieces of one printed line joined."""

import pypdfium2 as pdfium

from rag.load.pdflines import Line, body_size, edge_lines, page_lines, rows
from tests.pdfs import paper


def test_lines_carry_their_type_size_and_place_from_the_top():
    pdf = pdfium.PdfDocument(paper([("Heparin after hip fracture surgery", 18), "Jane Q. Smith1, Omar Khan2",
                                    "Background: patients received heparin or placebo."]))
    title, byline, text = page_lines(pdf, 0)
    assert title.text == "Heparin after hip fracture surgery" and byline.text == "Jane Q. Smith1, Omar Khan2"
    assert title.size > 1.5 * byline.size and abs(byline.size - text.size) < 0.5
    assert title.top < title.bottom <= byline.top < text.top and title.left == byline.left
    assert body_size([title, byline, text]) == round(text.size * 2) / 2


def test_the_pieces_of_one_printed_line_are_joined_but_not_two_columns():
    # pdfium cuts "Gregory A. Mtega1 , Victoria Shayo1" where the superscript's font starts
    pieces = [Line("Gregory A. Mtega1", 10.1, 195, 205, 198, 270), Line(", Victoria Shayo1", 10.1, 195, 205, 276, 340),
              Line("*", 10.7, 195, 205, 528, 532), Line("1 Department of Ecology", 9.1, 216, 225, 198, 400)]
    joined = rows(pieces)
    assert [r.text for r in joined] == ["Gregory A. Mtega1 , Victoria Shayo1", "*", "1 Department of Ecology"]
    columns = [Line("left column text", 8.1, 574, 583, 40, 290), Line("right column text", 8.1, 574, 583, 306, 560)]
    assert len(rows(columns)) == 2


def test_the_top_and_bottom_bands_of_a_page():
    lines = ["Trials in Surgery 2019, 7:12"] + [f"Line {n} of the text." for n in range(40)] + ["Page 1 of 9"]
    pdf = pdfium.PdfDocument(paper(lines))
    edges = edge_lines(pdf, 0)
    assert edges[0] == "Trials in Surgery 2019, 7:12" and "Line 20 of the text." not in edges
