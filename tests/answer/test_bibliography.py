"""Cited works as BibTeX and RIS: each cited work once, nothing that was only retrieved."""

from rag.answer.bibliography import bibtex, cited_works, ris

DATTA = {"title": "Complications related to DVT prophylaxis in trauma: {a} systematic review", "year": "2010",
         "doi": "10.1186/1752-2897-4-1", "journal": "J Trauma Manag Outcomes", "authors": ["Datta I", "Ball CG"]}
PUBMED = {"title": "Bed nets and malaria in children.", "pmid": "27182818", "journal": "Malaria Journal",
          "year": "2016", "authors": ["Smith J"]}


def conversation() -> list[dict]:
    references = {"datta.pdf": DATTA, "27182818": PUBMED, "notes.txt": {"title": "My notes"}}
    first = {"citations": [{"n": 1, "document": "datta.pdf"}], "references": references}
    second = {"citations": [{"n": 1, "document": "27182818"}, {"n": 2, "document": "datta.pdf"}],
              "references": references}
    return [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1", "answer": first},
            {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2", "answer": second}]


def test_cited_works_are_listed_once_and_only_if_cited():
    assert cited_works(conversation()) == {"27182818": PUBMED, "datta.pdf": DATTA}  # notes.txt was only retrieved


def test_bibtex_entries_carry_what_the_documents_gave():
    text = bibtex(cited_works(conversation()))
    assert text.count("@article{") == 2
    assert ("@article{Datta2010,\n  title = {Complications related to DVT prophylaxis in trauma: \\{a\\} systematic "
            "review},\n  author = {Datta I and Ball CG},\n  journal = {J Trauma Manag Outcomes},\n  year = {2010},\n"
            "  doi = {10.1186/1752-2897-4-1},\n  note = {datta.pdf}\n}") in text
    assert "@article{Smith2016," in text and "pmid = {27182818}" in text


def test_ris_records_for_reference_managers():
    text = ris(cited_works(conversation()))
    assert text.count("TY  - JOUR") == 2 and text.count("ER  - ") == 2
    assert "TI  - Bed nets and malaria in children.\nAU  - Smith J\nJO  - Malaria Journal\nPY  - 2016\n" \
           "AN  - 27182818\nN1  - 27182818\nER  - " in text
    assert "DO  - 10.1186/1752-2897-4-1" in text
