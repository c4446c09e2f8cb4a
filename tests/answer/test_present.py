import re

from rag.answer.present import (
    answer_markdown,
    escape,
    export_markdown,
    highlight,
    highlighted_markdown,
    sentence_markdown,
    shorten,
    where,
)


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


def test_export():
    evidence = {"n": 1, "document": "a.pdf", "page": 2, "text": "Heparin helps.", "score": 0.5}
    sentences = [{"text": "Heparin helps [1].", "citations": [1], "supported": True, "support": 0.9, "reason": ""},
                 {"text": "Heparin never fails [1].", "citations": [1], "supported": False, "support": 0.7,
                  "reason": "a negation that the evidence does not have"}]
    md = export_markdown("Trauma", [{"role": "user", "content": "Does heparin help?"},
                                    {"role": "assistant", "content": "Heparin helps [1]. Heparin never fails [1].",
                                     "answer": {"evidence": [evidence], "sentences": sentences}}])
    assert "## Does heparin help?" in md and "1. a.pdf, page 2: “Heparin helps.”" in md
    assert "Heparin helps [1]. Heparin never fails [1]. [unsupported: a negation that the evidence does not have]" in md


def test_a_source_names_its_collection_when_the_answer_drew_on_several():
    hit = {"collection": "Cardiology", "document": "a.pdf", "page": 2}
    assert (where(hit), where(hit, True), where({**hit, "page": None}, True)) == (
        "a.pdf, page 2", "Cardiology / a.pdf, page 2", "Cardiology / a.pdf")
    evidence = {"n": 1, **hit, "text": "Heparin helps.", "score": 0.5}
    answer = {"evidence": [evidence], "sentences": [], "collections": ["Trauma", "Cardiology"]}
    md = export_markdown("Trauma", [{"role": "assistant", "content": "Heparin helps [1].", "answer": answer}])
    assert "1. Cardiology / a.pdf, page 2: “Heparin helps.”" in md
    md = export_markdown("Trauma", [{"role": "assistant", "content": "Heparin helps [1].",
                                     "answer": {**answer, "collections": ["Cardiology"]}}])
    assert "1. a.pdf, page 2: “Heparin helps.”" in md


def test_the_live_view_and_the_replay_show_the_same_characters():
    sentences = [{"text": "Heparin helps [1].", "citations": [1], "supported": True, "support": 0.9, "reason": ""},
                 {"text": "It cures <b>all</b> [2].", "citations": [2], "supported": False, "support": 0.2,
                  "reason": "not close to the evidence it cites"}]
    pieces = ["Heparin helps [1].", " It cures <b>all</b> [2]."]
    streamed = "".join(sentence_markdown(piece, s) for piece, s in zip(pieces, sentences, strict=True))
    replay = answer_markdown({"answer": "Heparin helps [1]. It cures <b>all</b> [2].", "sentences": sentences})
    assert streamed == replay
    assert "<b>" not in replay and ":red[⚠ unsupported\\: not close to the evidence it cites]" in replay


def test_references_link_to_doi_and_pubmed_and_close_the_export():
    from rag.answer.present import cite, links

    paper = {"title": "Complications related to DVT prophylaxis in trauma.", "doi": "10.1186/1752-2897-4-1",
             "journal": "J Trauma Manag Outcomes", "year": "2010", "authors": ["Datta I", "Ball CG", "Rudmik L",
                                                                               "Hameed SM"]}
    assert links(paper).replace("\\", "") == "[doi:10.1186/1752-2897-4-1](https://doi.org/10.1186/1752-2897-4-1)"
    assert links({"pmid": "31415926"}) == "[PMID 31415926](https://pubmed.ncbi.nlm.nih.gov/31415926/)"
    assert links({"title": "no identifiers"}) == ""
    assert cite(paper).replace("\\", "") == ("Datta I, Ball CG, Rudmik L et al. Complications related to DVT "
                                             "prophylaxis in trauma. J Trauma Manag Outcomes 2010. "
                                             "[doi:10.1186/1752-2897-4-1](https://doi.org/10.1186/1752-2897-4-1)")
    evidence = {"n": 1, "document": "datta.pdf", "page": 1, "text": "Heparin helps.", "score": 0.5}
    references = {"datta.pdf": paper, "other.pdf": {"doi": "10.1/x"}}
    md = export_markdown("Trauma", [{"role": "user", "content": "Does heparin help?"},
                                    {"role": "assistant", "content": "Heparin helps [1].",
                                     "answer": {"evidence": [evidence], "references": references}}])
    assert md.endswith("References:\n\n- datta\\.pdf: " + cite(paper) + "\n")  # only the cited documents


def test_a_long_title_is_cut_at_a_word_and_says_so():
    title = "Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review"
    assert shorten(title, 64) == "Complications related to deep venous thrombosis prophylaxis in…"
    assert shorten(title, 78) == "Complications related to deep venous thrombosis prophylaxis in trauma: a…"
    assert shorten(title, 200) == title
