from rag.chunk import ChunkSettings, chunk_document
from rag.documents import Document, Section
from rag.text import split_sentences
from tests.fakes import WordTokenizer


def sentences(n: int, words: int = 10) -> str:
    return " ".join(f"Sentence {i} " + " ".join(["word"] * (words - 3)) + " end." for i in range(n))


def test_sentences_respect_abbreviations_and_decimals():
    text = "Heparin was given (Fig. 2). Smith et al. used 3.5 mg/kg daily. J. Doe agreed. Was it safe? Yes."
    found = [text[a:b] for a, b in split_sentences(text)]
    assert found == ["Heparin was given (Fig. 2).", "Smith et al. used 3.5 mg/kg daily.", "J. Doe agreed.",
                     "Was it safe?", "Yes."]


def test_chunks_fit_the_token_limit_and_overlap():
    doc = Document("a.txt", "A", [Section(sentences(30))])
    chunks = chunk_document(doc, "d1", WordTokenizer(), ChunkSettings(max_tokens=45, overlap=10))
    assert len(chunks) > 5
    assert all(len(c.text.split()) <= 45 for c in chunks)
    # Consecutive chunks share their boundary sentence
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end
    # Every sentence is in some chunk
    assert all(f"Sentence {i} " in " ".join(c.text for c in chunks) for i in range(30))


def test_chunks_keep_pages_sections_and_offsets():
    sections = [Section(sentences(3), page=1), Section(sentences(3), page=2, heading="Methods")]
    doc = Document("paper.pdf", "Paper", sections)
    chunks = chunk_document(doc, "d2", WordTokenizer(), ChunkSettings(max_tokens=100, overlap=0))
    assert [(c.page, c.section) for c in chunks] == [(1, None), (2, "Methods")]
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert chunk.document == "paper.pdf" and chunk.title == "Paper" and chunk.doc_id == "d2"
    assert [c.id for c in chunks] == ["d2-0000", "d2-0001"]


def test_a_sentence_longer_than_the_limit_is_cut():
    doc = Document("long.txt", "L", [Section(" ".join(f"w{i}" for i in range(250)))])
    chunks = chunk_document(doc, "d3", WordTokenizer(), ChunkSettings(max_tokens=100, overlap=0))
    assert [len(c.text.split()) for c in chunks] == [84, 84, 82]
    assert chunks[-1].text.endswith("w249")


def test_empty_sections_give_no_chunks():
    doc = Document("e.txt", "E", [Section("   ")])
    assert chunk_document(doc, "d4", WordTokenizer(), ChunkSettings()) == []
