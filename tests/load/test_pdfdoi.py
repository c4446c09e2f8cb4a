"""The article's own DOI among the DOIs a PDF prints: never a cited paper's, a data set's or a cut one."""

from rag.load.pdfdoi import article_doi

OWN = "10.1371/journal.pone.0323994"
BODY = "Roads traversing protected areas harm wildlife.\nWe counted roadkill for one year.\n"


def doi(*pages: str, info=None, xmp=None) -> str:
    return article_doi({n: text for n, text in enumerate(pages, 1)}, info or {}, xmp or {})


def test_a_labelled_doi_on_page_one():
    assert doi(f"Research article\nDOI: {OWN}\n{BODY}") == OWN
    assert doi(f"{BODY}https://doi.org/{OWN}\n") == OWN


def test_a_doi_cut_at_a_line_break_is_joined_and_a_cut_one_never_given():
    # PLOS's citation box breaks the link after "journal." (mtega2025)
    assert doi(f"Citation: Mtega GA (2025) Roadkill. PLoS One 20(5):\ne0323994. https://doi.org/10.1371/journal.\n"
               f"pone.0323994\n{BODY}") == OWN
    assert doi(f"{BODY}doi: 10.1371/journal.\n") == ""


def test_a_data_sets_doi_is_not_the_articles():
    data = "Data availability: the data are available in the DOI 10.5281/zenodo.15281377 at Zenodo.\n"
    assert doi(BODY + data) == ""
    assert doi(f"PLOS One | https://doi.org/{OWN} May 14, 2025 1 / 10\n{BODY}{data}") == OWN


def test_dois_in_the_reference_list_and_on_later_pages_are_not_the_articles():
    refs = "References\n1. Smith J. Roads. BMC Med 2010, 8:56. doi:10.1186/1741-7015-8-56\n"
    assert doi(BODY + refs, BODY + refs) == ""
    # The article's DOI beside its own citation on the last page (BioMed Central) counts when it carries the
    # citation's volume and number; the last reference's DOI does not
    last = BODY + refs + "doi:10.1186/1472-6963-14-1\nCite this article as: Agyeman-Duah et al.: Barriers. BMC " \
                         "Health Services Research 2014 14:1.\n"
    assert doi(BODY, last) == "10.1186/1472-6963-14-1"
    wrong = BODY + "Cite this article as: Datta et al.: Complications. BMC Medicine 2010, 8:12.\n" + refs
    assert doi(BODY, wrong) == ""


def test_a_cover_sheet_without_a_doi_sends_the_reader_to_page_two():
    cover = "Ribosomal frameshifting\nReferences http://rsob.royalsocietypublishing.org/ref-list-1\n"
    assert doi(cover, f"Cite this article: Firth AE. 2012 Frameshifting. Open Biol 2: 120109.\n"
                      f"http://dx.doi.org/10.1098/rsob.120109\n{BODY}") == "10.1098/rsob.120109"


def test_versions_of_one_doi_give_the_latest_and_a_tie_gives_none():
    versions = ("First published: 12 Aug 2014, 3:190 (doi: 10.12688/f1000research.4767.1)\n"
                "Latest published: 27 Jan 2015, 3:190 (doi: 10.12688/f1000research.4767.2)\n")
    assert doi(versions + BODY) == "10.12688/f1000research.4767.2"
    assert doi(f"doi: 10.1000/first.paper\ndoi: 10.1000/second.paper\n{BODY}") == ""


def test_metadata_decides_between_candidates_only_where_the_text_prints_its_doi():
    page = f"doi: 10.1000/first.paper\ndoi: 10.1000/second.paper\n{BODY}"
    assert doi(page, xmp={"doi": "10.1000/second.paper"}) == "10.1000/second.paper"
    assert doi(page, info={"Subject": "Trials 2020, 1:2. doi:10.1000/first.paper"}) == "10.1000/first.paper"
    assert doi(BODY, xmp={"doi": "10.1000/not.printed"}) == ""


def test_a_running_footer_outweighs_a_single_mention():
    footer = "Trials in Surgery | https://doi.org/10.1000/own.1 | page {}\n"
    pages = [f"doi: 10.1000/other.2 (a related article)\n{BODY}{footer.format(1)}",
             *(f"{BODY}{footer.format(n)}" for n in (2, 3))]
    assert doi(*pages) == "10.1000/own.1"
