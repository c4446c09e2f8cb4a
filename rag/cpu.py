"""What this CPU can do fast, read from its flags at run time (the machines this app runs on differ).

Embedding with the model's weights in bf16 is about 1.8-2x fp32 on CPUs with native bf16 arithmetic (AVX-512
BF16 or AMX) at a cosine of 0.99995 to the fp32 vectors (bench/embed_precision.py); without native bf16 it is
slower than fp32. So "auto" picks bf16 only where the flags say the CPU has it.
"""

from __future__ import annotations

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
