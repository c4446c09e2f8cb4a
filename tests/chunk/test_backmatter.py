"""Back matter: reference entries, affiliation blocks and keyword lines are told from body sentences."""

import pytest

from rag.chunk import ChunkSettings, chunk_document
from rag.chunk.backmatter import AFFILIATIONS, BODY, KEYWORDS, REFERENCES, kind_of, kinds
from rag.documents import SECTION_SEPARATOR, Document, Section
from rag.text import split_sentences
from tests.fakes import WordTokenizer

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
