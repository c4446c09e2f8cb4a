"""Downloading an embedding model: a failed download says why, it is not reported as "not on this machine".

The hub is a local HTTP server on 127.0.0.1 that a test starts (no test reaches the internet); the resolution runs
in a child process so that HF_ENDPOINT is read fresh.
"""

import http.server
import os
import subprocess
import sys
import threading

import pytest

from tests.conftest import ROOT

RESOLVE = ("from rag.models import resolve_embeddings\n"
           "from rag.errors import ModelNotFoundError\n"
           "try:\n    resolve_embeddings('neuml/pubmedbert-base-embeddings', allow_download={allow})\n"
           "except ModelNotFoundError as error:\n    print(error)\n")


class NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the handler's method name
        self.send_response(404)
        self.send_header("X-Error-Code", "RepositoryNotFound")
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def resolve(endpoint: str, allow: bool, tmp_path) -> str:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "0",
           "HF_HUB_ETAG_TIMEOUT": "5", "HF_HUB_DOWNLOAD_TIMEOUT": "5"}
    done = subprocess.run([sys.executable, "-c", RESOLVE.format(allow=allow)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_download_refused_by_the_hub_says_so(hub, tmp_path):
    said = resolve(hub, True, tmp_path)
    assert said.startswith("Embedding model 'neuml/pubmedbert-base-embeddings' could not be downloaded: ")
    assert "not on this machine" not in said


def test_a_download_with_no_network_says_so(tmp_path):
    said = resolve("http://127.0.0.1:9", True, tmp_path)  # nothing listens on port 9
    assert said.startswith("Embedding model 'neuml/pubmedbert-base-embeddings' could not be downloaded: ")
    assert "Connect" in said  # the connection error itself, not "not on this machine"


def test_without_downloads_a_model_not_in_the_cache_is_not_on_this_machine(hub, tmp_path):
    said = resolve(hub, False, tmp_path)
    assert "is not on this machine. Download it once with RAG_ALLOW_DOWNLOAD=1" in said
