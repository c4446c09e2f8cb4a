"""Shared fixtures: every test gets its own data folder and no network; fakes for fast unit tests."""

import os
from pathlib import Path

import pytest

# Tests never reach a model hub
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Point RAG_DATA_DIR at a fresh folder for every test."""
    folder = tmp_path / "rag-data"
    monkeypatch.setenv("RAG_DATA_DIR", str(folder))
    return folder


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path} (clone the project beside ../shared)")
    return path
