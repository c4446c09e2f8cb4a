"""The local LLM: a GGUF chat model run by llama-cpp-python, behind a small streaming interface.

One model instance is shared by every caller; llama.cpp is not re-entrant, so generation takes turns, first come
first served (``rag.answer.fairlock``), and a caller waiting for its turn is told its place in line. This module
knows nothing about retrieval or prompts: it takes chat messages and streams text back.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Protocol

from ..errors import ModelNotFoundError
from ..models import ModelInfo
from .fairlock import FairLock, Waiting


class ChatModel(Protocol):
    """What the answering code needs of an LLM.

    ``waiting`` is told the caller's place in line while the model answers others first (see ``FairLock.held``),
    so that a page can show it; a model with no line of its own here (an LLM server schedules its own) never calls
    it. Closing the stream stops the reply and lets the next caller have the model.
    """

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               grammar: str | None = None, waiting: Waiting | None = None) -> Iterator[str]: ...


class LlamaCppModel:
    """A GGUF chat model with explicit context size and thread count."""

    def __init__(self, model: ModelInfo, *, n_ctx: int, n_threads: int, seed: int = 0, check: bool = True,
                 n_gpu_layers: int = 0):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelNotFoundError("llama-cpp-python is not installed: `pip install llama-cpp-python`.") from None
        if check:
            check_build(model.path)
        try:
            # Flash attention: generation 1.2x faster on 2 cores, prompts as fast or faster (bench/llm_options.py)
            # Layers go to the GPU only where llama.cpp was built to offload them (a CUDA or Metal build)
            self.gpu_layers = n_gpu_layers if gpu_offload() else 0
            self.llama = Llama(model_path=str(model.path), n_ctx=n_ctx, n_threads=n_threads, seed=seed,
                               flash_attn=True, n_gpu_layers=self.gpu_layers, verbose=False)
        except (ValueError, RuntimeError) as error:
            raise ModelNotFoundError(f"The LLM at {model.path} could not be loaded: {error}") from None
        self.info, self.n_ctx = model, n_ctx
        self.lock = FairLock()  # one reply at a time, in the order asked
        self._grammars: dict[str, object] = {}

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's own tokenizer: what bench/llm.py measures prompts in (the app itself
        counts no tokens; its prompts are a few evidence sentences, see ``rag.answer.prompts``)."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               grammar: str | None = None, waiting: Waiting | None = None) -> Iterator[str]:
        """Generate a reply to chat ``messages``, yielding text pieces as they come.

        ``grammar`` (GBNF text) constrains the reply to the language it describes. The model is taken at the first
        piece asked for, after the callers already in line (``waiting`` hears the place); closing the generator
        gives it back at once, and one that raises from ``waiting`` leaves the line.
        """
        with self.lock.held(waiting):
            # Every reply read from a clean context: llama.cpp would reuse the cache of the previous prompt's common
            # start, computed in a batch of another shape, and greedy replies then depend on who asked before (the
            # same question got two answers in tests/answer/test_llm_real.py). The cost: the system prompt, ~45 of
            # an answer prompt's ~400 tokens, is read again
            self.llama.reset()
            chunks = self.llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True,
                repeat_penalty=1.1, grammar=self._grammar(grammar) if grammar else None,
            )
            # closing(): llama-cpp-python's own generator is finished now, while this caller holds the model
            with closing(chunks):
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece

    def _grammar(self, text: str):
        """The compiled grammar for ``text`` (compiled once; answers reuse a few grammars)."""
        from llama_cpp import LlamaGrammar

        if text not in self._grammars:
            self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
        return self._grammars[text]


def gpu_offload() -> bool:
    """Whether this llama-cpp-python build can run layers on a GPU."""
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


REBUILD = ('CFLAGS=-mno-amx-int8 CXXFLAGS=-mno-amx-int8 '
           'pip install --force-reinstall --no-deps --no-cache-dir llama-cpp-python')
_checked: dict[Path, str] = {}


def check_build(path: Path) -> None:
    """Refuse, with the fix, a llama.cpp build that would crash the whole process at the first answer.

    llama.cpp's AMX kernels (compiled in by -march=native on Xeons that have AMX) segfault in
    ggml_backend_amx_mul_mat here. Only such builds pay for the check: one short generation in a child process.
    """
    import llama_cpp

    if "AMX_INT8 = 1" not in llama_cpp.llama_print_system_info().decode(errors="replace"):
        return
    if path not in _checked:
        _checked[path] = probe(path)
    if _checked[path]:
        raise ModelNotFoundError(f"The LLM cannot run with this build of llama-cpp-python: {_checked[path]}. "
                                 f"Rebuild it without AMX kernels: {REBUILD}")


def probe(path: Path, command: list[str] | None = None) -> str:
    """'' when a short generation with the GGUF at ``path`` succeeds in a child process, else what went wrong."""
    command = command or [sys.executable, "-m", "rag.answer.llm", "--smoke-test", str(path)]
    # Run from the folder holding this package, so the child imports the same code as this process
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "a test generation did not finish in 300 s"
    if done.returncode < 0:
        return f"a test generation was killed by {signal.Signals(-done.returncode).name}"
    if done.returncode:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        return f"a test generation failed: {lines[-1] if lines else f'exit status {done.returncode}'}"
    return ""


def smoke_test(path: str = "") -> int:
    """Load the LLM (``path``, else the configured one) and generate a few tokens; a broken build crashes here."""
    from ..models import resolve_llm
    from ..settings import Settings

    settings = Settings.from_env()
    model = LlamaCppModel(resolve_llm(path or settings.llm), n_ctx=512, n_threads=settings.n_threads, check=False)
    start = time.perf_counter()
    text = "".join(model.stream([{"role": "user", "content": "Say OK."}], max_tokens=8, temperature=0.0))
    print(f"LLM ok: {model.info.name} answered {text.strip()!r} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["--smoke-test"] or len(sys.argv) > 3:
        sys.exit("usage: python -m rag.answer.llm --smoke-test [GGUF]")
    sys.exit(smoke_test(*sys.argv[2:]))
