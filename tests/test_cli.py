"""The rag command line as a user runs it: exit statuses, one-line errors, the documented JSON."""

import json

import pytest

from rag.cli import main


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "heparin.txt").write_text("Heparin prevents deep venous thrombosis in trauma patients.")
    (folder / "malaria.md").write_text("# Malaria\n\nMalaria is spread by Anopheles mosquitoes.")
    (folder / ".hidden.txt").write_text("Never indexed.")
    return folder


def test_ingest_search_list_delete(notes, capsys):
    broken = notes.parent / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 truncated")
    assert main(["ingest", str(notes), str(broken), "--collection", "demo"]) == 1
    out, err = capsys.readouterr()
    assert "added    heparin.txt (1 chunks)" in out and "added    malaria.md" in out
    assert "failed   broken.pdf: the PDF is damaged or incomplete" in err
    assert "Traceback" not in out + err and ".hidden" not in out

    assert main(["ingest", str(notes / "heparin.txt"), "--collection", "demo"]) == 0
    assert "skipped  heparin.txt: already in the collection" in capsys.readouterr().out

    assert main(["search", "mosquito-borne disease", "--collection", "demo", "-k", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "mosquito-borne disease"
    assert [(h["document"], h["page"]) for h in result["hits"]] == [("malaria.md", None)]

    assert main(["collections"]) == 0
    assert capsys.readouterr().out.startswith("demo\t2 documents\t2 chunks")
    assert main(["documents", "remove", "heparin.txt", "--collection", "demo"]) == 0
    assert main(["collections", "delete", "demo"]) == 0
    capsys.readouterr()
    assert main(["search", "x", "--collection", "demo"]) == 2
    assert capsys.readouterr().err == "rag: No collection named 'demo'.\n"


def test_ask_json_and_streamed(notes, capsys):
    assert main(["ingest", str(notes), "--collection", "demo"]) == 0
    capsys.readouterr()
    assert main(["ask", "What spreads malaria?", "--collection", "demo", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "What spreads malaria?" and answer["answer"]
    assert answer["passages"][0]["document"] == "malaria.md"
    assert answer["models"]["llm"].startswith("SmolLM2")
    assert main(["ask", "What spreads malaria?", "--collection", "demo"]) == 0
    assert capsys.readouterr().out.strip()


def test_bad_settings_and_names_are_one_line_errors(monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "lots")
    assert main(["collections"]) == 2
    assert capsys.readouterr().err == "rag: RAG_TOP_K='lots' is not a valid value (expected int).\n"
    monkeypatch.delenv("RAG_TOP_K")
    assert main(["ingest", "nothing-here", "--collection", "../up"]) == 2
    assert "Invalid collection name" in capsys.readouterr().err


def test_models(capsys):
    assert main(["models", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["embeddings"]["fallback"] is True and info["llm"]["source"] == "bundled"
    assert main(["models"]) == 0
    assert "bundled fallback" in capsys.readouterr().out
