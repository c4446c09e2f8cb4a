"""Model resolution, and the PubMedBERT loading path exercised on a tiny BERT in sentence-transformers layout."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from rag.errors import ModelNotFoundError
from rag.models import BUNDLED_EMBEDDINGS, PUBMEDBERT, resolve_embeddings, resolve_llm
from tests import tiny_bert


def test_default_is_the_bundled_model_when_pubmedbert_is_absent():
    model = resolve_embeddings("")
    assert model.name == BUNDLED_EMBEDDINGS and model.bundled and model.maxlength == 256


def test_a_missing_model_fails_fast_with_a_clear_message():
    started = time.perf_counter()
    with pytest.raises(ModelNotFoundError, match="not on this machine"):
        resolve_embeddings("neuml/no-such-model-here")
    with pytest.raises(ModelNotFoundError, match="not a model folder"):
        resolve_embeddings("/nonexistent/folder")
    assert time.perf_counter() - started < 10


def test_llm_resolution(tmp_path):
    assert resolve_llm("").path.suffix == ".gguf"
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelNotFoundError, match="not a GGUF"):
        resolve_llm(str(fake))
    with pytest.raises(ModelNotFoundError, match="no GGUF file"):
        resolve_llm(str(tmp_path / "missing.gguf"))
    with pytest.raises(ModelNotFoundError, match="RAG_LLM: no GGUF file at"):
        resolve_llm(str(tmp_path))


def test_tiny_bert_embeds_like_sentence_transformers(tmp_path):
    """txtai's vectors of a sentence-transformers folder equal sentence-transformers' own (mean pooling)."""
    from sentence_transformers import SentenceTransformer

    from rag.index.local.index import TxtaiIndex

    folder = tiny_bert.build(tmp_path / "tiny")
    model = resolve_embeddings(str(folder))
    assert model.maxlength == 512
    texts = ["heparin prevents deep venous thrombosis", "malaria is spread by mosquitoes"]
    ours = TxtaiIndex(model).embeddings.batchtransform(texts)
    theirs = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.allclose(ours, theirs, atol=1e-4)


@pytest.mark.slow
def test_pubmedbert_found_in_the_local_cache_is_the_default(tmp_path):
    """With the model in the Hugging Face cache, the app picks it, indexes with it and searches with it."""
    tiny_bert.build_hub_cache(tmp_path / "hub")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "RAG_DATA_DIR": str(tmp_path / "data")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True,  # noqa: E731
                                       text=True, timeout=300)
    models = run("models", "--json")
    assert models.returncode == 0, models.stderr
    info = json.loads(models.stdout)["embeddings"]
    assert (info["name"], info["source"], info["fallback"]) == (PUBMEDBERT, "local cache", False)

    doc = tmp_path / "notes.txt"
    doc.write_text("Heparin prevents deep venous thrombosis in trauma patients.\n\nMalaria is spread by mosquitoes.")
    assert run("ingest", str(doc), "--collection", "tiny").returncode == 0
    listed = json.loads(run("collections", "--json").stdout)
    assert listed[0]["embeddings"] == PUBMEDBERT
    hits = json.loads(run("search", "heparin thrombosis", "--collection", "tiny", "--json").stdout)["hits"]
    assert hits and hits[0]["document"] == "notes.txt"
