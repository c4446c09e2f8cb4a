"""HTML pages: only the visible text, in sections at headings, titled; hostile nesting handled in linear time."""

import time

import pytest

from rag.errors import LoadError
from rag.load import load_bytes, load_file
from rag.load.html import load_html

PAGE = """<!DOCTYPE html><html><head><title> Heparin trial </title><style>body { color: red }</style>
<script>var secret = "head script";</script></head>
<body><nav>Home &amp; about</nav>
<script>document.write("body script")</script><noscript>enable javascript</noscript>
<h1>Methods</h1><p>We randomised <b>120</b> patients.</p><!-- reviewer comment -->
<div hidden>hidden attribute</div><p style="color: red; display : none">hidden style</p>
<span aria-hidden="true">aria hidden</span><template><p>template text</p></template>
<form><label>Search the site</label></form><svg><text>svg label</text></svg>
<h2>Results <small>(primary)</small></h2><ul><li>Fewer clots</li><li>No extra bleeding</li></ul>
<table><tr><td>Arm A</td><td>12%</td></tr></table>
</body></html>"""


def load(text: str, name: str = "page.html"):
    [doc] = load_html(text, name)
    return doc


def test_only_visible_text_is_kept():
    doc = load(PAGE)
    hidden = ["head script", "body script", "enable javascript", "color", "reviewer comment", "hidden attribute",
              "hidden style", "aria hidden", "template text", "Search the site", "svg label"]
    for text in hidden:
        assert text not in doc.text, text
    assert "We randomised 120 patients." in doc.text


def test_sections_start_at_headings_and_the_title_comes_from_the_title_element():
    doc = load(PAGE)
    assert doc.title == "Heparin trial"
    assert [(s.heading, s.text.split("\n")) for s in doc.sections] == [
        (None, ["Home & about"]),
        ("Methods", ["We randomised 120 patients."]),
        ("Results (primary)", ["Fewer clots", "No extra bleeding", "", "Arm A", "12%"]),
    ]


def test_without_a_title_element_the_first_heading_names_the_page_then_the_file_name():
    assert load("<html><body><p>Intro.</p><h2>Dosing</h2><p>Daily.</p></body></html>").title == "Dosing"
    assert load("<html><body><p>Only text.</p></body></html>", "notes.html").title == "notes.html"


def test_titles_and_headings_wrapped_across_lines_are_one_line():
    # Bug: get_text(strip=True) keeps the line break inside the element, so titles and headings show it
    doc = load("<html><head><title>Heparin\n    trial</title></head><body><h1>Dose\n  and timing</h1><p>x</p></body>")
    assert (doc.title, doc.sections[0].heading) == ("Heparin trial", "Dose and timing")


def test_entities_are_text_not_markup():
    doc = load("<html><body><p>5 &lt; 10 &amp;&amp; &lt;script&gt;alert(1)&lt;/script&gt;</p></body></html>")
    assert doc.sections[0].text == "5 < 10 && <script>alert(1)</script>"


def test_a_page_with_no_visible_text_is_refused(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title>T</title><script>x()</script></head><body><div hidden>y</div></body></html>")
    with pytest.raises(LoadError, match="no text found"):
        load_file(path)


def test_html_is_recognised_by_content_whatever_the_name(tmp_path):
    path = tmp_path / "download.txt"
    path.write_text("<!doctype html><html><body><h1>Aspirin</h1><script>x()</script><p>Lowers fever.</p></body></html>")
    [doc] = load_file(path)
    assert [(s.heading, s.text) for s in doc.sections] == [("Aspirin", "Lowers fever.")]


@pytest.mark.parametrize("tag", ["div", "span", "b"])
def test_deeply_nested_markup_finishes_with_all_its_text(tag):
    depth = 20000
    page = "<html><body>" + f"<{tag}>" * depth + "deep text" + f"</{tag}>" * depth + "<p>after</p></body></html>"
    started = time.perf_counter()
    doc = load(page)
    assert time.perf_counter() - started < 60
    assert doc.text.split() == ["deep", "text", "after"]


def test_markup_the_parser_rejects_is_a_load_error():
    # Found by tests/load/test_load.py's random bytes: "<html><![\x01" made BeautifulSoup raise its own error
    with pytest.raises(LoadError, match="the HTML could not be parsed"):
        load_bytes(b"<html><![\x01", "page.txt")
