"""Back matter: reference entries, affiliation blocks, keyword lines, title and author blocks and declarations
(acknowledgements, funding, competing interests, contributions) are told from body sentences."""

import pytest

from rag.chunk import ChunkSettings, chunk_document
from rag.chunk.backmatter import (
    AFFILIATIONS,
    BODY,
    DECLARATIONS,
    FRONT,
    KEYWORDS,
    REFERENCES,
    kind_of,
    kinds,
    sentence_spans,
)
from rag.documents import SECTION_SEPARATOR, Chunk, Document, Section
from rag.text import split_sentences
from tests.fakes import WordTokenizer
from tests.papers import (
    DATTA_CONCLUSION,
    DATTA_FIRST,
    DATTA_PAGE_1,
    DATTA_PAGE_2,
    DOUGLAS_FIRST,
    DOUGLAS_LAST,
    DOUGLAS_PAGE_1,
    DOUGLAS_PAGE_8,
    KEIM_TITLE,
    STINSON_PAGE_1,
    STINSON_SECOND,
)

REFERENCE_ENTRIES = [
    "Geerts WH, Jay RM, Code KI: A comparison of low-dose heparin with low-molecular-weight heparin as prophylaxis "
    "against venous thromboembolism after major trauma. N Engl J Med 1996, 335:701-7.",
    "1. Geerts WH, Jay RM, Code KI, et al. A comparison of low-dose heparin with low-molecular-weight heparin. "
    "N Engl J Med. 1996;335(10):701-707.",
    "Knudson MM, Lewis FR, Clinton A, Atkinson K, Megerman J: Prevention of venous thromboembolism in trauma "
    "patients. J Trauma 1994, 37:480-7.",
    "Lengeler C. Insecticide-treated bed nets and curtains for preventing malaria. Cochrane Database Syst Rev. "
    "2004;(2):CD000363. doi:10.1002/14651858.CD000363.pub2.",
]

AUTHOR_YEAR_ENTRIES = [
    "Smith, J. A., & Jones, B. (2010). Malaria transmission in rural Kenya. Malaria Journal, 9, 112-120.",
    "Yang X, Li Y, Zhang H (2007) Statin therapy and cardiovascular outcomes. J Clin Invest 117:1233-1240.",
]

AFFILIATION_LINES = [
    "Department of Surgery, University of Toronto, Toronto, Ontario, Canada. john.smith@utoronto.ca",
    "1 Department of Medicine, Karolinska Institute, Stockholm, Sweden; 2 School of Public Health, "
    "University of Oxford, Oxford, UK",
    "Correspondence: Jane Doe, Division of Hematology, Johns Hopkins Hospital, Baltimore, MD, USA.",
]

KEYWORD_LINES = [
    "Keywords: heparin; venous thromboembolism; trauma; prophylaxis",
    "Key words: malaria, bed nets, children",
    "KEYWORDS - deep vein thrombosis, enoxaparin, hip fracture",
]

BODY_SENTENCES = [
    "Low-dose heparin reduced deep vein thrombosis after trauma in earlier trials (Smith et al., 2010; Yang, 2007).",
    "Insecticide-treated bed nets lowered malaria incidence in children under five [1-3].",
    "Heparin prophylaxis is recommended after major trauma [1, 4-6] and after hip surgery [7].",
    "In a randomized trial of 344 trauma patients (Geerts et al., 1996), enoxaparin reduced deep vein thrombosis "
    "from 44% to 31% (p = 0.014).",
    "Geerts et al. (1996) compared low-dose heparin with enoxaparin in 344 patients.",
    "Patients were recruited at the University Hospital and followed for 12 months.",
    "Samples were stored at -80 °C in the Department of Pathology until analysis.",
    "Enoxaparin was given at 30 mg twice daily, starting within 36 hours of injury.",
]


@pytest.mark.parametrize("entry", REFERENCE_ENTRIES + AUTHOR_YEAR_ENTRIES)
def test_numbered_and_author_year_reference_entries_are_references(entry):
    assert kind_of(entry) == REFERENCES


@pytest.mark.parametrize("line", AFFILIATION_LINES)
def test_affiliation_lines_with_emails_or_departments_are_affiliations(line):
    assert kind_of(line) == AFFILIATIONS


@pytest.mark.parametrize("line", KEYWORD_LINES)
def test_keyword_lines_are_keywords(line):
    assert kind_of(line) == KEYWORDS
    # Even after a references heading a keyword line is still a keyword line
    assert kind_of(line, after_references=True) == KEYWORDS


@pytest.mark.parametrize("sentence", BODY_SENTENCES)
def test_body_sentences_with_in_text_citations_stay_body(sentence):
    assert kind_of(sentence) == BODY


def test_short_fragments_after_a_references_heading_are_references():
    sentences = ["We studied heparin in trauma patients over many months of follow-up.", "References",
                 "Lancet.", "Br J Surg", "Thrombosis risk after hip fracture surgery"]
    found, seen = kinds(sentences)
    assert found == [BODY, REFERENCES, REFERENCES, REFERENCES, REFERENCES]
    assert seen is True
    # The same fragments are body text when no heading came before them
    assert kinds(sentences[2:]) == ([BODY, BODY, BODY], False)


def test_the_references_heading_carries_over_to_later_sections():
    found, seen = kinds(["Lancet.", "Br J Surg"], after_references=True)
    assert found == [REFERENCES, REFERENCES] and seen is True
    assert kinds(["Bibliography"]) == ([REFERENCES], True)


def test_a_body_sentence_that_starts_with_the_word_references_is_not_a_heading_when_long():
    long = "References " + " ".join(["to earlier work on heparin prophylaxis in trauma"] * 60) + "."
    assert len(long) >= 400
    found, seen = kinds([long])
    assert seen is False


PAPER = [
    Section(
        "Heparin prophylaxis after major trauma. "
        "Department of Surgery, University of Toronto, Toronto, Ontario, Canada. john.smith@utoronto.ca\n\n"
        "Keywords: heparin; venous thromboembolism; trauma; prophylaxis\n\n"
        + " ".join(BODY_SENTENCES), page=1),
    Section(
        "Enoxaparin was more effective than low-dose heparin in preventing venous thromboembolism after major "
        "trauma (Geerts et al., 1996). Bleeding was rare in both groups and no patient died of pulmonary embolism.\n\n"
        "References\n\n" + "\n".join(REFERENCE_ENTRIES + AUTHOR_YEAR_ENTRIES), page=2),
]


def sentence_kinds(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every sentence of the document, in document offsets, as the chunker sees them."""
    offset, found, after = 0, [], False
    for section in doc.sections:
        spans = split_sentences(section.text)
        section_kinds, after = kinds([section.text[a:b] for a, b in spans], after)
        found += [(offset + a, offset + b, k) for (a, b), k in zip(spans, section_kinds, strict=True)]
        offset += len(section.text) + len(SECTION_SEPARATOR)
    return found


@pytest.mark.parametrize("max_tokens,overlap", [(30, 8), (60, 16), (400, 32)])
def test_chunks_never_mix_kinds(max_tokens, overlap):
    doc = Document("paper.txt", "Paper", PAPER)
    chunks = chunk_document(doc, "d1", WordTokenizer(), ChunkSettings(max_tokens=max_tokens, overlap=overlap))
    assert {c.kind for c in chunks} == {BODY, AFFILIATIONS, KEYWORDS, REFERENCES}
    expected = sentence_kinds(doc)
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        inside = {k for a, b, k in expected if a >= chunk.start and b <= chunk.end}
        assert inside == {chunk.kind}, (chunk.kind, chunk.text[:80])
    by_kind = {kind: " ".join(c.text for c in chunks if c.kind == kind) for kind in (BODY, REFERENCES)}
    assert "Geerts WH" in by_kind[REFERENCES] and "Geerts WH" not in by_kind[BODY]
    assert "Bleeding was rare" in by_kind[BODY] and "Bleeding was rare" not in by_kind[REFERENCES]
    assert "Keywords:" in " ".join(c.text for c in chunks if c.kind == KEYWORDS)
    assert "john.smith@utoronto.ca" in " ".join(c.text for c in chunks if c.kind == AFFILIATIONS)
    # Every body sentence is in a body chunk
    body = " ".join(c.text for c in chunks if c.kind == BODY)
    assert all(sentence in body for sentence in BODY_SENTENCES)


def test_fragments_between_reference_entries_go_with_the_entry_before_them():
    """From datta2010's reference list, which has no "References" heading in its text layer."""
    entry = "Geerts WH, Pineo GF, Heit JA, et al.: Prevention of venous thromboembolism. Chest 2004, 126:338S-400S."
    sentences = [entry, "13.", entry, "J Urol 1996, 156:1763.", "69.", "Heparin reduced thrombosis in all groups."]
    found, _ = kinds(sentences)
    assert found == [REFERENCES] * 5 + [BODY]  # the body resumes with a real sentence
    # A short body sentence after body text is never touched, nor a wordless one that opens a section
    assert kinds(["We enrolled 60 patients.", "Table 2.", "24."]) == ([BODY, BODY, BODY], False)


def test_a_single_author_entry_after_another_entry_is_a_reference():
    """datta2010's entry 32, "Haentjens P: ...", has one author and its year in the next sentence."""
    entry = ("Haentjens P: Thromboembolic prophylaxis in orthopaedic trauma patients: a comparison between a fixed "
             "dose and an individually adjusted dose of a low molecular weight heparin (nadroparin calcium).")
    sentences = ["Lubenow N, Hinz P: Should patients be informed? Eur J Haematol 2007, 79:187-90.", "31.", entry,
                 "Injury 1996, 27:385-90."]
    assert kinds(sentences)[0] == [REFERENCES] * 4
    # The same start after body text is body: nothing says a list began
    assert kinds(["Heparin was given daily.", entry])[0] == [BODY, BODY]
    assert kinds(["31.", "Smith et al. reported fewer clots: 4 of 60 patients."])[0] == [BODY, BODY]


def body_and_rest(*pages: str, title: str = "Paper") -> tuple[list[Chunk], list[Chunk]]:
    """The body chunks and the other chunks of a PDF-like document with one section per page."""
    doc = Document("paper.pdf", title, [Section(text, page=n) for n, text in enumerate(pages, 1)])
    chunks = chunk_document(doc, "d1", WordTokenizer(), ChunkSettings(max_tokens=60, overlap=8))
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
    return [c for c in chunks if c.kind == BODY], [c for c in chunks if c.kind != BODY]


def test_a_first_pages_title_and_authors_are_cut_off_where_the_abstract_begins():
    body, rest = body_and_rest(DATTA_PAGE_1, DATTA_PAGE_2)
    assert body[0].text.startswith(DATTA_FIRST) and body[0].page == 1
    assert all("Datta1" not in c.text and "R EVI EW" not in c.text for c in body)
    assert rest[0].kind == FRONT and rest[0].text.startswith("R EVI EW") and rest[0].text.endswith("Abstract")
    # The affiliations run into "Abstract", after a journal header (douglas2014)
    body, rest = body_and_rest(DOUGLAS_PAGE_1)
    assert body[0].text.startswith(DOUGLAS_FIRST)
    assert all("University" not in c.text and "SHARMA" not in c.text for c in body)
    assert {c.kind for c in rest} == {FRONT}


def test_a_title_block_without_an_abstract_heading_is_front_matter_and_the_next_sentence_body():
    body, rest = body_and_rest(STINSON_PAGE_1)
    assert {c.kind for c in rest} == {FRONT} and "Klironomos2*" in " ".join(c.text for c in rest)
    assert body[0].text == STINSON_SECOND


def test_declarations_after_their_heading_are_left_out_of_the_body():
    body, rest = body_and_rest(DATTA_PAGE_1, DATTA_PAGE_2)
    text = " ".join(c.text for c in body)
    assert DATTA_CONCLUSION in text and DATTA_FIRST in text
    for declared in ("Author details", "Authors’ contributions", "CGB - Data analysis", "approved the final",
                     "competing interests", "Received:", "Kudsk KA"):
        assert declared not in text, declared
    assert {c.kind for c in rest} == {FRONT, DECLARATIONS, AFFILIATIONS, REFERENCES}
    assert "CGB - Data analysis" in " ".join(c.text for c in rest if c.kind == DECLARATIONS)
    # A heading in capitals run into the last body sentence (douglas2014's "... disorders AUTHOR CONTRIBUTION")
    body, rest = body_and_rest(DOUGLAS_PAGE_8)
    assert [c.text for c in body] == [DOUGLAS_LAST]
    assert {c.kind for c in rest} == {DECLARATIONS}
    assert "We also thank the scientists" in " ".join(c.text for c in rest)


@pytest.mark.parametrize("sentence", [
    "Acknowledgements We thank Michel Havaux (CEA, Cadarache, France) for comments and suggestions.",
    "ACKNOWLEDGMENTS The financial support by the Austrian Federal Ministry for Digital and Economic Affairs is "
    "gratefully acknowledged.",
    "Funding: This research received no external funding.",
    "Funding.",
    "Competing interests The authors declare that they have no competing interests.",
    "Conflicts of Interest: The authors declare no conflict of interest.",
    "Declaration of competing interest The authors declare that they have no known competing financial interests.",
    "Authors’ contributions KJL conceived of and designed the study.",
    "Author Contributions: Conceptualization, P.P., A.K. and A.P.; methodology, P.P.; software, P.P.",
    "Data Availability Statement The authors have nothing to report.",
    "473 474 Acknowledgements 475 SP was funded by the NERC Science and Solutions for a Changing Planet Doctoral "
    "Training Programme.",
])
def test_declaration_headings_from_the_shared_pdfs(sentence):
    assert kind_of(sentence) == DECLARATIONS


def test_a_run_of_declarations_ends_where_the_body_resumes():
    sentences = ["The structure confirmed the importance of the P2 subsite.",
                 "Acknowledgements We thank T. Seeley, K. Reeve and P. Sherman for support and advice.",
                 "We thank J. Kapoor and S. Bogdanowicz for advice on microsatellite genotyping.",
                 "Data Availability Statement The authors have nothing to report.",
                 "FIGURE 2 | Map showing the location of the gray wolf we detected with a camera trap in 2023.",
                 "This region coincides with the ecotone between the Sierra Nevada and Great Basin Desert."]
    assert kinds(sentences)[0] == [BODY, DECLARATIONS, DECLARATIONS, DECLARATIONS, BODY, BODY]
    # Words of a heading that open a body sentence do not make it one
    assert kinds(["Funding for health services in Malawi has fallen since 2010.",
                  "Data availability was limited in rural districts."])[0] == [BODY, BODY]


@pytest.mark.parametrize("sentence", [
    "Received: 19 July 2022 Revised: 27 September 2022 Accepted: 22 October 2022 DOI: 10.1002/spe.3169",
    "SPLC ’24, September 02–06, 2024, Dommeldange, Luxembourg © 2024 Copyright held by the owner/author(s).",
    "Published by Elsevier Ltd. This is an open access article under the CC BY license.",
    "rsos.royalsocietypublishing.org Research Cite this article: Griffiths K et al. 2015 Prolonged transition time "
    "between colostrum and mature milk in a bear, the giant panda, Ailuropoda melanoleuca.",
    "https://doi.org/10.1007/s10664-020-09875-y Pandemic programming How COVID-19 affects software developers and "
    "how their organizations can help Paul Ralph1 · Sebastian Baltes2 ·Gianisa Adisaputri1 · Richard Torkar3,4",
])
def test_front_matter_lines_from_the_shared_pdfs(sentence):
    assert kind_of(sentence) == FRONT


def test_body_sentences_with_a_copyright_mark_or_numbered_things_stay_body():
    for sentence in ["For those sharks deemed to be in good health, a Hallprint© nylon dart tag was inserted.",
                     "Results are shown in Figure 1, Table 2 and Supplementary Table 3, and in Figure 4 and Table 5.",
                     # douglas2014's page footer run into a methods sentence
                     "Enzymeinhibitor solutions were then divided into aliquotes in triplicate 20 μl volumes followed "
                     "by the addition of 280 μl of fluorogenic substrate (Abz)-FRK(Dnp)P-OH (in assay buffer) to yield "
                     "a final 306 C The Authors Journal compilation C 2014 Biochemical Society © 2014 The Author(s)"]:
        assert kind_of(sentence) == BODY


def test_the_title_repeated_on_its_own_is_front_matter_but_not_a_sentence_that_spells_it_out():
    assert kind_of("Recovering Trace Links Between Software Documentation And Code.", title=KEIM_TITLE) == FRONT
    vespa = "VESPA: Very large-scale Evolutionary and Selective Pressure Analyses"
    assert kind_of("To address these issues we have designed VESPA (Very large-scale Evolutionary and Selective "
                   "Pressure Analyses).", title=vespa) == BODY
    # A plain-text file's first line is its title, and stays in the body as its heading
    doc = Document("notes.txt", KEIM_TITLE, [Section(f"{KEIM_TITLE}\n\n{DATTA_CONCLUSION}")])
    assert [c.kind for c in chunk_document(doc, "d1", WordTokenizer(), ChunkSettings())] == [BODY]


@pytest.mark.parametrize("text,first_reference", [
    # A preprint's line numbers before the heading (pipins2025)
    ("We thank the reviewers. 27 487 488 References 489 490 Albert, J. S., Destouni, G. (2021). Scientists' warning "
     "to humanity on the freshwater biodiversity crisis. Ambio. 50, 1-10.", "27 487 488 References"),
    # A heading run into the sentence before it, after a running header (sultaire2025) or a nomenclature
    # (poredos2019, whose heading reads "References and Note")
    ("4 of 4 Ecology and Evolution, 2025 References Beever, E. 2003. “Management Implications of the Ecology of "
     "Free-Roaming Horses.” Wildlife Society Bulletin 31: 887–895.", "References Beever"),
    ("shw sanitary hot-water tot total w water References and Note 1. Lund, H.; Østergaard, P.A. Smart energy "
     "systems. Energy 2017, 137, 556–565.", "References and Note"),
])
def test_a_references_heading_that_does_not_open_its_sentence_still_starts_the_list(text, first_reference):
    spans, _ = sentence_spans(text)
    found, seen = kinds([text[a:b] for a, b in spans])
    assert seen is True
    first = next(i for i, (a, b) in enumerate(spans) if text[a:b].startswith(first_reference))
    assert all(kind == REFERENCES for kind in found[first:]) and BODY not in found[first:]


def test_long_sentences_inside_a_reference_list_are_part_of_it():
    # A book chapter's title and editors (frazier2015), an entry opened by its number (nan2024), a link
    chapter = ("In Shark nursery grounds of the Gulf of Mexico and East Coast waters of the United States "
               "(McCandless, CT NE Kohler, and HL Pratt Jr. editors), American Fisheries Society.")
    numbered = ("[42] Le Chang, Zhixin Wu, Noradin Ghadimi, A new biomass-based hybrid energy system integrated with "
                "a flue gas condensation process and energy storage option: an effort to mitigate environmental "
                "hazards, Process Saf.")
    entries = ["Carlson JK, Baremore IE: Changes in biological parameters of Atlantic sharpnose shark. Mar "
               "Freshwater Res. 2003; 54(3): 227–234.", "Ulrich GF, Jones CM, Driggers WB II, et al.: Habitat "
               "utilization of sharks.", chapter, "Symposium 50, Bethesda, Maryland. 2007; 125–139.", numbered]
    found, _ = kinds(["References", *entries])
    assert found == [REFERENCES] * 6
    # The same long sentences in the body, where no heading came before, stay body
    assert kinds([BODY_SENTENCES[0], chapter, BODY_SENTENCES[1]])[0] == [BODY, BODY, BODY]


def test_a_supplements_long_sentences_after_the_list_stay_body():
    # douglas2014 of the shared PDFs: supplementary methods follow the reference list; their short sentences are
    # taken for entries (the heading came before), the long ones between them are not pulled in with them
    prose = ["The commercial structures were submitted to a virtual reaction algorithm, where each of the "
             "hypothetical interactions of the compounds is replaced by a new bond between the fragment and the "
             "scaffold of the query molecule.", "The virtual compounds were converted into 3D structures.",
             "Owing to its proximity to the phenylalanine residue and the lack of hydrogen bonding potential of the "
             "corresponding residue, this position was chosen for the substitution of the scaffold in all designs.",
             "Thr358 is located in the S2 subsite."]
    found, _ = kinds(["References", REFERENCE_ENTRIES[0], "SUPPLEMENTARY ONLINE DATA", *prose])
    assert found[3] == found[5] == BODY
