"""What can wait until the page shows: the sample collection on a first start, the first collection's index and
embedding model, and the LLM, loaded in a background thread while the page is already usable.

The page reads ``stage`` for a progress line and reruns itself when ``done`` is set. A question asked before
then waits for what it needs (the engine loads each model once, under its own lock).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import streamlit as st

from ..answer.prompts import evidence_messages
from ..engine import Engine
from ..errors import RagError
from ..ingest.ingest import IngestReport, Progress

log = logging.getLogger(__name__)
SAMPLE = "Sample papers"
# Shown on the sample collection's first page; with the bundled models each finds the evidence that answers it
EXAMPLES = ("How do patients experience structured heart failure programmes?",
            "What did patients value in heart failure programmes?",
            "Which prophylactic modalities are common in trauma?")
LOADING = ":material/hourglass_top:"  # an icon from Streamlit's own font: no emoji font needed


class Warmup:
    """Runs ``seed`` and loads the models in a thread, started at once. The thread is not a daemon: a server
    stopped meanwhile waits for it rather than kill it inside a model load."""

    def __init__(self, engine: Engine, samples: Path):
        self.engine, self.samples = engine, samples
        self.seeding = SAMPLE if needs_seed(engine, samples) else None  # not to be asked until it is ready
        self.stage = "Preparing the sample collection" if self.seeding else "Loading the models"
        self.error: str | None = None
        self.done = threading.Event()
        threading.Thread(target=self._run, name="warmup").start()

    def _run(self) -> None:
        try:
            seed(self.engine, self.samples, progress=self._progress)
            names = [c["name"] for c in self.engine.collections() if not c.get("damaged")]
            if names:  # the collection the page selects first: its index and the embedding model, run once
                self.stage = "Loading the embedding model"
                self.engine.collection(names[0]).embed(["warm-up"])
            # An LLM server (RAG_LLM_URL) has its model loaded already; one that is down is said at the question,
            # where it stays current, rather than in a warning at the top of every page until the app restarts
            if not self.engine.settings.llm_url:
                self.stage = "Loading the language model"
                # One token of the answer prompt: the first question pays no first-call cost, and finds the
                # system prompt already in the model's cache (llama.cpp reuses a matching prompt prefix)
                list(self.engine.models.llm.stream(evidence_messages("", []), 1, 0.0))
        except RagError as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 - shown on the page; the details go to the log
            log.exception("warm-up failed")
            self.error = f"Loading failed ({type(error).__name__}: {error}); the details are in the server's log."
        finally:
            self.seeding = None
            self.done.set()

    def _progress(self, stage: str, done: int, total: int, item: str) -> None:
        if stage == "reading":
            self.stage = f"Preparing the sample collection: reading {item or 'the files'}"
        elif stage == "indexing" and total:
            self.stage = f"Preparing the sample collection: embedding passages, {done} of {total}"


@st.fragment(run_every=1.0)
def progress(warmup: Warmup) -> None:
    """A progress line while the warm-up runs; the whole page is redrawn once it is done."""
    if warmup.done.is_set():
        st.rerun(scope="app")
    st.caption(f"{LOADING} {warmup.stage}…")


def seed(engine: Engine, folder: Path, name: str = SAMPLE,
         progress: Progress | None = None) -> IngestReport | None:
    """Create the sample collection from ``folder`` once per data folder (a deleted sample stays deleted)."""
    if not needs_seed(engine, folder):
        return None
    report = engine.ingest(name, [folder], progress)
    (engine.settings.data_dir / ".sample-created").write_text(name)
    return report


def needs_seed(engine: Engine, folder: Path) -> bool:
    """A first start: no sample collection made before in this data folder, and no collection at all."""
    marker = engine.settings.data_dir / ".sample-created"
    return not marker.exists() and folder.is_dir() and not engine.collections()
