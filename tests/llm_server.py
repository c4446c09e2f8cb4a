"""An OpenAI-compatible LLM server on 127.0.0.1 for the client's tests: ``GET /v1/models`` and ``POST
/v1/chat/completions`` streamed as server-sent events in chunked HTTP/1.1, as llama.cpp's and vLLM's servers send
them. A test scripts its reply and its failures: an error status, an API key, a pause before each piece, a hang-up
part-way through the stream. It records each request, and notices a client that hangs up on a stream.
"""

from __future__ import annotations

import http.server
import json
import select
import socket
import threading
import time


class FakeLLMServer:
    def __init__(self, models: tuple[tuple[str, str], ...] = (("fake-model", "llamacpp"),), key: str = "",
                 port: int = 0):
        self.models = list(models)  # (id, owned_by) as GET /v1/models lists them
        self.key = key  # the API key asked for ('' for none)
        self.reply = ["Heparin ", "prevents ", "deep venous ", "thrombosis ", "[1]."]  # streamed a piece per event
        self.status: list[int] = []  # each request takes the next, and is answered with it instead
        self.delay = 0.0  # seconds before each piece
        self.queued = 0.0  # seconds a question waits, without a word, before its answer starts (all slots busy)
        self.hung = False  # answer nothing at all, not even GET /v1/models, until the test ends
        self.hang_up_after: int | None = None  # pieces sent before the server drops the connection
        self.done = True  # end the stream with data: [DONE]
        self.requests: list[dict] = []  # method, path, body, headers
        self.sent = 0  # pieces written in the last stream
        self.client_gone = threading.Event()  # a client closed a stream before its end
        self.stopped = threading.Event()  # the test has ended: a hung handler returns
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeLLMServer:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _refused(self) -> bool:
                """Answer with an error status if the test or the key says so."""
                given = self.headers.get("Authorization", "")
                status = fake.status.pop(0) if fake.status else 0
                if not status and fake.key and given != f"Bearer {fake.key}":
                    status = 401
                if not status:
                    return False
                said = {401: f"Invalid API key: {given.removeprefix('Bearer ')}", 404: "Not Found"}.get(
                    status, "the model crashed")
                self._send(status, json.dumps({"error": {"message": said, "code": status}}).encode())
                return True

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 - the handler's method name
                fake.requests.append({"method": "GET", "path": self.path, "body": None, "headers": dict(self.headers)})
                if fake.hung:
                    fake.stopped.wait()
                    return
                if self._refused():
                    return
                if self.path != "/v1/models":
                    return self._send(404, b'{"detail": "Not Found"}')
                self._send(200, json.dumps({"object": "list", "data": [
                    {"id": name, "object": "model", "owned_by": owner} for name, owner in fake.models]}).encode())

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append({"method": "POST", "path": self.path, "body": body, "headers": dict(self.headers)})
                if self._refused():
                    return
                if self.path != "/v1/chat/completions":
                    return self._send(404, b'{"detail": "Not Found"}')
                if fake.hung:
                    fake.stopped.wait()
                    return
                if fake.queued and self._left_while_queued():
                    fake.client_gone.set()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                fake.sent = 0
                try:
                    self._event({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]})
                    for n, piece in enumerate(fake.reply):
                        if fake.hang_up_after is not None and n == fake.hang_up_after:
                            self.wfile.flush()
                            self.close_connection = True
                            return  # the connection closes without the stream's last chunk
                        time.sleep(fake.delay)
                        self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                        fake.sent += 1
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    if fake.done:
                        self._chunk(b"data: [DONE]\n\n")
                    self._chunk(b"")  # the end of the chunked body
                except (BrokenPipeError, ConnectionResetError):
                    fake.client_gone.set()
                    self.close_connection = True

            def _left_while_queued(self) -> bool:
                """Wait ``fake.queued`` seconds as a server's queue would, noticing a client that hangs up meanwhile
                (as llama-server polls its connection each second)."""
                end = time.monotonic() + fake.queued
                while time.monotonic() < end:
                    readable = select.select([self.connection], [], [], 0.05)[0]
                    if readable and not self.connection.recv(1, socket.MSG_PEEK):  # b"": the client hung up
                        return True
                return False

            def _event(self, chunk: dict) -> None:
                self._chunk(f"data: {json.dumps({'object': 'chat.completion.chunk', **chunk})}\n\n".encode())

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler
