"""The models this app knows by name: the bundled pair, PubMedBERT, and GGUF chat models worth downloading.

Each entry says where it comes from (a Hugging Face repository and the files to fetch), its size on disk, the
memory it needs to run, its licence, and how fast it answers on a 2-core laptop CPU ("speed"): fast (a reply in
seconds), medium (tens of seconds), slow (a minute or more). Chat models are 4-bit (Q4_K_M) GGUF files from the
publisher's own repository where it ships one file, else from bartowski's quantizations, which llama.cpp's
maintainers point to. Sizes are the hub's; the download checks the hub's SHA-256, not these figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ModelNotFoundError

BUNDLED_EMBEDDINGS_NAME, BUNDLED_LLM_NAME = "minilm", "smollm2-135m"
EMBEDDING_FILES = ("*.json", "vocab.txt", "*.model", "merges.txt", "model.safetensors", "1_Pooling/*")


@dataclass(frozen=True)
class Entry:
    name: str  # what a user types: `rag models pull qwen2.5-1.5b`
    kind: str  # "llm" or "embeddings"
    title: str
    repo: str
    files: tuple[str, ...]  # file names or patterns within the repository
    size_mb: int  # on disk
    memory_gb: float  # to run it (LLM: weights and a 4k-token context)
    licence: str
    speed: str  # on a 2-core CPU: fast, medium, slow
    note: str = ""
    bundled: bool = False
    dims: int = 0  # embeddings: vector size
    max_tokens: int = 0  # embeddings: longest input; LLM: context the model was trained for
    min_similarity: float = 0.0  # embeddings: the declining threshold measured for it (0: derive one per collection)


CATALOGUE: tuple[Entry, ...] = (
    Entry(BUNDLED_EMBEDDINGS_NAME, "embeddings", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2",
          (), 88, 0.3, "Apache-2.0", "fast", "bundled: general English, works offline", True, 384, 256,
          min_similarity=0.3),  # bench/similarity_gate.py: off-topic questions reach 0.19, on-topic 0.58+
    Entry("pubmedbert", "embeddings", "PubMedBERT embeddings", "neuml/pubmedbert-base-embeddings",
          EMBEDDING_FILES, 438, 0.8, "Apache-2.0", "medium",
          "PubMedBERT fine-tuned on PubMed title/abstract pairs: the model this app is built for", dims=768,
          max_tokens=512),
    Entry(BUNDLED_LLM_NAME, "llm", "SmolLM2-135M-Instruct (Q4_1)", "", (), 98, 0.3, "Apache-2.0", "fast",
          "bundled: small and fast, not clever", True, max_tokens=8192),
    Entry("qwen2.5-0.5b", "llm", "Qwen2.5-0.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
          ("qwen2.5-0.5b-instruct-q4_k_m.gguf",), 491, 1.0, "Apache-2.0", "fast", max_tokens=32768),
    Entry("qwen2.5-1.5b", "llm", "Qwen2.5-1.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
          ("qwen2.5-1.5b-instruct-q4_k_m.gguf",), 1117, 2.0, "Apache-2.0", "medium",
          "a first step up: fits in any laptop", max_tokens=32768),
    Entry("qwen2.5-3b", "llm", "Qwen2.5-3B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-3B-Instruct-GGUF",
          ("qwen2.5-3b-instruct-q4_k_m.gguf",), 2105, 3.5, "Qwen Research, non-commercial", "medium",
          max_tokens=32768),
    Entry("llama3.2-3b", "llm", "Llama 3.2 3B Instruct (Q4_K_M)", "bartowski/Llama-3.2-3B-Instruct-GGUF",
          ("Llama-3.2-3B-Instruct-Q4_K_M.gguf",), 2019, 3.5, "Llama 3.2 Community License", "medium",
          max_tokens=131072),
    Entry("phi3.5-mini", "llm", "Phi-3.5-mini-instruct (Q4_K_M)", "bartowski/Phi-3.5-mini-instruct-GGUF",
          ("Phi-3.5-mini-instruct-Q4_K_M.gguf",), 2393, 4.0, "MIT", "slow", max_tokens=131072),
    Entry("qwen2.5-7b", "llm", "Qwen2.5-7B-Instruct (Q4_K_M)", "bartowski/Qwen2.5-7B-Instruct-GGUF",
          ("Qwen2.5-7B-Instruct-Q4_K_M.gguf",), 4680, 6.5, "Apache-2.0", "slow",
          "best answers of the list; wants 8 GB of free memory or a GPU", max_tokens=32768),
    Entry("llama3.1-8b", "llm", "Llama 3.1 8B Instruct (Q4_K_M)", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
          ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",), 4920, 7.0, "Llama 3.1 Community License", "slow",
          "wants 8 GB of free memory or a GPU", max_tokens=131072),
)


def size_text(mb: float) -> str:
    """A size in MB as people read it: "438 MB", "1.1 GB"."""
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB"


def entry(name: str) -> Entry:
    """The catalogue entry called ``name`` (or whose repository is ``name``), else a clear error listing them."""
    for item in CATALOGUE:
        if name.lower() in (item.name, item.repo.lower()):
            return item
    raise ModelNotFoundError(f"No model called {name!r} in the catalogue. Known: "
                             f"{', '.join(e.name for e in CATALOGUE)} (see `rag models`).")


def by_repo(repo: str) -> Entry | None:
    """The catalogue entry for a Hugging Face repository name, if it has one."""
    return next((e for e in CATALOGUE if e.repo and e.repo.lower() == repo.lower()), None)
