import re

from rag.answer.present import cited_sentences, escape, export_markdown, highlight, highlighted_markdown


def test_markup_in_documents_is_made_inert():
    hostile = "<script>alert(1)</script> ![x](http://example.invalid/a.png) **bold** [link](javascript:x) :red[x]"
    safe = escape(hostile)
    # Every character Markdown or HTML acts on is escaped
    assert re.search(r"(?<!\\)[<>\[\]()*!:_`]", safe) is None
    # Escapes only: removing the backslashes gives the original text back
    assert safe.replace("\\", "") == hostile


def test_the_sentence_behind_a_citation_is_highlighted():
    passage = "Heparin was given to all patients. Bleeding occurred in 3% of them. Follow-up lasted a year."
    runs = highlight(passage, ["Bleeding occurred in 3% of patients [1]."])
    assert [t for t, marked in runs if marked] == ["Bleeding occurred in 3% of them."]
    assert "".join(t for t, _ in runs) == passage
    assert ":orange-background[Bleeding occurred in 3% of them\\.]" in highlighted_markdown(passage, ["bleeding 3%"])


def test_cited_sentences_and_export():
    answer = "Heparin helps [1]. Filters are used [2, 3]. Nothing else."
    assert cited_sentences(answer, 1) == ["Heparin helps [1]."]
    assert cited_sentences(answer, 3) == ["Filters are used [2, 3]."]
    citation = {"n": 1, "document": "a.pdf", "page": 2, "text": "Heparin helps.", "score": 0.5}
    md = export_markdown("Trauma", [{"role": "user", "content": "Does heparin help?"},
                                    {"role": "assistant", "content": answer,
                                     "answer": {"citations": [citation]}}])
    assert "## Does heparin help?" in md and "1. a.pdf, page 2: “Heparin helps.”" in md
