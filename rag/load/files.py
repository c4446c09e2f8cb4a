"""Which files an ingest reads, and the names they are shown and stored under.

Folders are walked in a stable order without their hidden entries; a user's file name is reduced to a
safe display name (no path, no control or bidi characters). Nothing here reads file contents.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the files inside folders named (recursively, hidden ones left out), in a stable order."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


def safe_name(name: str) -> str:
    """A display name reduced to its last path part, without control or bidi-override characters; never empty."""
    name = unicodedata.normalize("NFC", str(name).replace("\\", "/")).split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")).strip(" .")
    return name[:255] or "unnamed"
