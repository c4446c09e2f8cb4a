"""The engine: the one facade the CLI, the web UI and the tests use.

It owns the expensive objects (embedding models, the LLM, open collections), creates each once, and wires the
pipeline: files -> documents -> chunks -> index -> hits -> prompt -> answer. Ingestion lives in ``ingest.py``;
this module holds collection management, search and answering.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .answer import Answer, fit_passages, generate
from .chunker import ChunkSettings
from .collection import Collection, create_manifest, read_manifest
from .documents import Hit
from .errors import CollectionError, ModelNotFoundError
from .llm import ChatModel, LlamaCppModel
from .models import ModelInfo, resolve_embeddings, resolve_llm
from .prompts import rewrite_messages
from .settings import Settings
from .tokenizer import ModelTokenizer

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


class Engine:
    """Collections, search and cited answers, configured by one ``Settings`` object."""

    def __init__(self, settings: Settings, llm: ChatModel | None = None):
        self.settings = settings
        self.root = settings.data_dir / "collections"
        self._llm, self._embeddings = llm, None
        self._models: dict = {}
        self._tokenizers: dict[Path, ModelTokenizer] = {}
        self._open: dict[str, Collection] = {}
        self._lock = threading.RLock()

    # Models

    @property
    def embeddings(self) -> ModelInfo:
        """The configured embedding model (found once)."""
        with self._lock:
            if self._embeddings is None:
                self._embeddings = resolve_embeddings(self.settings.embeddings, self.settings.allow_download)
            return self._embeddings

    @property
    def llm(self) -> ChatModel:
        """The shared LLM (loaded on first use)."""
        with self._lock:
            if self._llm is None:
                info = resolve_llm(self.settings.llm)
                self._llm = LlamaCppModel(info, n_ctx=self.settings.n_ctx, n_threads=self.settings.n_threads)
            return self._llm

    @property
    def llm_name(self) -> str:
        info = getattr(self.llm, "info", None)
        return info.name if info else type(self.llm).__name__

    def models(self) -> dict:
        """Which embedding model and LLM are in use, and where they were found."""
        emb = self.embeddings
        llm = getattr(self.llm, "info", None)
        return {
            "embeddings": {"name": emb.name, "path": str(emb.path), "source": emb.source, "maxlength": emb.maxlength,
                           "fallback": emb.bundled},
            "llm": {"name": llm.name if llm else "custom", "path": str(llm.path) if llm else "",
                    "source": llm.source if llm else "custom", "n_ctx": self.settings.n_ctx},
        }

    def tokenizer(self, model: ModelInfo) -> ModelTokenizer:
        with self._lock:
            if model.path not in self._tokenizers:
                self._tokenizers[model.path] = ModelTokenizer(model.path)
            return self._tokenizers[model.path]

    # Collections

    def collections(self) -> list[dict]:
        """Every collection with its size and model."""
        found = []
        for folder in sorted(self.root.glob("[!.]*")) if self.root.exists() else []:
            try:
                manifest = read_manifest(folder)
            except CollectionError:
                continue
            docs = manifest["documents"].values()
            found.append({"name": manifest["name"], "documents": len(docs), "chunks": sum(d["chunks"] for d in docs),
                          "embeddings": manifest["embeddings"]["name"], "updated": manifest["updated"]})
        return found

    def create(self, name: str) -> Collection:
        """A new empty collection built with the configured model; an existing one is returned as it is."""
        folder = self.folder(name)
        with self._lock:
            if not (folder / "collection.json").exists():
                chunking = ChunkSettings(min(self.settings.chunk_tokens, self.embeddings.maxlength - 2),
                                         self.settings.chunk_overlap)
                create_manifest(folder, name, self.embeddings, chunking.__dict__)
            return self.collection(name)

    def collection(self, name: str) -> Collection:
        """An open collection, queried with the model it was built with."""
        folder = self.folder(name)
        with self._lock:
            if name not in self._open:
                manifest = read_manifest(folder)
                model = self._model_of(manifest)
                self._open[name] = Collection(folder, model, self._models)
            return self._open[name]

    def delete(self, name: str) -> None:
        """Delete a collection and everything in it."""
        folder = self.folder(name)
        read_manifest(folder)
        with self._lock:
            self._open.pop(name, None)
            trash = folder.with_name(f".deleted-{folder.name}-{time.time_ns()}")
            folder.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)

    def remove_document(self, name: str, document: str) -> dict:
        """Remove one document (by id or by its name) from a collection; returns its record."""
        collection = self.collection(name)
        with collection.writing() as index:
            docs = dict(collection.documents)
            matches = [i for i, d in docs.items() if document in (i, d["source"], d.get("filename"))]
            if not matches:
                raise CollectionError(f"No document {document!r} in collection {name!r}.")
            for doc_id in matches:
                collection.remove_chunks(index, doc_id)
            removed = docs.pop(matches[0])
            for doc_id in matches[1:]:
                docs.pop(doc_id)
            collection.commit(index, docs, {})
        return removed

    def folder(self, name: str) -> Path:
        """The folder of a collection name, refusing names that could escape the data folder."""
        if not isinstance(name, str) or not _NAME.match(name) or name.strip(". ") != name or ".." in name:
            raise CollectionError(
                f"Invalid collection name {name!r}: use 1-64 letters, digits, spaces, '.', '_' or '-', "
                "starting with a letter or digit."
            )
        return self.root / name

    def _model_of(self, manifest: dict) -> ModelInfo:
        """The embedding model a collection was built with, which must be the one it is queried with."""
        recorded = manifest["embeddings"]["name"]
        if recorded == self.embeddings.name:
            return self.embeddings
        try:
            return resolve_embeddings(recorded)
        except ModelNotFoundError:
            raise CollectionError(
                f"Collection {manifest['name']!r} was built with the embedding model {recorded!r}, which is not "
                f"available here (configured: {self.embeddings.name!r}). Set RAG_EMBEDDINGS={recorded} or ingest "
                "the documents into a new collection."
            ) from None

    # Search and answers

    def search(self, name: str, query: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """The best passages of a collection for a query."""
        settings = self.settings.with_(top_k=k, mode=mode)
        return self.collection(name).search(query, settings.top_k, settings.mode, settings.hybrid_weight)

    def ask(self, name: str, question: str, history: list[tuple[str, str]] = (), k: int | None = None,
            mode: str | None = None, **overrides) -> AnswerStream:
        """Answer a question from a collection; iterate the result for text, then read ``.answer``."""
        settings = self.settings.with_(top_k=k, mode=mode, **overrides)
        return AnswerStream(self, name, question, list(history), settings)

    def standalone(self, question: str, history: list[tuple[str, str]]) -> str:
        """A follow-up question rewritten to stand alone (the question itself when there is no history)."""
        if not history:
            return question
        text = "".join(self.llm.stream(rewrite_messages(history, question), 64, 0.0)).strip()
        text = text.splitlines()[0].strip(' "') if text else ""
        if 3 <= len(text) <= 3 * len(question) + 200 and "passage" not in text.lower():
            return text if text != question else f"{history[-1][0]} {question}"
        return f"{history[-1][0]} {question}"


class AnswerStream:
    """An answer being written: iterate for text pieces; ``answer`` is complete once iteration ends."""

    def __init__(self, engine: Engine, name: str, question: str, history: list, settings: Settings):
        self.engine, self.name, self.settings = engine, name, settings
        self.answer, self.history = Answer(question=question), history

    def __iter__(self) -> Iterator[str]:
        engine, settings, answer = self.engine, self.settings, self.answer
        start = time.perf_counter()
        collection, llm = engine.collection(self.name), engine.llm
        answer.timings["load_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()
        answer.standalone = engine.standalone(answer.question, self.history)
        hits = collection.search(answer.standalone, settings.top_k, settings.mode, settings.hybrid_weight)
        closest = collection.search(answer.standalone, 1, "dense", 1.0) if settings.min_similarity > 0 else []
        answer.timings["retrieve_ms"] = round((time.perf_counter() - start) * 1000, 1)
        answer.passages = fit_passages(hits, answer.standalone, llm, settings.max_tokens)
        answer.models = {"embeddings": collection.model.name, "llm": engine.llm_name}
        # Nothing in the collection is close to the question: say so rather than let the LLM improvise
        answer.declined = bool(closest) and closest[0].score < settings.min_similarity
        yield from generate(answer, llm, settings.max_tokens, settings.temperature, ask=not answer.declined)
        answer.timings["total_ms"] = round((time.perf_counter() - start) * 1000, 1)

    def run(self) -> Answer:
        """Consume the stream and return the finished answer."""
        for _ in self:
            pass
        return self.answer
