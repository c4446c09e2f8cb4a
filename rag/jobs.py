"""Jobs: work longer than a click (adding files, pulling a model, re-indexing, fine-tuning) run by the engine in a
worker thread of the server process, so that it outlives the page's script run, which Streamlit stops and starts
again at every click, and the browser tab.

Every session of the server sees the same jobs. One job per collection (or per model, for a pull) runs at a time;
another for it is queued, not refused: a second batch of files added while the first is embedded is kept and goes
in next, against the collection as the first one left it (a re-index queued behind an ingest finds the new files).
A job ends done (with its result), failed (with the reason, a ``RagError``'s message as it is), or cancelled:
cancelling stops it at its next progress call (between files, embedding batches, download blocks, training steps),
before it commits anything.

On disk, under the data folder: ``jobs/<id>.json``, each job's record, rewritten atomically at each change of
state, and ``staging/<id>/``, a job's input files (uploads are written there before the job is queued, so that no
rerun can drop them), removed when the job ends. A record is locked (``jobs/<id>.lock``, ``flock``) while its job
lives. At start a record still queued or running whose lock is free belongs to a server that stopped: it is
marked interrupted, with its files listed so that they can be added again, and its staging folder is removed.
A collection stays at its last commit (an ingest commits all of its files or none). A locked record belongs to
another live engine (a second server on the same data folder, the ``rag`` command) and is left to it.
What it does not do: run jobs in another process, or resume an interrupted one.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from .cpu import yield_cpu
from .errors import Cancelled, RagError

log = logging.getLogger(__name__)

KINDS = ("ingest", "pull", "reindex", "finetune")
ACTIVE = ("queued", "running")
INTERRUPTED = "The server stopped before this job ended."


@dataclass
class Job:
    """One job: what it works on, how far it is, and how it ended. ``target`` is a collection's name, or for a pull
    the model's; ``options`` what else it was given (the model of a re-index); ``files`` the names of an ingest's
    files. ``stage``, ``done``, ``total`` and ``item`` are its last progress call."""

    id: str
    kind: str
    target: str
    options: dict = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    state: str = "queued"  # queued, running, done, failed, cancelled, interrupted
    created: float = 0.0
    started: float | None = None
    ended: float | None = None
    stage: str = ""
    stage_started: float | None = None
    done: int = 0
    total: int = 0
    item: str = ""
    result: dict | None = None
    error: str = ""
    cancelling: bool = False
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _ended: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def key(self) -> str:
        """What a job holds while it runs: its collection, or the model it pulls."""
        return f"model:{self.target}" if self.kind == "pull" else f"collection:{self.target}"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def progress(self, stage: str, done: int, total: int, item: str = "") -> None:
        """Record how far the job is (the ``Progress`` signature of ``rag.ingest``); raises ``Cancelled`` once the
        job is cancelled, which is how a job stops before committing."""
        if self._cancel.is_set():
            raise Cancelled("Cancelled; nothing was changed.")
        if stage != self.stage:
            self.stage, self.stage_started = stage, time.time()
        self.done, self.total, self.item = done, total, item

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    @classmethod
    def from_dict(cls, record: dict) -> Job:
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        return cls(**{k: v for k, v in record.items() if k in known})


Work = Callable[[Job], dict | None]


class Jobs:
    """The jobs of one engine, with their records in ``data_dir/jobs`` and staged inputs in ``data_dir/staging``."""

    def __init__(self, data_dir: Path, nice: int = 0):
        self.folder, self.staging = data_dir / "jobs", data_dir / "staging"
        self.nice = nice  # nice steps each job's thread runs below the answers' (rag.cpu.yield_cpu)
        self._jobs: dict[str, Job] = {}
        self._waiting: dict[str, deque[tuple[Job, Work]]] = {}  # by key, in the order submitted
        self._busy: set[str] = set()  # keys a running job holds
        self._locks: dict[str, object] = {}  # the open lock file of each job alive here
        self._lock = threading.Lock()
        self._recover()

    def submit(self, kind: str, target: str, work: Work, *, options: dict | None = None, files: list[str] = (),
               stage: Callable[[Path], None] | None = None) -> Job:
        """Queue ``work(job)`` (its result, a dict, is kept as the job's) and return the job at once; it starts
        now unless a job holds its collection or model. ``stage(folder)``, if given, writes the job's input files
        into its staging folder before that, here, so that they are on disk before this returns."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        job = Job(f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}", kind, target, dict(options or {}),
                  list(files), created=time.time())
        self.folder.mkdir(parents=True, exist_ok=True)
        self._locks[job.id] = self._hold(job.id, wait=True)  # before the record: no other engine may recover it
        try:
            self._save(job)
            if stage is not None:
                folder = self.staged(job)
                folder.mkdir(parents=True)
                stage(folder)
        except BaseException:
            self._remove(job)
            raise
        with self._lock:
            self._jobs[job.id] = job
            if job.key in self._busy:
                self._waiting.setdefault(job.key, deque()).append((job, work))
            else:
                self._start(job, work)
        return job

    def staged(self, job: Job) -> Path:
        """The folder of the job's input files (gone once it ends)."""
        return self.staging / job.id

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Every job not dismissed, oldest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created)

    def busy(self, target: str) -> Job | None:
        """A job queued or running on collection ``target``, if any."""
        return next((j for j in self.list() if j.active and j.kind != "pull" and j.target == target), None)

    def cancel(self, job_id: str) -> None:
        """Stop a job: a queued one at once, a running one at its next progress call; nothing it did is kept."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return
            job._cancel.set()
            job.cancelling = True
            queue = self._waiting.get(job.key, deque())
            queued = next((entry for entry in queue if entry[0] is job), None)
            if queued is not None:
                queue.remove(queued)
        if queued is not None:
            job.state, job.error = "cancelled", "Cancelled before it started; nothing was changed."
            self._finish(job)

    def dismiss(self, job_id: str) -> None:
        """Forget a job that ended: its record is deleted (a job still running is not dismissed)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.active:
                return
            del self._jobs[job_id]
        (self.folder / f"{job_id}.json").unlink(missing_ok=True)

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """The job once it has ended (or as it is when ``timeout`` seconds have passed)."""
        job = self._jobs[job_id]
        job._ended.wait(timeout)
        return job

    # Running

    def _start(self, job: Job, work: Work) -> None:
        """Run ``job`` in its own thread (a daemon: a server stopping does not wait for it; the next start finds
        the job interrupted and the collection at its last commit). Call with ``_lock`` held."""
        self._busy.add(job.key)
        threading.Thread(target=self._run, args=(job, work), name=f"job-{job.kind}-{job.id}", daemon=True).start()

    def _run(self, job: Job, work: Work) -> None:
        yield_cpu(self.nice)  # before the work starts any thread (torch's among them), which inherit it
        job.state, job.started = "running", time.time()
        try:
            self._save(job)
            job.progress("starting", 0, 0)  # cancelled while it waited
            job.result = work(job) or {}
            job.state = "done"
        except Cancelled as error:
            job.state, job.error = "cancelled", str(error)
        except RagError as error:
            job.state, job.error = "failed", str(error)
        except Exception as error:  # noqa: BLE001 - a bug must still end the job with a message; details to the log
            log.exception("job %s (%s %s) failed", job.id, job.kind, job.target)
            job.state = "failed"
            job.error = f"Something went wrong ({type(error).__name__}: {error}); the details are in the server's log."
        finally:
            self._finish(job)
            with self._lock:
                self._busy.discard(job.key)
                queue = self._waiting.get(job.key)
                if queue:
                    self._start(*queue.popleft())
                if queue is not None and not queue:
                    del self._waiting[job.key]

    def _finish(self, job: Job) -> None:
        """Record how the job ended, remove its staged files and let go of its lock."""
        job.ended = time.time()
        shutil.rmtree(self.staged(job), ignore_errors=True)
        try:
            self._save(job)
        except OSError as error:  # a full disk: the job's end is still known to this server
            log.warning("job %s: its record could not be written: %s", job.id, error)
        self._release(job.id)
        job._ended.set()

    # Records

    def _save(self, job: Job) -> None:
        """Write the job's record atomically (a reader sees the old one or the new one, never a part)."""
        path = self.folder / f"{job.id}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w") as out:
            json.dump(job.to_dict(), out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    def _remove(self, job: Job) -> None:
        """Forget a job that never started (its staging failed)."""
        shutil.rmtree(self.staged(job), ignore_errors=True)
        (self.folder / f"{job.id}.json").unlink(missing_ok=True)
        self._release(job.id)

    def _hold(self, job_id: str, wait: bool):
        """The job's lock file, locked; None if ``wait`` is false and another engine holds it."""
        lock = open(self.folder / f"{job_id}.lock", "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            lock.close()
            return None
        return lock

    def _release(self, job_id: str) -> None:
        lock = self._locks.pop(job_id, None)
        if lock is not None:
            (self.folder / f"{job_id}.lock").unlink(missing_ok=True)
            lock.close()

    def _recover(self) -> None:
        """Load the records of jobs that ended; mark those a stopped server left queued or running interrupted, and
        remove staged files no live job owns."""
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                job = Job.from_dict(json.loads(path.read_text()))
            except (OSError, ValueError, TypeError) as error:
                log.warning("job record %s cannot be read (%s); it is left out", path.name, error)
                continue
            if job.active:
                lock = self._hold(job.id, wait=False)
                if lock is None:
                    continue  # another engine's live job
                self._locks[job.id] = lock
                job.state, job.error = "interrupted", INTERRUPTED
                self._finish(job)
            job._ended.set()
            self._jobs[job.id] = job
        for folder in self.staging.glob("*") if self.staging.is_dir() else []:
            if folder.name in self._jobs:
                continue  # removed above, or by its job's end
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = self._hold(folder.name, wait=False)
            if lock is None:
                continue  # another engine's live job
            shutil.rmtree(folder, ignore_errors=True)
            self._locks[folder.name] = lock
            self._release(folder.name)

