"""The local LLM with the real bundled GGUF: token counts, deterministic streaming, the smoke test, bad model files;
with llama.cpp faked: answers take turns with the model, and one closed gives it back."""

import subprocess
import sys
import threading
import time

import pytest

from rag.answer.llm import LlamaCppModel, probe
from rag.errors import ModelNotFoundError
from rag.models import resolve_llm
from tests.conftest import ROOT

CHAT = [{"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "What does heparin prevent?"}]


@pytest.fixture(scope="module")
def llm():
    return LlamaCppModel(resolve_llm("smollm2-135m"), n_ctx=512, n_threads=2)


@pytest.mark.slow
def test_token_counts_are_positive_and_consistent(llm):
    text = "Low molecular weight heparin prevents deep vein thrombosis."
    count = llm.count_tokens(text)
    assert 5 <= count <= 40 and llm.count_tokens(text) == count
    assert llm.count_tokens(text + " " + text) > count
    assert llm.count_tokens("") == 0 and llm.n_ctx == 512


@pytest.mark.slow
def test_a_short_chat_streams_the_same_text_pieces_at_temperature_zero(llm):
    first = list(llm.stream(CHAT, max_tokens=8, temperature=0.0))
    assert first and all(isinstance(piece, str) and piece for piece in first)
    assert "".join(first).strip()
    assert list(llm.stream(CHAT, max_tokens=8, temperature=0.0)) == first
    assert llm.count_tokens("".join(first)) <= 10


@pytest.mark.slow
def test_the_smoke_test_command_generates_with_the_default_model():
    done = subprocess.run([sys.executable, "-m", "rag.answer.llm", "--smoke-test"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"LLM ok: {resolve_llm('').name} answered ")


def test_the_smoke_test_command_explains_its_usage():
    done = subprocess.run([sys.executable, "-m", "rag.answer.llm", "--fast"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "usage: python -m rag.answer.llm --smoke-test [GGUF]" in done.stderr


def test_probe_reports_a_crash_or_a_failure_of_the_test_generation(tmp_path):
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    assert probe(tmp_path / "m.gguf", crash) == "a test generation was killed by SIGSEGV"
    fail = [sys.executable, "-c", "import sys; sys.exit('ValueError: bad magic')"]
    assert probe(tmp_path / "m.gguf", fail) == "a test generation failed: ValueError: bad magic"
    assert probe(tmp_path / "m.gguf", [sys.executable, "-c", "pass"]) == ""


def test_a_truncated_gguf_fails_to_load_with_a_model_error(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(resolve_llm("smollm2-135m").path.read_bytes()[:4096])
    with pytest.raises(ModelNotFoundError, match="could not be loaded"):
        LlamaCppModel(resolve_llm(str(broken)), n_ctx=512, n_threads=1, check=False)


@pytest.mark.slow
def test_the_bundled_llm_passes_its_crash_probe():
    from rag.answer.llm import probe

    assert probe(resolve_llm("smollm2-135m").path) == ""


def test_a_llama_build_that_crashes_is_refused_with_the_fix(monkeypatch):
    """An LLM build that segfaults (llama.cpp's AMX kernels did on this machine) must not take the app down."""
    import llama_cpp

    from rag.answer import llm

    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]
    assert llm.probe(resolve_llm("smollm2-135m").path, crash) == "a test generation was killed by SIGSEGV"

    monkeypatch.setattr(llama_cpp, "llama_print_system_info", lambda: b"AVX2 = 1 | AMX_INT8 = 1 | OPENMP = 1")
    monkeypatch.setattr(llm, "probe", lambda path: "a test generation was killed by SIGSEGV")
    monkeypatch.setattr(llm, "_checked", {})
    with pytest.raises(ModelNotFoundError, match="killed by SIGSEGV.*-mno-amx-int8"):
        llm.LlamaCppModel(resolve_llm("smollm2-135m"), n_ctx=512, n_threads=1)


class SlowLlama:
    """Stands in for llama_cpp.Llama: streams numbered chunks, one per ``next``, and notes when a stream is closed."""

    def __init__(self, **kwargs):
        self.open, self.closed = 0, 0

    def reset(self):
        pass

    def create_chat_completion(self, messages, max_tokens, **kwargs):
        self.open += 1
        try:
            for n in range(max_tokens):
                yield {"choices": [{"delta": {"content": f"{messages[-1]['content']}{n} "}}]}
        finally:
            self.open -= 1
            self.closed += 1


@pytest.fixture
def slow_model(monkeypatch):
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "Llama", SlowLlama)
    model = LlamaCppModel(resolve_llm("smollm2-135m"), n_ctx=512, n_threads=1, check=False)
    model.lock.every = 0.02
    return model


def ask_in_thread(model, text: str, heard: list[int], got: list[str]):
    def run():
        got.extend(model.stream([{"role": "user", "content": text}], 3, 0.0, waiting=heard.append))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_an_answer_waiting_for_the_model_hears_its_place_and_runs_when_the_first_is_closed(slow_model):
    first = slow_model.stream([{"role": "user", "content": "a"}], 100, 0.0)
    assert next(first) == "a0 "  # the first answer holds the model
    heard, got = [], []
    second = ask_in_thread(slow_model, "b", heard, got)
    deadline = time.monotonic() + 10
    while not heard and time.monotonic() < deadline:
        time.sleep(0.01)
    assert heard[:1] == [1] and got == []  # told one answer is ahead, and not answered yet
    first.close()  # the reader of the first answer is gone: the model is freed at once, mid-reply
    second.join(10)
    assert got == ["b0 ", "b1 ", "b2 "] and heard[-1] == 0
    # llama-cpp-python's own stream was closed with it
    assert slow_model.llama.open == 0 and slow_model.llama.closed == 2 and len(slow_model.lock) == 0


def test_a_stream_asked_for_nothing_yet_takes_no_place_in_line(slow_model):
    unstarted = slow_model.stream([{"role": "user", "content": "a"}], 5, 0.0)
    assert len(slow_model.lock) == 0
    unstarted.close()
    assert list(slow_model.stream([{"role": "user", "content": "b"}], 2, 0.0)) == ["b0 ", "b1 "]
