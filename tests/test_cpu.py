"""Fast paths chosen from the CPU's flags: bf16 embeddings only where the CPU has native bf16."""

import os
import subprocess
import sys
import threading

import pytest

from rag.cpu import cpu_flags, embedding_precision, yield_cpu
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


def priority(tid: int = 0) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid or threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a priority per thread is Linux's")
def test_background_work_lowers_its_own_thread_and_the_threads_it_starts_not_the_callers():
    seen = {}

    def background():
        yield_cpu(5)
        seen["own"] = priority()
        child = threading.Thread(target=lambda: seen.setdefault("started", priority()))
        child.start()
        child.join()

    before = priority()
    worker = threading.Thread(target=background)
    worker.start()
    worker.join()
    assert seen == {"own": min(19, before + 5), "started": min(19, before + 5)}
    assert priority() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a priority per thread is Linux's")
def test_a_command_line_ingest_lowers_every_thread_already_running():
    script = """
import os, threading, time
from rag.cpu import yield_cpu
ready, done = threading.Event(), threading.Event()
tid = []
def idle():
    tid.append(threading.get_native_id()); ready.set(); done.wait()
threading.Thread(target=idle, daemon=True).start()
ready.wait()
before = os.getpriority(os.PRIO_PROCESS, tid[0])
yield_cpu(3, every_thread=True)
main = threading.get_native_id()
print(os.getpriority(os.PRIO_PROCESS, tid[0]) - before, os.getpriority(os.PRIO_PROCESS, main) - before)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["3", "3"]


def test_nothing_changes_with_zero_steps():
    before = priority()
    yield_cpu(0, every_thread=True)
    assert priority() == before


def test_a_background_priority_out_of_range_is_named():
    with pytest.raises(ConfigError, match="RAG_BACKGROUND_NICE must be a whole number from 0 to 19"):
        Settings(background_nice=20).validate()
