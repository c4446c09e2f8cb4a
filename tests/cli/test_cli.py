"""The rag command line as a user runs it: exit statuses, one-line errors, the documented JSON."""

import json
import os
import subprocess
import sys

import pytest

from rag.answer.present import flag
from rag.cli import main
from rag.models import resolve_llm
from rag.models.catalogue import DEFAULT_LLM_NAME, entry


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "heparin.txt").write_text("Heparin prevents deep venous thrombosis in trauma patients.")
    (folder / "malaria.md").write_text("# Malaria\n\nMalaria is spread by Anopheles mosquitoes.")
    (folder / ".hidden.txt").write_text("Never indexed.")
    return folder


@pytest.mark.slow
def test_ingest_search_list_delete(notes, capsys, data_dir):
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
    manifest = json.loads((data_dir / "collections" / "demo" / "collection.json").read_text())
    assert manifest["ann"] == {"kind": "exact", "components": "IDMap,Flat", "vectors": 2}
    listed = capsys.readouterr().out
    assert listed.startswith("demo\t2 documents\t2 chunks") and listed.endswith("\texact search\n")
    assert main(["documents", "remove", "heparin.txt", "--collection", "demo"]) == 0
    assert main(["collections", "delete", "demo"]) == 0
    capsys.readouterr()
    assert main(["search", "x", "--collection", "demo"]) == 2
    assert capsys.readouterr().err == "rag: No collection named 'demo'.\n"


@pytest.mark.slow
def test_ask_json_and_streamed(notes, capsys, monkeypatch):
    monkeypatch.setenv("RAG_TEMPERATURE", "0")  # greedy: both runs below write the same answer
    assert main(["ingest", str(notes), "--collection", "demo"]) == 0
    capsys.readouterr()
    assert main(["ask", "What spreads malaria?", "--collection", "demo", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "What spreads malaria?" and answer["answer"]
    assert answer["passages"][0]["document"] == "malaria.md"
    assert [(e["n"], e["document"], e["text"]) for e in answer["evidence"]] == [
        (1, "malaria.md", "Malaria is spread by Anopheles mosquitoes."),
        (2, "heparin.txt", "Heparin prevents deep venous thrombosis in trauma patients.")]
    assert answer["sentences"] and answer["citations"]
    assert answer["models"]["llm"] == resolve_llm("").name  # the default answerer

    # Streamed: the evidence quoted with its source, then the same answer, each unsupported sentence marked
    assert main(["ask", "What spreads malaria?", "--collection", "demo"]) == 0
    said = " ".join(s["text"] + flag(s) for s in answer["sentences"])
    assert capsys.readouterr().out == (
        "Evidence:\n"
        "[1] “Malaria is spread by Anopheles mosquitoes.”\n    malaria.md\n"
        "[2] “Heparin prevents deep venous thrombosis in trauma patients.”\n    heparin.txt\n"
        f"\nAnswer:\n{said}\n")


def test_bad_settings_and_names_are_one_line_errors(monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "lots")
    assert main(["collections"]) == 2
    assert capsys.readouterr().err == "rag: RAG_TOP_K='lots' is not a valid value (expected int).\n"
    monkeypatch.delenv("RAG_TOP_K")
    assert main(["ingest", "nothing-here", "--collection", "../up"]) == 2
    assert "Invalid collection name" in capsys.readouterr().err


@pytest.mark.slow
def test_models(capsys):
    assert main(["models", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    # The bundled embedding model, and the default answerer that `make test` installed with the app
    assert info["embeddings"]["fallback"] is True
    assert (info["llm"]["name"], info["llm"]["source"]) == (entry(DEFAULT_LLM_NAME).title, "installed with the app")
    assert main(["models"]) == 0
    assert "bundled fallback" in capsys.readouterr().out


def test_the_installed_command_exits_with_the_status_after_threads_exit_handlers_and_output(tmp_path):
    """``rag`` skips the interpreter's teardown (rag.__main__.run), but not what must happen before a process ends."""
    import os
    import subprocess
    import sys

    script = f"""
import atexit, pathlib, sys, threading, time
out = pathlib.Path({str(tmp_path)!r})
def late():
    time.sleep(0.3)
    (out / "thread").write_text("done")
threading.Thread(target=late).start()
atexit.register(lambda: (out / "atexit").write_text("ran"))
sys.argv = ["rag", *sys.argv[1:]]
from rag.__main__ import run
run()
print("not reached")
"""
    # Buffered output, as a user's shell gives it (unbuffered, nothing would be left to flush)
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "RAG_DATA_DIR": str(tmp_path / "data")}
    listed = subprocess.run([sys.executable, "-c", script, "collections"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout.startswith("No collections yet")
    assert "not reached" not in listed.stdout
    assert (tmp_path / "thread").read_text() == "done" and (tmp_path / "atexit").read_text() == "ran"
    failed = subprocess.run([sys.executable, "-c", script, "search", "heparin", "--collection", "none"], env=env,
                            capture_output=True, text=True)
    assert failed.returncode == 2 and failed.stderr.startswith("rag: ") and "none" in failed.stderr


def test_progress_is_redrawn_a_few_times_a_second_not_once_per_file(capsys):
    from rag.cli.model_commands import progress_bars

    progress, bars = progress_bars()
    for done in range(1000):
        progress("reading", done, 1000, f"{done:05d}.txt")
    progress("reading", 1000, 1000, "")
    for bar in bars.values():
        bar.close()
    drawn = capsys.readouterr().err
    assert drawn.count("\r") < 20  # 1,000 files read in well under a second: a handful of redraws
    assert "1000/1000" in drawn.rsplit("\r", 1)[-1]  # the last one shows them all read
    assert not bars  # a finished stage's bar is closed when it finishes, not redrawn later


@pytest.mark.slow
def test_documents_lists_each_reference_as_text_and_json(notes, capsys, data_dir):
    from tests.conftest import shared_data

    pdf = shared_data("pdfs", "datta2010_dvt_prophylaxis_trauma_jtraumamanagoutcomes.pdf")
    assert main(["ingest", str(pdf), str(notes / "heparin.txt"), "--collection", "refs"]) == 0
    capsys.readouterr()
    assert main(["documents", "--collection", "refs", "--json"]) == 0
    listed = {d["source"]: d for d in json.loads(capsys.readouterr().out)}
    paper = listed[pdf.name]
    assert (paper["doi"], paper["journal"], paper["year"]) == (
        "10.1186/1752-2897-4-1", "Journal of Trauma Management & Outcomes", "2010")
    assert paper["authors"][0].startswith("Datta")
    assert paper["title"].startswith("Complications related to deep venous thrombosis prophylaxis")
    assert paper["passages"] > 5 and paper["left_out"].get("references", 0) > 0  # its reference list not indexed
    assert listed["heparin.txt"]["doi"] == "" and listed["heparin.txt"]["passages"] == 1

    assert main(["documents", "--collection", "refs"]) == 0
    out = capsys.readouterr().out
    assert f"{paper['id']}  {pdf.name}  {paper['passages']} passages; " in out
    assert "Journal of Trauma Management & Outcomes 2010 · doi:10.1186/1752-2897-4-1" in out


def test_output_cut_short_by_its_reader_ends_quietly(data_dir):
    """`rag models | head -1`: the reader goes before rag has written; no traceback, the status a shell expects."""
    process = subprocess.Popen([sys.executable, "-m", "rag", "models"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "RAG_DATA_DIR": str(data_dir)})
    process.stdout.close()  # gone before the first line (importing rag alone takes longer)
    errors = process.stderr.read().decode()
    assert process.wait(60) == 141, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors
