"""PubMed exports: one document per article, named by PMID, with its citation metadata; hostile XML refused."""

import pytest

from rag.errors import LoadError
from rag.load import load_file
from tests.test_engine import MEDLINE, PUBMED_XML

ARTICLE = """<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>
  <Journal><Title>The Lancet</Title><JournalIssue><PubDate>{date}</PubDate></JournalIssue></Journal>
  <ArticleTitle>Dabigatran <i>versus</i> warfarin in atrial fibrillation.</ArticleTitle>
  <Abstract>{abstract}</Abstract>
  <AuthorList><Author><LastName>Connolly</LastName><Initials>SJ</Initials></Author>
   <Author><LastName>Ezekowitz</LastName><Initials>MD</Initials></Author>
   <Author><CollectiveName>RE-LY Steering Committee</CollectiveName></Author></AuthorList>
 </Article></MedlineCitation>
 <PubmedData><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>{doi}</ArticleIdList>
  <ReferenceList><Reference><Citation>An earlier trial.</Citation><ArticleIdList>
   <ArticleId IdType="doi">10.9999/someone-else</ArticleId><ArticleId IdType="pubmed">1</ArticleId>
  </ArticleIdList></Reference></ReferenceList></PubmedData></PubmedArticle>"""
STRUCTURED = ('<AbstractText Label="BACKGROUND">Warfarin needs monitoring.</AbstractText>'
              '<AbstractText Label="RESULTS">Dabigatran lowered   stroke rates.</AbstractText>')


def export(*articles: str, doctype: str = "") -> str:
    return f'<?xml version="1.0"?>\n{doctype}<PubmedArticleSet>{"".join(articles)}</PubmedArticleSet>'


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_pubmed_xml_gives_one_document_per_article(tmp_path):
    docs = load_file(write(tmp_path, "export.xml", PUBMED_XML))
    assert [(d.source, d.title) for d in docs] == [("31415926", "Low molecular weight heparin after hip surgery."),
                                                  ("27182818", "Bed nets and malaria in children.")]
    assert docs[1].metadata["journal"] == "Malaria Journal" and docs[1].metadata["year"] == "2016"
    assert all(d.metadata["file"] == "export.xml" for d in docs)


def test_pubmed_xml_metadata_and_structured_abstract(tmp_path):
    doi = '<ArticleId IdType="doi">10.1056/NEJMoa0905561</ArticleId>'
    xml = export(ARTICLE.format(pmid="19717844", date="<Year>2009</Year>", abstract=STRUCTURED, doi=doi))
    [doc] = load_file(write(tmp_path, "rely.xml", xml))
    assert doc.source == "19717844"
    assert doc.title == "Dabigatran versus warfarin in atrial fibrillation."
    assert doc.metadata == {"pmid": "19717844", "journal": "The Lancet", "year": "2009",
                            "authors": ["Connolly SJ", "Ezekowitz MD"], "doi": "10.1056/NEJMoa0905561",
                            "file": "rely.xml"}
    assert [(s.heading, s.text) for s in doc.sections] == [("BACKGROUND", "Warfarin needs monitoring."),
                                                           ("RESULTS", "Dabigatran lowered stroke rates.")]


def test_an_article_without_abstract_keeps_its_title_and_a_medline_date_gives_the_year(tmp_path):
    xml = export(ARTICLE.format(pmid="111", date="<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", abstract="", doi=""))
    [doc] = load_file(write(tmp_path, "e.xml", xml))
    assert doc.metadata["year"] == "1998"
    assert [s.text for s in doc.sections] == ["Dabigatran versus warfarin in atrial fibrillation."]


def test_a_reference_doi_is_not_taken_as_the_article_doi(tmp_path):
    # Bug: the first ArticleId of type doi anywhere in the article is used, including those of its references
    xml = export(ARTICLE.format(pmid="222", date="<Year>2010</Year>", abstract=STRUCTURED, doi=""))
    [doc] = load_file(write(tmp_path, "e.xml", xml))
    assert doc.metadata["doi"] == ""


def test_a_public_doctype_as_pubmed_writes_it_is_accepted(tmp_path):
    doctype = ('<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" '
               '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n')
    xml = PUBMED_XML.replace("<PubmedArticleSet>", doctype + "<PubmedArticleSet>")
    docs = load_file(write(tmp_path, "pubmed.xml", xml))
    assert [d.source for d in docs] == ["31415926", "27182818"]


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE PubmedArticleSet [<!ELEMENT PubmedArticleSet ANY>]>',
])
def test_entity_declarations_are_refused(tmp_path, doctype):
    xml = export("<PubmedArticle><MedlineCitation><PMID>5</PMID></MedlineCitation></PubmedArticle>", doctype=doctype)
    with pytest.raises(LoadError) as error:
        load_file(write(tmp_path, "bomb.xml", xml))
    assert error.value.reason == "XML with entity declarations is not accepted"
    assert str(error.value).startswith("bomb.xml: ")


def test_malformed_xml_and_articles_without_pmid_are_refused(tmp_path):
    with pytest.raises(LoadError, match="the XML is malformed"):
        load_file(write(tmp_path, "cut.xml", PUBMED_XML[: len(PUBMED_XML) // 2]))
    with pytest.raises(LoadError, match="no article with a PMID"):
        load_file(write(tmp_path, "none.xml", export("<PubmedArticle><ArticleTitle>T</ArticleTitle></PubmedArticle>")))


def test_medline_records_become_documents(tmp_path):
    docs = load_file(write(tmp_path, "citations.nbib", MEDLINE))
    assert [(d.source, d.title) for d in docs] == [
        ("11235813", "Statins and cardiovascular mortality in older adults."),
        ("21345589", "Vitamin D supplementation and fractures.")]
    assert docs[0].sections[0].text == ("Statin therapy was associated with lower cardiovascular mortality in adults "
                                        "older than 75 years.")
    assert docs[1].metadata == {"pmid": "21345589", "journal": "Bone Reports", "year": "2011", "authors": ["Doe A"],
                                "doi": "", "file": "citations.nbib"}


def test_medline_continuation_lines_several_authors_and_doi(tmp_path):
    record = ("PMID- 19717844\r\nTI  - Dabigatran versus warfarin in patients with atrial\r\n      fibrillation.\r\n"
              "LID - 10.1056/NEJMoa0905561 [doi]\r\nAB  - Dabigatran was non-inferior.\r\nTA  - N Engl J Med\r\n"
              "DP  - 2009 Sep 17\r\nAU  - Connolly SJ\r\nAU  - Ezekowitz MD\r\n")
    [doc] = load_file(write(tmp_path, "rely.txt", record))
    assert doc.title == "Dabigatran versus warfarin in patients with atrial fibrillation."
    assert doc.metadata["authors"] == ["Connolly SJ", "Ezekowitz MD"]
    assert (doc.metadata["doi"], doc.metadata["journal"], doc.metadata["year"]) == (
        "10.1056/NEJMoa0905561", "N Engl J Med", "2009")
    assert doc.sections[0].text == "Dabigatran was non-inferior."
