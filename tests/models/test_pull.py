"""`rag models pull/use/remove`: downloads from a hub on 127.0.0.1 (tests/hub.py), resumed, checked, never half-written.

No test reaches the internet: the hub is a local server over a file tree each test builds, and HF_ENDPOINT (the
``hub_endpoint`` setting) points at it.
"""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rag.engine import Engine
from rag.errors import ConfigError, ModelNotFoundError
from rag.models import ModelStore, resolve_embeddings, resolve_llm
from rag.models.catalogue import DEFAULT_LLM_NAME, entry
from rag.settings import Settings
from tests.conftest import ROOT
from tests.hub import Hub

QWEN = entry("qwen2.5-0.5b")
GGUF = QWEN.files[0]
BLOB = b"GGUF" + np.random.default_rng(0).bytes(3_000_000)  # stands in for a GGUF file where nothing loads it


@pytest.fixture(autouse=True)
def online(monkeypatch):
    """The test session runs offline (tests/conftest.py); these tests talk to their own hub on 127.0.0.1."""
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)


pytestmark = pytest.mark.usefixtures("no_app_models")


@pytest.fixture
def store(data_dir):
    return ModelStore(data_dir / "models")


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_pull_fetches_the_file_checks_it_and_makes_it_usable(store):
    with Hub({QWEN.repo: {GGUF: BLOB, "README.md": b"card"}}) as hub:
        seen = []
        folder = store.pull("qwen2.5-0.5b", hub.url, lambda done, total, file: seen.append((done, total)))
    assert sorted(p.name for p in folder.iterdir()) == [".rag-model.json", GGUF]  # only the file the entry names
    assert (folder / GGUF).read_bytes() == BLOB and not (store.root / ".partial" / QWEN.name).exists()
    manifest = json.loads((folder / ".rag-model.json").read_text())
    assert manifest["repo"] == QWEN.repo and manifest["files"][0]["sha256"] == hashlib.sha256(BLOB).hexdigest()
    assert seen[-1] == (len(BLOB), len(BLOB)) and len(seen) > 2  # progress reached the end, in steps
    assert store.installed().keys() == {"qwen2.5-0.5b"} and store.path("qwen2.5-0.5b") == folder / GGUF
    # Chosen with `use`, it is the LLM the app resolves; a setting still overrides it
    assert resolve_llm("", store).bundled
    store.use("qwen2.5-0.5b")
    chosen = resolve_llm("", store)
    assert (chosen.path, chosen.source, chosen.name) == (folder / GGUF, "pulled", QWEN.title)
    assert resolve_llm("smollm2-135m", store).bundled


def test_the_default_answerer_installed_with_the_app_answers_unless_another_is_chosen(store, no_app_models):
    default = entry(DEFAULT_LLM_NAME)
    assert resolve_llm("", store).bundled  # not installed: the bundled SmolLM2
    app = ModelStore(no_app_models)
    with Hub({default.repo: {default.files[0]: BLOB}}) as hub:
        app.pull(default.name, hub.url)  # as scripts/install.sh does, from the mirror
    found = resolve_llm("", store)  # a fresh data folder finds it
    assert (found.name, found.source, found.path) == (default.title, "installed with the app", app.path(default.name))
    store.use("smollm2-135m")  # the bundled model chosen by name stays chosen
    assert resolve_llm("", store).bundled and store.active() == {"llm": "smollm2-135m"}
    store.use(default.name)
    assert resolve_llm("", store).path == app.path(default.name)
    app.remove(default.name)  # gone from the app: the choice lapses and the bundled model answers
    assert store.active() == {} and resolve_llm("", store).bundled
    with pytest.raises(ModelNotFoundError, match=f"{default.name} is not on this machine: run `rag models pull"):
        store.use(default.name)


def test_a_dropped_connection_is_resumed_where_it_stopped(store):
    with Hub({QWEN.repo: {GGUF: BLOB}}) as hub:
        hub.drops = [1_000_000, 500_000]  # the first two requests break off part-way
        folder = store.pull("qwen2.5-0.5b", hub.url)
        ranges = [r for path, r in hub.requests if "/resolve/" in path]
    assert ranges == [None, "bytes=1000000-", "bytes=1500000-"]  # each retry asked only for the rest
    assert sha(folder / GGUF) == hashlib.sha256(BLOB).hexdigest()


def test_an_interrupted_pull_leaves_no_model_and_the_next_pull_resumes_it(store, monkeypatch):
    monkeypatch.setattr("rag.models.download.RETRIES", 1)
    with Hub({QWEN.repo: {GGUF: BLOB}}) as hub:
        hub.drops = [800_000, 400_000]  # fails twice: the pull gives up
        with pytest.raises(ModelNotFoundError, match="broke off 2 times.*run the pull again to resume"):
            store.pull("qwen2.5-0.5b", hub.url)
        assert store.installed() == {} and store.path("qwen2.5-0.5b") is None
        assert store.partial("qwen2.5-0.5b") == 1_200_000
        with pytest.raises(ModelNotFoundError, match="not on this machine: run `rag models pull qwen2.5-0.5b`"):
            store.use("qwen2.5-0.5b")
        hub.requests.clear()
        folder = store.pull("qwen2.5-0.5b", hub.url)
        assert [r for path, r in hub.requests if "/resolve/" in path] == ["bytes=1200000-"]
    assert (folder / GGUF).read_bytes() == BLOB and store.partial("qwen2.5-0.5b") == 0


def test_a_checksum_mismatch_is_refused_and_nothing_is_left(store):
    with Hub({QWEN.repo: {GGUF: BLOB}}) as hub:
        hub.corrupt = True
        with pytest.raises(ModelNotFoundError, match=f"{GGUF} has SHA-256 .* where the hub says .*corrupt and "
                                                     "was deleted"):
            store.pull("qwen2.5-0.5b", hub.url)
    assert list(store.root.rglob("*.gguf*")) == [] and store.installed() == {} and store.partial(QWEN.name) == 0


def test_unknown_names_offline_hubs_and_missing_repositories_say_so_and_write_nothing(store):
    with pytest.raises(ModelNotFoundError, match="No model called 'gpt-5' in the catalogue. Known: minilm, "):
        store.pull("gpt-5", "http://127.0.0.1:9")
    with pytest.raises(ModelNotFoundError, match=r"cannot reach http://127.0.0.1:9 \(no network\?\). Nothing was "
                                                 "downloaded"):
        store.pull("qwen2.5-0.5b", "http://127.0.0.1:9")  # nothing listens on port 9
    with Hub({"someone/else": {"x.gguf": BLOB}}) as hub, pytest.raises(ModelNotFoundError, match="HTTP 404"):
        store.pull("qwen2.5-0.5b", hub.url)
    assert not store.root.exists() or not any(store.root.rglob("*.gguf*"))


def test_a_pull_that_would_fill_the_disk_is_refused_before_it_starts(store, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 10**6, 10**6))
    with Hub({QWEN.repo: {GGUF: BLOB}}) as hub, pytest.raises(ModelNotFoundError, match="needs 3 MB of free disk "
                                                                                        "space.*1 MB is free"):
        store.pull("qwen2.5-0.5b", hub.url)
    assert not any(store.root.rglob("*.gguf*")) and hub.requests[-1][0].startswith("/api/models/")


def test_an_embedding_model_is_pulled_as_a_folder_and_new_collections_use_it(store, data_dir):
    bundled = resolve_embeddings()  # the bundled MiniLM's files stand in for PubMedBERT's on this hub
    pubmedbert = entry("pubmedbert")
    files = {p.relative_to(bundled.path).as_posix(): p for p in bundled.path.rglob("*") if p.is_file()}
    with Hub({pubmedbert.repo: {**files, "pytorch_model.bin": b"not wanted", "onnx/model.onnx": b"nor this"}}) as hub:
        folder = store.pull("pubmedbert", hub.url)
    got = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert "model.safetensors" in got and "1_Pooling/config.json" in got
    assert "pytorch_model.bin" not in got and "onnx/model.onnx" not in got  # one copy of the weights
    store.use("pubmedbert")
    engine = Engine(Settings.from_env())
    assert (engine.models.embeddings.name, engine.models.embeddings.path, engine.models.embeddings.source) == \
        (pubmedbert.repo, folder, "pulled")
    # Removing it falls back to the bundled model, and a collection built with it names the fix
    store.remove("pubmedbert")
    assert not folder.exists() and store.active() == {} and Engine(Settings.from_env()).models.embeddings.bundled
    with pytest.raises(ModelNotFoundError, match="pubmedbert is not on this machine"):
        store.remove("pubmedbert")
    with pytest.raises(ModelNotFoundError, match="minilm is bundled with the app and cannot be removed"):
        store.remove("minilm")


@pytest.mark.slow
def test_the_cli_pulls_a_real_gguf_switches_to_it_and_answers_with_it(data_dir, tmp_path):
    """The bundled SmolLM2 GGUF served as Qwen2.5-0.5B: pulled with a progress bar, chosen, loaded and asked."""
    gguf = resolve_llm("smollm2-135m").path
    env = {**os.environ, "HF_ENDPOINT": "", "HF_HUB_OFFLINE": "0", "RAG_DATA_DIR": str(data_dir)}
    (tmp_path / "note.txt").write_text("Heparin prevents blood clots after hip surgery. Aspirin relieves pain.")

    def rag(*args):
        done = subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done

    with Hub({QWEN.repo: {GGUF: gguf}}) as hub:
        env["HF_ENDPOINT"] = hub.url
        pulled = rag("models", "pull", "qwen2.5-0.5b")
    assert "Pulled qwen2.5-0.5b" in pulled.stdout and "100%" in pulled.stderr  # the progress bar ran to the end
    assert sha(data_dir / "models" / "qwen2.5-0.5b" / GGUF) == sha(gguf)
    assert "now the LLM" in rag("models", "use", "qwen2.5-0.5b").stdout
    listed = json.loads(rag("models", "--json").stdout)
    assert listed["llm"]["source"] == "pulled" and listed["llm"]["name"] == QWEN.title
    assert [r["name"] for r in listed["catalogue"] if r["active"]] == ["minilm", "qwen2.5-0.5b"]
    rag("ingest", str(tmp_path / "note.txt"), "-c", "notes")
    answer = json.loads(rag("ask", "What prevents blood clots after hip surgery?", "-c", "notes", "--json").stdout)
    assert answer["models"]["llm"] == QWEN.title and answer["answer"].strip()


def test_a_running_engine_switches_its_llm_unless_a_setting_pins_it(store):
    with Hub({QWEN.repo: {GGUF: BLOB}}) as hub:
        store.pull("qwen2.5-0.5b", hub.url)
    engine = Engine(Settings.from_env())
    assert engine.models.llm_name == "SmolLM2-135M-Instruct (Q4_1)"
    engine.models.use("qwen2.5-0.5b")
    assert engine.models.llm_name == QWEN.title and store.active() == {"llm": "qwen2.5-0.5b"}
    engine.models.use("smollm2-135m")  # the bundled one, chosen by name
    assert engine.models.llm_name == "SmolLM2-135M-Instruct (Q4_1)" and store.active() == {"llm": "smollm2-135m"}
    pinned = Engine(Settings.from_env(llm=str(resolve_llm("smollm2-135m").path)))
    with pytest.raises(ConfigError, match="RAG_LLM=.* is set and overrides the choice; unset it to switch"):
        pinned.models.use("qwen2.5-0.5b")
    assert store.active() == {"llm": "smollm2-135m"}
