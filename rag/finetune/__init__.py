"""Fine-tuning the embedding model on a collection's own papers: pairs from its documents (and a pairs file if
given), a held-out share to measure before and after, the card's recipe (``train.py``), and a new model saved
under ``RAG_DATA_DIR/models/NAME`` that ``rag reindex`` can move any collection to.

The new model is written into ``models/.partial/`` and appears under its name by one rename once it is complete,
with ``finetune.json`` beside it (what it was trained on, how, and the figures): an interrupted or failed run leaves
nothing half-written. The collection itself is not changed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from pathlib import Path

from ..chunk import ChunkSettings, Tokenizer, chunk_document
from ..cpu import cpu_name
from ..errors import ConfigError, RagError
from ..index.local.collection import Collection
from ..ingest.ingest import chunks_to_index
from ..ingest.reindex import stored_documents
from ..models import ModelInfo
from ..models.catalogue import CATALOGUE
from ..models.store import TUNED
from ..settings import Settings
from .pairs import Pair, document_pairs, hold_out, read_pairs
from .train import Progress, device, load_model, measure, train

__all__ = ["Pair", "collection_pairs", "finetune", "read_pairs"]

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
HELD_OUT, SEED = 0.1, 0
DEFAULT_BATCH = {"cpu": 16, "cuda": 64}  # a 2-core CPU takes a step in a few seconds at 16; a GPU takes 64 easily


def collection_pairs(collection: Collection, tokenizer: Tokenizer, model: ModelInfo, settings: Settings) -> list[Pair]:
    """Training pairs from every document of ``collection``, cut into passages for ``model`` as an index of it
    would be (``tokenizer`` is the model's)."""
    chunking = ChunkSettings(min(settings.chunk_tokens, model.maxlength - 2), settings.chunk_overlap)
    pairs = []
    for _, doc in stored_documents(collection, lambda *_: None, "nothing was trained"):
        doc_id = doc.id
        chunks, _ = chunks_to_index(chunk_document(doc, doc_id, tokenizer, chunking), backmatter=False)
        pairs.extend(document_pairs(doc, chunks, doc_id))
    return pairs


def check_name(name: str, root: Path) -> None:
    """A name for a new model: letters, digits, '.', '_', '-', not a catalogue name, not taken."""
    if not NAME.match(name):
        raise ConfigError(f"--output {name!r}: use lower-case letters, digits, '.', '_' and '-' (up to 64).")
    if any(e.name == name for e in CATALOGUE) or (root / name).exists():
        raise ConfigError(f"A model called {name!r} exists already: choose another --output, or remove it first "
                          f"with `rag models remove {name}`.")


def finetune(collection: Collection, base: ModelInfo, tokenizer: Tokenizer, settings: Settings, root: Path,
             name: str, pairs_file: Path | None = None, epochs: int = 1, batch_size: int = 0,
             progress: Progress | None = None, only_file: bool = False) -> dict:
    """Train ``base`` on pairs from ``collection`` (and ``pairs_file``; only from it with ``only_file``), save it
    as ``root/name``, and return what was done with the held-out figures before and after."""
    check_name(name, root)
    if epochs < 1 or batch_size < 0:
        raise ConfigError("--epochs must be at least 1 and --batch-size positive.")
    pairs = read_pairs(pairs_file) if pairs_file else []
    if not only_file:
        pairs += collection_pairs(collection, tokenizer, base, settings)
    train_pairs, held = hold_out(pairs, HELD_OUT, SEED)
    where = device()
    batch_size = batch_size or DEFAULT_BATCH[where]
    bf16 = where == "cuda" or base.precision == "bf16"
    model = load_model(base.path, where, base.maxlength)
    before = measure(model, held)
    started = time.perf_counter()
    trained = train(model, train_pairs, epochs, batch_size, bf16, progress, SEED)
    after = measure(model, held)
    record = {"name": name, "base": base.name, "collection": collection.name,
              "pairs_file": str(pairs_file) if pairs_file else None, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
              "pairs": {"train": len(train_pairs), "held_out": len(held),
                        "kinds": dict(Counter(p.kind for p in train_pairs))},
              "recipe": {"loss": "MultipleNegativesRankingLoss", "scale": 20, "similarity": "cosine",
                         "epochs": epochs, "batch_size": batch_size, "max_tokens": model.max_seq_length,
                         "learning_rate": 2e-5, "precision": "bf16 autocast" if bf16 else "fp32"},
              "device": where if where == "cuda" else f"cpu ({cpu_name()})", **trained,
              "seconds_total": round(time.perf_counter() - started, 1), "before": before, "after": after}
    _save(model, record, root, name)
    return record


def _save(model, record: dict, root: Path, name: str) -> None:
    """Write the model beside the others under a temporary name, then rename it into place."""
    tmp = root / ".partial" / f"{name}.tuning-{os.getpid()}"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        model.save(str(tmp))
        (tmp / TUNED).write_text(json.dumps(record, indent=1))
        os.replace(tmp, root / name)
    except OSError as error:
        raise RagError(f"The fine-tuned model could not be saved ({error.strerror or error}); nothing was kept.") \
            from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
