"""Which files an ingest reads, and the names they are shown and stored under.

Folders are walked in a stable order without their hidden entries; a user's file name is reduced to a
safe display name (no path, no control or bidi characters). Nothing here reads file contents.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

# The longest file name most file systems take is 255 bytes; the stored upload keeps room for a temporary suffix
MAX_NAME_BYTES = 240


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
    return _shorten(name) or "unnamed"


def _shorten(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """``name`` cut to ``limit`` bytes of UTF-8 (file systems count bytes), keeping its extension and whole
    characters."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix.encode("utf-8")) > 16:
        stem, suffix = name, ""
    tail = f".{suffix}" if suffix else ""
    room = limit - len(tail.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .") + tail
