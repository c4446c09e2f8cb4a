"""JATS full-text XML read by structure: sections with headings, captions, the reference, no tags, no references."""

import pytest

from rag.errors import LoadError
from rag.load import load_file

ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN"
 "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
 <front>
  <journal-meta><journal-title-group><journal-title>F1000Research</journal-title></journal-title-group></journal-meta>
  <article-meta>
   <article-id pub-id-type="pmid">31231212</article-id>
   <article-id pub-id-type="pmc">6578912</article-id>
   <article-id pub-id-type="doi">10.12688/f1000research.18998.2</article-id>
   <title-group><article-title>Heparin after <italic>hip</italic> fracture surgery</article-title></title-group>
   <contrib-group>
    <contrib contrib-type="author"><name><surname>Okafor</surname><given-names>Chinedu N</given-names></name></contrib>
    <contrib contrib-type="author"><name><surname>Brandt</surname><given-names>Lisa-Marie</given-names></name></contrib>
   </contrib-group>
   <pub-date pub-type="epub"><year>2019</year></pub-date>
   <related-article ext-link-type="doi" xlink:href="10.12688/f1000research.18998.1" related-article-type="prev"/>
   <abstract><p>Enoxaparin lowered venous thromboembolism after hip fracture surgery.</p></abstract>
  </article-meta>
 </front>
 <body>
  <sec><title>Introduction</title><p>Hip fracture carries a high risk of thrombosis <xref ref-type="bibr"
   rid="ref1">1</xref>.</p></sec>
  <sec><title>Methods</title>
   <sec><title>Patients</title><p>We enrolled 344 adults.</p>
    <fig id="f1"><label>Figure 1.</label><caption><title>Enrolment.</title><p>Flow of patients through the
     trial.</p></caption><graphic xlink:href="f1.jpg"/></fig>
   </sec>
  </sec>
  <table-wrap id="t1"><label>Table 1.</label><caption><p>Bleeding events by group.</p></caption>
   <table><tr><td>3</td></tr></table></table-wrap>
 </body>
 <back>
  <ack><p>We thank the nurses.</p></ack>
  <ref-list><ref id="ref1"><mixed-citation>Geerts WH. Cholera toxin in zebrafish. N Engl J Med 1996.
  </mixed-citation></ref></ref-list>
 </back>
</article>
"""


def test_a_jats_article_is_read_by_structure(tmp_path):
    (tmp_path / "article.nxml").write_text(ARTICLE)
    [doc] = load_file(tmp_path / "article.nxml")
    assert doc.title == "Heparin after hip fracture surgery"
    assert doc.metadata == {"doi": "10.12688/f1000research.18998.2", "pmid": "31231212", "pmcid": "PMC6578912",
                            "journal": "F1000Research", "year": "2019", "authors": ["Okafor CN", "Brandt LM"]}
    assert [(s.heading, s.text) for s in doc.sections] == [
        ("Abstract", "Enoxaparin lowered venous thromboembolism after hip fracture surgery."),
        ("Introduction", "Hip fracture carries a high risk of thrombosis 1."),
        ("Methods / Patients", "We enrolled 344 adults."),
        ("Figure 1.", "Enrolment. Flow of patients through the trial."),
        ("Table 1.", "Bleeding events by group."),
    ]
    text = " ".join(s.text for s in doc.sections)
    assert "<" not in text and "zebrafish" not in text and "nurses" not in text  # no tags, no back matter


def test_hostile_or_empty_article_xml_is_refused(tmp_path):
    (tmp_path / "bomb.xml").write_text('<?xml version="1.0"?><!DOCTYPE article [<!ENTITY a "aaaa">]>'
                                       "<article><front><article-meta/></front><body><p>&a;</p></body></article>")
    with pytest.raises(LoadError, match="XML with entity declarations is not accepted"):
        load_file(tmp_path / "bomb.xml")
    (tmp_path / "empty.xml").write_text("<article><front><article-meta><title-group><article-title>T"
                                        "</article-title></title-group></article-meta></front></article>")
    with pytest.raises(LoadError, match="the article XML has no abstract or body text"):
        load_file(tmp_path / "empty.xml")


@pytest.mark.slow
def test_an_ingested_article_is_searchable_and_carries_its_reference(tmp_path):
    from rag.engine import Engine
    from rag.settings import Settings

    (tmp_path / "article.nxml").write_text(ARTICLE)
    engine = Engine(Settings.from_env())
    assert engine.ingest("c", [tmp_path / "article.nxml"]).added == [("article.nxml", 5)]  # a chunk a section
    [hit] = engine.search("c", "How many adults were enrolled?", k=1, mode="dense")
    assert hit.chunk.text == "We enrolled 344 adults." and hit.chunk.section == "Methods / Patients"
    answer = engine.ask("c", "How many adults were enrolled?").run()
    assert answer.references["article.nxml"]["pmid"] == "31231212"
