"""The engine's models: the embedding model and the LLM it uses, found once, loaded on first use, switchable.

``ModelManager`` is the part of ``Engine`` that holds them (``engine.models``); ``rag.models`` finds models on disk
and pulls them into the ``ModelStore`` (``engine.model_store``), and ``rag.answer.llm`` runs the LLM, unless
RAG_LLM_URL names a server that answers instead (``rag.answer.server``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict
from pathlib import Path

from .answer.llm import ChatModel, LlamaCppModel
from .answer.server import OpenAIServerModel
from .chunk import ModelTokenizer
from .cpu import embedding_precision
from .errors import CollectionError, ConfigError, LLMServerError, ModelNotFoundError
from .finetune import finetune
from .finetune.train import Progress as TrainProgress
from .index.local.collection import Collection
from .models import ModelInfo, ModelStore, app_models, by_repo, resolve_embeddings, resolve_llm
from .models.catalogue import CATALOGUE, Entry, answering, by_server_name
from .settings import Settings, masked


class ModelManager:
    """The embedding model and the LLM in use, configured by ``settings`` and the models pulled into
    ``model_store``; ``llm`` given as an object (a test's fake) is used instead of loading one."""

    def __init__(self, settings: Settings, model_store: ModelStore, llm: ChatModel | None = None):
        self.settings, self.model_store = settings, model_store
        # Loaded embedding models, shared by every open index (txtai's ``models`` cache): each model loads once
        self.loaded: dict = {}
        self._llm, self._embeddings = llm, None
        self._tokenizers: dict[Path, ModelTokenizer] = {}
        self._lock, self._llm_lock = threading.RLock(), threading.Lock()

    @property
    def embeddings(self) -> ModelInfo:
        """The configured embedding model (found once)."""
        with self._lock:
            if self._embeddings is None:
                self._embeddings = resolve_embeddings(self.settings.embeddings, self.settings.allow_download,
                                                      embedding_precision(self.settings.embed_precision),
                                                      self.model_store)
            return self._embeddings

    @property
    def llm(self) -> ChatModel:
        """The shared LLM, loaded on first use under its own lock (collections stay usable while it loads); with
        RAG_LLM_URL, the server's model (nothing is loaded, and the server is first asked at the first question)."""
        with self._llm_lock:
            if self._llm is None:
                settings = self.settings
                if settings.llm_url:
                    self._llm = OpenAIServerModel(settings.llm_url, model=settings.llm_model,
                                                  api_key=settings.llm_api_key, kind=settings.llm_server_kind,
                                                  read_timeout=settings.llm_timeout)
                else:
                    info = resolve_llm(settings.llm, self.model_store)
                    self._llm = LlamaCppModel(info, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                                              n_gpu_layers=settings.n_gpu_layers)
            return self._llm

    @property
    def llm_name(self) -> str:
        """The LLM's name (found without loading it); a server's model as the server names it, which decides its
        answer settings (``rag.models.catalogue.answering``)."""
        server = self._server()
        if server is not None:
            try:
                return server.resolve()[0]
            except LLMServerError:  # the question that asks for the name meets the same error when it is answered
                return server.name or f"the model at {server.where}"
        info = self._llm_info()
        return info.name if info else type(self._llm).__name__

    def _server(self) -> OpenAIServerModel | None:
        """The server that answers, if RAG_LLM_URL names one (and no model was given as an object)."""
        if self._llm is None and self.settings.llm_url:
            return self.llm
        return self._llm if isinstance(self._llm, OpenAIServerModel) else None

    def _llm_info(self) -> ModelInfo | None:
        """Where the LLM is (or will be loaded from); None for a model given as an object without ``info``."""
        if self._llm is None:
            return resolve_llm(self.settings.llm, self.model_store)
        return getattr(self._llm, "info", None)

    def in_use(self, ask_server: bool = False) -> dict:
        """Which embedding model and LLM are in use, and where they were found. A server's model is the one named
        or found so far; ``ask_server`` asks the server which it serves (``served``), or what went wrong
        (``error``)."""
        emb = self.embeddings
        server = self._server()
        if server is not None:
            llm = {"name": server.name, "source": "server", "path": "", "n_ctx": None, "gpu_layers": None}
            if ask_server:
                try:
                    server.resolve()
                    llm["served"] = [m["id"] for m in server.listed]
                except LLMServerError as error:
                    llm["error"] = str(error)
            llm.update(server.describe(), name=server.name)
            item = by_server_name(server.name) if server.name else None
            llm["catalogued"] = item.name if item else ""
            llm["answering"] = asdict(answering(server.name))
        else:
            info = self._llm_info()
            llm = {"name": info.name if info else "custom", "path": str(info.path) if info else "",
                   "source": info.source if info else "custom", "n_ctx": self.settings.n_ctx,
                   "gpu_layers": getattr(self._llm, "gpu_layers", None)}  # known once loaded
        return {
            "embeddings": {"name": emb.name, "path": str(emb.path), "source": emb.source, "maxlength": emb.maxlength,
                           "precision": emb.precision, "fallback": emb.bundled},
            "llm": llm,
        }

    def tokenizer(self, model: ModelInfo) -> ModelTokenizer:
        """The tokenizer of an embedding model (loaded once)."""
        with self._lock:
            if model.path not in self._tokenizers:
                self._tokenizers[model.path] = ModelTokenizer(model.path)
            return self._tokenizers[model.path]

    def catalogue(self) -> list[dict]:
        """Each catalogue entry and fine-tuned model with its state here (bundled, pulled, fine-tuned, "partial N%"
        for an interrupted pull, or "-"), whether it is in use, and its path once here."""
        store, info, app = self.model_store, self.in_use(), app_models()
        installed, rows = store.installed(), []
        tuned = [store.tuned_entry(name) for name in store.tuned()]
        for item in [*CATALOGUE, *tuned]:
            path, partial = store.path(item.name) or app.path(item.name), store.partial(item.name)
            active = info[item.kind]["source"] == "bundled" if item.bundled else \
                str(path and path.resolve()) == info[item.kind]["path"]
            state = "bundled" if item.bundled else "fine-tuned" if item in tuned else "pulled" \
                if item.name in installed else "with the app" if path else \
                f"partial {partial / (item.size_mb * 1e4):.0f}%" if partial else "-"
            rows.append({**asdict(item), "active": active, "state": state, "path": str(path or "")})
        return rows

    def use(self, name: str) -> Entry:
        """Switch to a pulled (or the bundled) model of the catalogue: the LLM at once, the embedding model for
        new collections (a collection keeps the model it was built with)."""
        item = self.model_store.describe(name)
        variable, value = (("RAG_LLM_URL", masked(self.settings.llm_url)) if self.settings.llm_url else
                           ("RAG_LLM", self.settings.llm)) if item.kind == "llm" else \
            ("RAG_EMBEDDINGS", self.settings.embeddings)
        if value:
            raise ConfigError(f"{variable}={value} is set and overrides the choice; unset it to switch.")
        self.model_store.use(name)
        if item.kind == "llm":
            with self._llm_lock:
                self._llm = None  # loaded again at the next question; an answer being written keeps the old one
        else:
            with self._lock:
                self._embeddings = None
        return item

    def finetune(self, collection: Collection, output: str = "", pairs: Path | None = None, epochs: int = 1,
                 batch_size: int = 0, progress: TrainProgress | None = None, only_pairs: bool = False) -> dict:
        """Fine-tune ``collection``'s embedding model on its documents (and a ``pairs`` file), saved as the model
        ``output`` (default "<collection>-tuned", numbered if taken); the collection is unchanged until it is
        re-indexed."""
        if not output:  # the first free name of "<collection>-tuned", "<collection>-tuned-2", ...
            stem = re.sub(r"[^a-z0-9._-]+", "-", collection.name.lower()).strip("-._")[:54] + "-tuned"
            taken = {e.name for e in CATALOGUE} | {p.name for p in self.model_store.root.glob("*")}
            output = next(n for n in (stem if i == 1 else f"{stem}-{i}" for i in range(1, 10**6)) if n not in taken)
        return finetune(collection, collection.model, self.tokenizer(collection.model), self.settings,
                        self.model_store.root, output, pairs, epochs, batch_size, progress, only_pairs)

    def collection_model(self, manifest: dict) -> ModelInfo:
        """The embedding model a collection was built with, which must be the one it is queried with."""
        recorded = manifest["embeddings"]["name"]
        if recorded == self.embeddings.name:
            return self.embeddings
        try:
            return resolve_embeddings(recorded, precision=self.embeddings.precision, store=self.model_store)
        except ModelNotFoundError:
            pull = f"`rag models pull {by_repo(recorded).name}`, " if by_repo(recorded) else ""
            raise CollectionError(f"Collection {manifest['name']!r} was built with the embedding model {recorded!r}, "
                                  f"which is not available here (configured: {self.embeddings.name!r}). Get it with "
                                  f"{pull}RAG_EMBEDDINGS={recorded}, or ingest the documents into a new collection."
                                  ) from None
