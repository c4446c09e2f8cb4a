"""The real app server for browser tests and the load benchmark: `streamlit run app.py` on a free loopback port,
started from the repository root (as `make run` does), stopped when the block ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(data_dir: Path, log: Path, env: dict[str, str] | None = None, root: Path = ROOT):
    """Yield (url, process) once the server answers its health check; its stderr goes to ``log``. ``env`` adds
    settings (such as ``RAG_LLM_URL``) to the server's environment; ``root``: the checkout whose app is served
    (another one's, to compare its code with this one's)."""
    port = free_port()
    env = {**os.environ, **(env or {}), "RAG_DATA_DIR": str(data_dir)}
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            yield url, process
        finally:
            process.terminate()
            process.wait(timeout=60)
