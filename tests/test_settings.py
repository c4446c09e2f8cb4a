from dataclasses import fields

import pytest

from rag.errors import ConfigError
from rag.settings import Settings


def test_defaults_and_environment():
    settings = Settings.from_env({"RAG_TOP_K": "8", "RAG_MODE": "bm25", "RAG_ALLOW_DOWNLOAD": "yes", "RAG_LLM": ""})
    assert (settings.top_k, settings.mode, settings.allow_download, settings.llm) == (8, "bm25", True, "")
    assert Settings.from_env({}).mode == "hybrid"


@pytest.mark.parametrize("name,value,message", [
    ("RAG_TOP_K", "many", "RAG_TOP_K='many' is not a valid value"),
    ("RAG_MODE", "fuzzy", "RAG_MODE must be one of"),
    ("RAG_HYBRID_WEIGHT", "1.5", "RAG_HYBRID_WEIGHT must be between 0 and 1"),
    ("RAG_N_CTX", "100", "RAG_N_CTX must be at least 512"),
    ("RAG_ALLOW_DOWNLOAD", "maybe", "expected true or false"),
    ("RAG_MIN_SIMILARITY", "high", "RAG_MIN_SIMILARITY must be auto or a number between -1 and 1"),
    ("RAG_MIN_SIMILARITY", "1.5", "RAG_MIN_SIMILARITY must be auto or a number between -1 and 1"),
    ("RAG_N_GPU_LAYERS", "-2", "RAG_N_GPU_LAYERS must be -1 .all., 0 .none. or a number of layers"),
    ("HF_ENDPOINT", "ftp://mirror", "HF_ENDPOINT must be an http.s. address"),
    ("RAG_PIP_INDEX_URL", "pypi.example.org", "RAG_PIP_INDEX_URL must be an http.s. or file: address, or empty"),
])
def test_wrong_values_are_named(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_the_settings_page_is_generated_from_settings_and_current():
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("settings_doc", ROOT / "scripts" / "settings_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "settings.md").read_text()
    assert page == module.render(), "docs/settings.md is stale: run .venv/bin/python scripts/settings_doc.py"
    for field in fields(Settings):
        assert f"| `{field.metadata['env']}` |" in page
