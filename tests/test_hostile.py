"""Hostile and broken files beside good ones: each bad file refused with its reason, the good ones indexed."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunk import ChunkSettings, chunk_document
from rag.documents import Document, Section
from rag.engine import Engine
from rag.settings import Settings
from tests.conftest import shared_data
from tests.fakes import WordTokenizer

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


def pdf_bytes(encrypt: str | None = None, pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if encrypt:
        writer.encrypt(encrypt)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("paper.txt", "Heparin " * 100)
    return buffer.getvalue()


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """File name -> (content, expected reason)."""
    real = shared_data("pdfs", "tully2010_heart_failure_programmes_rehabrespract.pdf").read_bytes()
    return {
        "empty.pdf": (b"", "the file is empty"),
        "spaces.txt": (b"   \n\t\n", "the file is empty"),
        "truncated.pdf": (real[: len(real) // 3], "damaged or incomplete"),
        "header-only.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "damaged or incomplete"),
        "garbage.pdf": (b"%PDF-1.4\n" + os.urandom(4000), "damaged or incomplete"),
        "encrypted.pdf": (pdf_bytes(encrypt="secret"), "encrypted"),
        "scanned.pdf": (pdf_bytes(pages=3), "no text could be extracted"),
        "image.png": (PNG, "binary data"),
        "image-posing.txt": (PNG, "binary data"),
        "archive.md": (zipped(), "binary data"),
        "program.html": (Path(sys.executable).read_bytes()[:20000], "binary data"),
        "nul-bytes.txt": (b"Heparin\x00\x00\x00 dose" * 50, "binary data"),
        "control-chars.txt": (bytes(range(1, 9)) * 500, "binary data"),
        "bomb.xml": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                     b"<PubmedArticleSet><PubmedArticle>&lol2;</PubmedArticle></PubmedArticleSet>",
                     "entity declarations"),
        "xxe.xml": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    b"<PubmedArticleSet><PubmedArticle><PMID>1</PMID>&xxe;</PubmedArticle></PubmedArticleSet>",
                    "entity declarations"),
        "broken.xml": (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>12", "malformed"),
        "no-pmid.xml": (b"<PubmedArticleSet><PubmedArticle><ArticleTitle>T</ArticleTitle></PubmedArticle>"
                        b"</PubmedArticleSet>", "no article with a PMID"),
        "only-script.html": (b"<html><head><script>steal()</script></head><body><script>x()</script></body></html>",
                             "no text found"),
        "hidden-only.html": (b"<html><body><div hidden>secret</div><p style='display: none'>x</p></body></html>",
                             "no text found"),
        "huge.txt": (b"Heparin prevents thrombosis. " * 40000, "larger than the limit of 0.5 MB"),
        "utf16-broken.txt": (b"\xff\xfe" + b"\x00\xd8" * 10, "not valid UTF-16"),
    }


GOOD = {
    "../../../../etc/escape.txt": b"Heparin prevents deep venous thrombosis in trauma patients.",
    "/abs/olute.md": b"# Malaria\n\nMalaria is spread by Anopheles mosquitoes.",
    "odd \u202enaming\u0000.html": b"<html><body><h1>Statins</h1><p>Statins lower LDL cholesterol.</p></body></html>",
    "deep.html": b"<html><body>" + b"<div>" * 20000 + b"Deeply nested text survives." + b"</div>" * 20000,
}


@pytest.mark.slow
def test_a_batch_of_hostile_files_beside_good_ones(tmp_path):
    engine = Engine(Settings.from_env(max_file_mb=0.5))
    files = []
    for i, (name, data) in enumerate({**{n: d for n, (d, _) in hostile_files().items()}, **GOOD}.items()):
        path = tmp_path / str(i) / "upload"
        path.parent.mkdir()
        path.write_bytes(data)
        files.append((name, path))
    report = engine.ingest("hostile", files)

    failed = dict(report.failed)
    for name, (_, reason) in hostile_files().items():
        assert reason in failed.get(name, ""), f"{name}: {failed.get(name)!r}"
    assert len(failed) == len(hostile_files()) >= 20
    assert sorted(name for name, _ in report.added) == ["deep.html", "escape.txt", "odd naming.html", "olute.md"]

    # Names never leave the collection's folder; stored files are named by content hash
    folder = engine.settings.data_dir / "collections" / "hostile"
    stored = sorted(p.name for p in (folder / "files").iterdir())
    assert len(stored) == 4 and all(len(name.split(".")[0]) == 16 for name in stored)
    assert not any((engine.settings.data_dir / p).exists() for p in ["etc", "abs", "escape.txt"])
    assert engine.search("hostile", "mosquitoes", k=1)[0].chunk.document == "olute.md"


@pytest.mark.slow
def test_the_batch_limit_refuses_what_is_over_it(tmp_path):
    engine = Engine(Settings.from_env(max_batch_mb=0.001))
    (tmp_path / "a.txt").write_text("Heparin prevents thrombosis. " * 20)
    (tmp_path / "b.txt").write_text("Malaria is spread by mosquitoes. " * 20)
    report = engine.ingest("limits", [("a.txt", tmp_path / "a.txt"), ("b.txt", tmp_path / "b.txt")])
    assert [n for n, _ in report.added] == ["a.txt"]
    assert report.failed == [("b.txt", "the batch is over its limit of 0.001 MB")]


@pytest.mark.slow
def test_the_cli_names_each_bad_file_and_exits_non_zero(tmp_path):
    for name, (data, _) in list(hostile_files().items())[:8]:
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Aspirin thins the blood.")
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(tmp_path), "--collection", "c"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "added    good.txt" in result.stdout
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert len(failures) == 8 and all(": " in line for line in failures)
    listed = subprocess.run([sys.executable, "-m", "rag.cli", "collections", "--json"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert json.loads(listed.stdout)[0]["documents"] == 1


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=3000), limit=st.integers(8, 64))
def test_the_chunker_never_fails_and_respects_its_limit(text, limit):
    doc = Document("x.txt", "x", [Section(text), Section(text[::-1], page=2)])
    chunks = chunk_document(doc, "d", WordTokenizer(), ChunkSettings(max_tokens=limit, overlap=limit // 4))
    for chunk in chunks:
        assert chunk.text.strip() and len(chunk.text.split()) <= limit
        assert doc.text[chunk.start:chunk.end] == chunk.text


@pytest.fixture(scope="module")
def real_tokenizer():
    from rag.chunk import ModelTokenizer
    from rag.models import resolve_embeddings

    return ModelTokenizer(resolve_embeddings().path)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=2000))
def test_the_chunker_with_the_real_tokenizer(real_tokenizer, text):
    doc = Document("x.txt", "x", [Section(text)])
    for chunk in chunk_document(doc, "d", real_tokenizer, ChunkSettings(max_tokens=32, overlap=8)):
        assert real_tokenizer.count([chunk.text])[0] <= 40
