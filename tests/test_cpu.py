"""Fast paths chosen from the CPU's flags: bf16 embeddings only where the CPU has native bf16."""

import pytest

from rag.cpu import cpu_flags, embedding_precision
from rag.engine import Engine
from rag.errors import ConfigError
from rag.settings import Settings


@pytest.mark.parametrize("flags,expected", [
    ({"avx2", "avx512f", "avx512_bf16"}, "bf16"),  # AMD EPYC (Zen 4) and Xeons since Cooper Lake
    ({"avx2", "avx512f", "amx_tile", "amx_bf16"}, "bf16"),  # Xeons with AMX
    ({"avx2", "avx512f", "avx512_vnni"}, "fp32"),  # AVX-512 without bf16: autocast would be slower than fp32
    ({"avx2", "fma"}, "fp32"),
    (set(), "fp32"),  # no /proc/cpuinfo (macOS)
])
def test_auto_picks_bf16_only_with_native_bf16(flags, expected):
    assert embedding_precision("auto", frozenset(flags)) == expected


def test_a_precision_set_by_the_user_wins_over_the_flags():
    assert embedding_precision("fp32", frozenset({"avx512_bf16"})) == "fp32"
    assert embedding_precision("bf16", frozenset()) == "bf16"


def test_this_machines_flags_are_read():
    flags = cpu_flags()
    assert "fpu" in flags or "fp" in flags  # x86 and ARM each name their floating point unit


def test_the_engine_runs_its_embedding_model_in_the_precision_chosen(monkeypatch):
    monkeypatch.setattr("rag.cpu.cpu_flags", lambda: frozenset({"avx512_bf16"}))
    assert Engine(Settings.from_env()).models.embeddings.precision == "bf16"
    monkeypatch.setattr("rag.cpu.cpu_flags", lambda: frozenset({"avx2"}))
    assert Engine(Settings.from_env()).models.embeddings.precision == "fp32"
    assert Engine(Settings.from_env(embed_precision="bf16")).models.embeddings.precision == "bf16"
    assert Engine(Settings.from_env()).models.in_use()["embeddings"]["precision"] == "fp32"


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(ConfigError, match="RAG_EMBED_PRECISION must be one of auto, fp32, bf16"):
        Settings.from_env({"RAG_EMBED_PRECISION": "fp16"})
