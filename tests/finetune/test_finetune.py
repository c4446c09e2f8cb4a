"""`rag finetune`: pairs from a collection, a held-out measure before and after, a model saved whole or not at all,
and a collection moved to it with `rag reindex`."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.documents import Chunk, Document, Section
from rag.engine import Engine
from rag.errors import ConfigError, RagError
from rag.finetune import check_name
from rag.finetune.pairs import Pair, batches, document_pairs, hold_out, read_pairs
from rag.finetune.train import load_model, measure
from rag.models import resolve_embeddings
from rag.models.store import TUNED, ModelStore
from rag.settings import Settings
from tests.conftest import ROOT, shared_data

PAPERS = ("douglas2014_ace_n_domain_inhibitors_clinsci.pdf", "tully2010_heart_failure_programmes_rehabrespract.pdf")
NOTES = {f"note{i}.md": f"# Note {i} on heparin and thrombosis\n\n## Methods\n\n" + " ".join(
    f"Patients in ward {i} got heparin on day {d} after surgery, and their legs were scanned for clots."
    for d in range(8)) for i in range(3)}


def chunk(text: str, section: str | None = None) -> Chunk:
    return Chunk(id="d-0000", document="d.pdf", text=text, section=section)


def test_a_document_gives_a_title_pair_and_a_pair_per_passage_of_several_sentences():
    doc = Document("d.pdf", "Heparin after hip surgery in trauma patients", [Section("unused")])
    first = chunk("Heparin was given to 200 patients. Thrombosis fell by half in the treated group over "
                  "the six weeks that followed surgery, with no more bleeding than before.", "Results")
    single = chunk("A passage of one sentence only, which has nothing to pair with its own rest.")
    short = chunk("Too short. Rest.")
    pairs = document_pairs(doc, [first, single, short], "g")
    assert pairs == [
        Pair("Heparin after hip surgery in trauma patients", first.text, "title", "g"),
        Pair("Results: Heparin was given to 200 patients.", "Thrombosis fell by half in the treated group over the "
             "six weeks that followed surgery, with no more bleeding than before.", "section", "g"),
    ]


def test_a_pubmed_record_pairs_its_title_with_its_whole_abstract():
    sections = [Section("Background: aspirin thins the blood of adults who take it daily.", heading="BACKGROUND"),
                Section("Results: bleeding rose in the group that took aspirin for ten years or more.")]
    doc = Document("31415926", "Aspirin and bleeding over ten years", sections, {"pmid": "31415926"})
    title = document_pairs(doc, [chunk(sections[0].text)], "g")[0]
    assert (title.kind, title.positive) == ("title", doc.text)  # both sections, not just the first passage


def test_a_pairs_file_is_read_and_a_bad_line_is_named(tmp_path):
    good = tmp_path / "pairs.jsonl"
    good.write_text('{"anchor": "Does heparin prevent DVT?", "positive": "Heparin halves DVT."}\n\n'
                    '{"anchor": "Malaria vector?", "positive": "Mosquitoes spread malaria."}\n')
    assert [(p.anchor, p.kind) for p in read_pairs(good)] == [("Does heparin prevent DVT?", "file"),
                                                              ("Malaria vector?", "file")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"anchor": "a", "positive": "b"}\n{"question": "no anchor"}\n')
    with pytest.raises(RagError, match="line 2: not a JSON object with \"anchor\" and \"positive\""):
        read_pairs(bad)
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(RagError, match="holds no pairs"):
        read_pairs(tmp_path / "empty.jsonl")


def test_held_out_pairs_are_whole_documents_never_all_of_them():
    pairs = [Pair(f"a{g}{i}", f"p{g}{i}", "section", f"doc{g}") for g in range(20) for i in range(3)]
    train, held = hold_out(pairs, 0.1)
    assert {p.group for p in train}.isdisjoint({p.group for p in held})
    assert len({p.group for p in held}) == 2 and len(train) + len(held) == len(pairs)
    two = [Pair("a", "b", "title", "one"), Pair("c", "d", "title", "two")]
    assert len(hold_out(two, 0.1)[1]) == 1  # one of two documents held out, the other trained on
    assert [len(part) for part in hold_out(two, 1.0)] == [1, 1]  # never all of them, whatever the share
    with pytest.raises(RagError, match="at least two documents"):
        hold_out([Pair("a", "b", "title", "one")], 0.1)


def test_no_text_appears_twice_in_a_batch():
    # Two claims share one abstract: in one batch that abstract would be its own negative
    pairs = [Pair(f"claim {i}", f"abstract {i // 2}", "file", str(i)) for i in range(40)]
    for batch in batches(pairs, 8, seed=1):
        texts = [p.anchor for p in batch] + [p.positive for p in batch]
        assert len(texts) == len(set(texts)) and len(batch) <= 8
    assert sorted(p.anchor for b in batches(pairs, 8, 1) for p in b) == sorted(p.anchor for p in pairs)


def test_model_names_must_be_new_and_plain(tmp_path):
    (tmp_path / "taken").mkdir()
    for bad in ("minilm", "taken", "Upper", "../up", ""):
        with pytest.raises(ConfigError):
            check_name(bad, tmp_path)
    check_name("lab-papers.v2", tmp_path)


@pytest.fixture
def papers(tmp_path):
    engine = Engine(Settings.from_env())
    report = engine.ingest("papers", [shared_data("pdfs", name) for name in PAPERS])
    assert not report.failed
    return engine


@pytest.mark.slow
def test_finetune_saves_a_model_that_a_collection_moves_to_and_searches_with(papers, data_dir):
    steps = []
    done = papers.models.finetune(papers.collection("papers"), epochs=1, batch_size=8,
                                  progress=lambda s, n, loss: steps.append((s, n)))
    assert done["name"] == "papers-tuned" and done["base"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert steps[0] == (0, done["steps"]) and steps[-1] == (done["steps"], done["steps"])
    assert done["pairs"]["train"] > 20 and done["pairs"]["held_out"] > 5 and done["pairs"]["kinds"]["title"] == 1
    for figures in (done["before"], done["after"]):
        assert -100 <= figures["pearson"] <= 100 and 0 < figures["ndcg@10"] <= 1
    folder = data_dir / "models" / "papers-tuned"
    assert json.loads((folder / TUNED).read_text())["after"] == done["after"]
    assert (folder / "model.safetensors").is_file() and not list((data_dir / "models" / ".partial").iterdir())
    assert papers.collection("papers").model.bundled  # the collection is unchanged until it is re-indexed
    papers.reindex("papers", "papers-tuned")
    # Another process finds the collection's model by the name it records
    other = Engine(Settings.from_env())
    assert other.collection("papers").model.source == "fine-tuned"
    hits = other.search("papers", "N-domain selective ACE inhibitors", k=3)
    assert hits[0].chunk.document == PAPERS[0]
    rows = {r["name"]: r for r in other.models.catalogue()}
    assert rows["papers-tuned"]["state"] == "fine-tuned" and rows["papers-tuned"]["kind"] == "embeddings"


@pytest.mark.slow
def test_training_moves_the_pairs_together(papers, data_dir):
    """The loss pulls each anchor towards its positive: the trained pairs end up closer than before."""
    base = papers.collection("papers").model
    from rag.finetune import collection_pairs
    from rag.finetune.train import train

    pairs = collection_pairs(papers.collection("papers"), papers.models.tokenizer(base), base, papers.settings)[:48]

    def closeness(model) -> float:
        a = model.encode([p.anchor for p in pairs], normalize_embeddings=True)
        b = model.encode([p.positive for p in pairs], normalize_embeddings=True)
        return float(np.mean(np.sum(a * b, axis=1)))

    model = load_model(base.path, "cpu", base.maxlength)
    before, ranking = closeness(model), measure(model, pairs)
    train(model, pairs, epochs=2, batch_size=8, bf16=False)
    assert closeness(model) > before + 0.01
    assert measure(model, pairs)["ndcg@10"] > ranking["ndcg@10"]


@pytest.mark.slow  # the bundled model indexes and trains
def test_an_interrupted_finetune_leaves_nothing(tmp_path, data_dir):
    for name, text in NOTES.items():
        (tmp_path / name).write_text(text)
    engine = Engine(Settings.from_env())
    assert not engine.ingest("notes", [tmp_path / name for name in NOTES]).failed

    def stop(step, steps, loss):
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.models.finetune(engine.collection("notes"), output="stopped", batch_size=2, progress=stop)
    assert not (data_dir / "models").exists()


def test_a_model_that_cannot_be_saved_leaves_nothing_half_written(tmp_path):
    from rag.finetune import _save

    class FullDisk:
        def save(self, path):
            Path(path).mkdir()
            (Path(path) / "model.safetensors").write_bytes(b"half")
            raise OSError(28, "No space left on device")

    with pytest.raises(RagError, match="could not be saved \\(No space left on device\\); nothing was kept"):
        _save(FullDisk(), {}, tmp_path / "models", "lab")
    assert not list((tmp_path / "models").rglob("*.safetensors")) and not (tmp_path / "models" / "lab").exists()


def test_a_finetuned_model_is_found_used_and_removed_by_name(tmp_path):
    from tests import tiny_bert

    store = ModelStore(tmp_path / "models")
    folder = tiny_bert.build(tmp_path / "models" / "lab")
    (folder / TUNED).write_text(json.dumps({"base": "tiny", "collection": "notes", "recipe": {"max_tokens": 128}}))
    found = resolve_embeddings("lab", store=store)
    assert (found.name, found.source, found.path) == ("lab", "fine-tuned", folder.resolve())
    store.use("lab")
    assert store.active() == {"embeddings": "lab"} and resolve_embeddings("", store=store).name == "lab"
    store.remove("lab")
    assert not folder.exists() and store.active() == {}


@pytest.mark.slow  # the bundled model indexes, in a child process
def test_cli_refuses_a_bad_pairs_file_with_its_line(tmp_path, data_dir):
    env = {"RAG_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    notes = tmp_path / "a.txt"
    notes.write_text("Heparin prevents deep venous thrombosis after hip surgery in trauma patients.")
    run = lambda *args: subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True,  # noqa: E731
                                       text=True, cwd=ROOT)
    assert run("ingest", str(notes), "-c", "notes").returncode == 0
    (tmp_path / "bad.jsonl").write_text("not json\n")
    result = run("finetune", "-c", "notes", "--pairs", str(tmp_path / "bad.jsonl"))
    assert result.returncode == 2 and "bad.jsonl, line 1: not a JSON object" in result.stderr
    result = run("finetune", "-c", "notes", "--only-pairs")
    assert result.returncode == 2 and "--only-pairs needs --pairs FILE" in result.stderr
    assert not (data_dir / "models").exists()
