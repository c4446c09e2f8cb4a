"""What this CPU can do fast, read from its flags at run time (the machines this app runs on differ).

Embedding with the model's weights in bf16 is about 1.8-2x fp32 on CPUs with native bf16 arithmetic (AVX-512
BF16 or AMX) at a cosine of 0.99995 to the fp32 vectors (bench/embed_precision.py); without native bf16 it is
slower than fp32. So "auto" picks bf16 only where the flags say the CPU has it.
"""

from __future__ import annotations

import os
import sys
import threading
from functools import cache
from pathlib import Path

PRECISIONS = ("auto", "fp32", "bf16")
NATIVE_BF16 = ("avx512_bf16", "amx_bf16")


@cache
def _cpuinfo(*keys: str) -> str:
    """The value of the first /proc/cpuinfo line starting with one of ``keys`` ("" where there is none, e.g. macOS)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(keys)), "")


def cpu_flags() -> frozenset[str]:
    """The flags of the first CPU (empty where /proc/cpuinfo is missing)."""
    return frozenset(_cpuinfo("flags", "Features").split())


def cpu_name() -> str:
    """The CPU's model name, for benchmark reports ("unknown" where /proc/cpuinfo does not say)."""
    return _cpuinfo("model name") or "unknown"


def embedding_precision(setting: str = "auto", flags: frozenset[str] | None = None) -> str:
    """"fp32" or "bf16": the setting, with "auto" resolved from the CPU's flags."""
    if setting != "auto":
        return setting
    return "bf16" if set(NATIVE_BF16) & (cpu_flags() if flags is None else flags) else "fp32"


def yield_cpu(steps: int, every_thread: bool = False) -> None:
    """Lower the CPU priority of the calling thread by ``steps`` nice steps (up to 19), and so of every thread it
    starts from now on (Linux keeps a priority per thread, and a new thread inherits its starter's): background
    work such as an ingest then gets the cores when answers leave them idle, instead of half of them while a user
    waits. ``every_thread``: every thread of the process (a command-line ingest, all of it background work).

    Only Linux is touched: elsewhere the priority is the whole process's, the app's answers included. Never raises:
    a priority that cannot be changed leaves things as they were."""
    if steps <= 0 or not sys.platform.startswith("linux"):
        return
    ids = os.listdir("/proc/self/task") if every_thread else [threading.get_native_id()]
    for tid in map(int, ids):
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + steps))
        except OSError:
            pass  # a thread that has ended since it was listed, or a system that forbids it
