"""A model hub on 127.0.0.1 for download tests: the Hugging Face Hub's API and file URLs over a tree a test builds.

It answers ``GET /api/models/<repo>/revision/<rev>`` (the file list with sizes and LFS SHA-256, as the hub does
with ``?blobs=true``) and ``GET /<repo>/resolve/<rev>/<file>`` with HTTP ranges. A test can make it break
the connection part-way through a file, or serve bytes other than the ones its checksum describes.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
import time
from pathlib import Path

COMMIT = "c0ffee" * 6 + "abcd"


class Hub:
    def __init__(self, repos: dict[str, dict[str, Path | bytes]]):
        self.repos = {repo: {name: src if isinstance(src, bytes) else Path(src).read_bytes()
                             for name, src in files.items()} for repo, files in repos.items()}
        self.sha = {(repo, name): hashlib.sha256(data).hexdigest()
                    for repo, files in self.repos.items() for name, data in files.items()}
        self.drops: list[int] = []  # each file request takes the next: send only this many bytes, then hang up
        self.corrupt = False  # serve flipped bytes (the size stays, the checksum no longer matches)
        self.seconds = 0.0  # spread each file over this many seconds (a slow network), in 32 parts
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Hub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def info(self, repo: str) -> dict:
        return {"id": repo, "modelId": repo, "sha": COMMIT, "private": False, "siblings": [
            {"rfilename": name, "size": len(data), "blobId": "0" * 40,
             **({"lfs": {"sha256": self.sha[(repo, name)], "size": len(data), "pointerSize": 134}}
                if len(data) > 4096 else {})}
            for name, data in self.repos[repo].items()]}

    def _handler(self):
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the handler's method name
                hub.requests.append((self.path, self.headers.get("Range")))
                path = self.path.split("?")[0]
                api = re.fullmatch(r"/api/models/(.+)/revision/([^/]+)", path)
                if api and api[1] in hub.repos:
                    return self._send(200, json.dumps(hub.info(api[1])).encode(), "application/json")
                for repo, files in hub.repos.items():
                    prefix = f"/{repo}/resolve/"
                    if path.startswith(prefix) and path[len(prefix):].split("/", 1)[1] in files:
                        return self._file(files[path[len(prefix):].split("/", 1)[1]])
                self._send(404, b'{"error": "Repository not found"}', "application/json")

            def _file(self, data: bytes):
                if hub.corrupt:
                    data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
                start = int(m[1]) if (m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")) else 0
                body = data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                cut = hub.drops.pop(0) if hub.drops else None
                body = body if cut is None else body[:cut]
                step = -(-len(body) // 32) if hub.seconds else len(body) or 1
                for start in range(0, len(body), step):
                    self.wfile.write(body[start:start + step])
                    self.wfile.flush()
                    time.sleep(hub.seconds / 32)
                if cut is not None:
                    self.close_connection = True

            def _send(self, status: int, body: bytes, kind: str):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
