"""An LLM behind an OpenAI-compatible HTTP server (llama.cpp's llama-server or llama-cpp-python's, vLLM, Ollama,
LM Studio), as a ``ChatModel`` like the one run in the app: answers go through the same evidence, prompt, checks
and presentation. There is no lock here: the server schedules the questions of many users at once.

A reply streams from ``POST {url}/chat/completions`` with ``stream: true``: server-sent events, ``data: {chunk}``
lines ending with ``data: [DONE]``. An answer's grammar goes where the kind of server takes one (``grammar_fields``);
elsewhere none is sent, and the reply is split and checked after generation as for a model asked without one.
Every failure is one ``LLMServerError`` line that names the server by its address without credentials, never the
key. This module does not start, stop or choose a server, and counts no tokens.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing

import httpx2

from ..errors import LLMServerError
from ..settings import SERVER_KINDS, masked
from .fairlock import BUSY, Waiting

# What each server says of itself in the ``owned_by`` of its model list (GET /models), read when
# RAG_LLM_SERVER_KIND=auto: llama.cpp's llama-server "llamacpp", llama-cpp-python's server "me", vLLM "vllm",
# Ollama "library" (the namespace of its models). Any other server is taken for a plain OpenAI-style one.
OWNERS = {"llamacpp": "llama.cpp", "me": "llama.cpp", "vllm": "vllm", "library": "ollama"}
CONNECT_TIMEOUT = 10.0  # seconds to open a connection: a server that is up accepts one in milliseconds
BACKOFF = 0.5  # seconds before the one retry of a call that can be repeated
FAILED_FOR = 5.0  # seconds a server just found unusable is not asked again (one question, one wait, one error)
KEY_VARIABLE = "RAG_LLM_API_KEY"
TICK = 1.0  # seconds between two looks at a reply that is late: how soon a page that has gone stops its wait
BUSY_AFTER = 5.0  # seconds without the first words after which the reader is told the server is busy
CHECK_TIMEOUT = 10.0  # seconds a silent server has to list its models before it is taken for gone
QUEUED_FOR = 30 * 60.0  # seconds a question may wait on a server that is up: beyond any queue of a working server


def grammar_fields(kind: str, grammar: str | None) -> dict:
    """The request fields that carry a GBNF grammar to this kind of server, as each documents it: llama.cpp's
    servers read ``grammar``; vLLM reads ``structured_outputs.grammar`` (its default xgrammar backend takes GBNF;
    before vLLM 0.12 the field was ``guided_grammar``). Ollama's OpenAI API constrains replies only to JSON
    (``response_format``), and answers are prose, so Ollama and other servers get none."""
    if not grammar:
        return {}
    if kind == "llama.cpp":
        return {"grammar": grammar}
    if kind == "vllm":
        return {"structured_outputs": {"grammar": grammar}}
    return {}


# Sampling as the app's own llama.cpp model has it (rag.answer.llm): the same answers from the same model
SAMPLING = {"llama.cpp": {"repeat_penalty": 1.1}}


class OpenAIServerModel:
    """A chat model answered by an OpenAI-compatible server at ``url`` (the API's base, such as
    http://127.0.0.1:8080/v1). ``model`` empty: the server's only model; ``kind`` "auto": read from the server."""

    def __init__(self, url: str, *, model: str = "", api_key: str = "", kind: str = "auto",
                 read_timeout: float = 30.0):
        if kind not in SERVER_KINDS:
            raise ValueError(f"kind must be one of {SERVER_KINDS}")
        self.url, self.where = url.rstrip("/"), masked(url.rstrip("/"))
        self.model, self.kind, self.read_timeout = model, kind, read_timeout
        self._key = api_key
        self._resolved, self._failure = False, (0.0, None)
        self.listed: list[dict] = []  # the server's models, as it listed them at the first question
        self._lock = threading.Lock()
        # One client for every question (it is safe to share between threads). Each request opens its own
        # connection, kept by nobody afterwards, so that a question can be taken back by shutting its socket, even
        # while the server holds it in its queue without a word (``_Reply.stop``); on loopback or a LAN a connection
        # costs a millisecond, against seconds for an answer.
        self.client = httpx2.Client(headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
                                    timeout=httpx2.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
                                    limits=httpx2.Limits(max_keepalive_connections=0))

    @property
    def name(self) -> str:
        """The model asked: the one named, else the server's only one once it was listed, else ''."""
        return self.model

    def describe(self) -> dict:
        """Where the answers come from, for `rag models` and the sidebar: the address (without credentials), the
        model, the kind of server, whether a key is sent (never the key itself)."""
        return {"url": self.where, "model": self.model, "server_kind": self.kind, "api_key": "***" if self._key else ""}

    def models(self) -> list[dict]:
        """The models the server lists (GET /models), each with its ``id`` and ``owned_by``."""
        with closing(self._send("GET", "/models", idempotent=True)) as response:
            try:
                response.read()
                listed = response.json()["data"]
                return [{"id": str(m["id"]), "owned_by": str(m.get("owned_by") or "")} for m in listed]
            except httpx2.TransportError as error:
                raise self._unreachable(error) from None
            except (ValueError, KeyError, TypeError):
                raise LLMServerError(f"The LLM server at {self.where} did not list its models as an OpenAI-compatible "
                                     "server does (GET /models): is RAG_LLM_URL the base of its OpenAI API, such as "
                                     "http://127.0.0.1:8080/v1?") from None

    def resolve(self) -> tuple[str, str]:
        """The model to ask and the kind of server, found once from the server's model list: a model named but not
        served is refused here (llama-cpp-python's server would answer with its own model instead)."""
        with self._lock:
            if self._resolved:
                return self.model, self.kind
            when, failure = self._failure
            if failure is not None and time.monotonic() - when < FAILED_FOR:
                raise failure
            try:
                self.listed = self.models()
                self.model = self._pick(self.listed)
            except LLMServerError as error:
                self._failure = (time.monotonic(), error)
                raise
            if self.kind == "auto":
                owner = next((m["owned_by"] for m in self.listed if m["id"] in (self.model, f"{self.model}:latest")),
                             "")
                self.kind = OWNERS.get(owner.lower(), "openai")
            self._resolved = True
            return self.model, self.kind

    def _pick(self, listed: list[dict]) -> str:
        """The model named, if the server lists it (Ollama lists "llama3.2:latest" for "llama3.2"), else its only
        model; a clear error otherwise."""
        ids = [m["id"] for m in listed]
        if self.model:
            if self.model in ids or f"{self.model}:latest" in ids:
                return self.model
            raise LLMServerError(f"The LLM server at {self.where} has no model {self.model!r} (RAG_LLM_MODEL); it "
                                 f"serves: {', '.join(ids) or 'none'}.")
        if len(ids) == 1:
            return ids[0]
        raise LLMServerError(f"The LLM server at {self.where} serves {len(ids) or 'no'} models"
                             + (f" ({', '.join(ids)})" if ids else "") + ": set RAG_LLM_MODEL to the one to ask.")

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               grammar: str | None = None, waiting: Waiting | None = None) -> Iterator[str]:
        """Ask the server for a reply to chat ``messages``, yielding text pieces as they come.

        A server with every slot busy holds a question in its own queue and sends nothing until a slot frees, which
        can take minutes when many people ask at once. So silence alone does not end a wait: after
        ``read_timeout`` seconds without a word the server is asked for its model list, and only a server that
        does not answer that either (down, hung, unreachable) fails the answer; one that answers is busy, and the
        wait goes on. The reply is read on a thread of its own, so that the server can be checked meanwhile.

        Closing the generator (an answer stopped early, a reader gone) closes the connection, which tells the
        server to stop generating, or to drop the question from its queue. The server does not say where a
        question stands in its queue: ``waiting`` is told ``BUSY`` every ``TICK`` seconds once the first words are
        ``BUSY_AFTER`` seconds late, and 0 when they come.
        """
        model, kind = self.resolve()
        body = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "stream": True, **SAMPLING.get(kind, {}), **grammar_fields(kind, grammar)}
        reply = _Reply()
        threading.Thread(target=self._read, args=(body, reply), daemon=True, name="llm-server-reply").start()
        asked = quiet_since = time.monotonic()
        shown = begun = False  # whether ``waiting`` was told the server is busy; whether the reply has begun
        try:
            while True:
                try:
                    what, value = reply.pieces.get(timeout=min(TICK, self.read_timeout))
                except queue.Empty:
                    now = time.monotonic()
                    if now - quiet_since >= self.read_timeout:
                        self._still_up()  # raises if the server does not answer; else it is busy: wait on
                        quiet_since = time.monotonic()
                    if waiting is not None and not begun and (shown or now - asked >= BUSY_AFTER):
                        waiting(BUSY)  # and every TICK, which is where a page that has gone ends the wait
                        shown = True
                    continue
                begun = True  # a slow stream after its first words is not a wait in line
                if shown:
                    waiting(0)
                    shown = False
                quiet_since = time.monotonic()
                if what == "piece":
                    yield value
                elif what == "error":
                    raise value
                else:
                    return
        finally:
            reply.stop()

    def _read(self, body: dict, reply: _Reply) -> None:
        """Send the question and put each piece of the reply, then its end or its failure, on ``reply.pieces``;
        run on a thread of its own. A reader that has gone (``reply.gone``) ends it at the next piece."""
        last: tuple[str, object] = ("end", None)
        try:
            with closing(self._send("POST", "/chat/completions", body, idempotent=False, timeout=QUEUED_FOR,
                                    trace=reply.trace)) as response:
                pieces = (self._whole(response) if response.headers.get("content-type", "").startswith(
                    "application/json") else self._events(response.iter_lines()))  # not streamed: one piece
                for piece in pieces:
                    if reply.gone.is_set():
                        return
                    reply.pieces.put(("piece", piece))
        except LLMServerError as error:
            last = ("error", error)
        except httpx2.TimeoutException:
            last = ("error", LLMServerError(f"The LLM server at {self.where} sent nothing for {QUEUED_FOR:g} s in "
                                            "the middle of an answer, so the answer was given up."))
        except httpx2.TransportError as error:
            last = ("error", LLMServerError(f"The LLM server at {self.where} broke off the answer "
                                            f"({self._reason(error)})."))
        finally:
            reply.pieces.put(last)

    def _still_up(self) -> None:
        """Check that a server that has sent nothing for ``read_timeout`` seconds is still there: any answer to
        GET /models within ``CHECK_TIMEOUT`` seconds will do (a server answering, even with an error, is up and
        busy). One that gives none fails the answer, in one line."""
        try:
            self.client.get(self.url + "/models", timeout=httpx2.Timeout(CHECK_TIMEOUT, connect=CONNECT_TIMEOUT))
        except httpx2.TransportError as error:
            raise LLMServerError(f"The LLM server at {self.where} sent nothing for {self.read_timeout:g} s and did "
                                 f"not answer a check ({self._reason(error)}), so the answer was given up "
                                 "(RAG_LLM_TIMEOUT).") from None

    def _events(self, lines: Iterator[str]) -> Iterator[str]:
        """The text of each chunk of an OpenAI-style event stream, to its ``[DONE]``."""
        finished = False
        for line in lines:
            if not line.startswith("data:"):
                continue  # the blank line after each event, ": keep-alive" comments, "event:" names
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                chunk = json.loads(data)
                if not isinstance(chunk, dict):
                    raise ValueError(data)
            except ValueError:
                raise LLMServerError(f"The LLM server at {self.where} sent something other than an OpenAI-style "
                                     f"event: {self._clean(data)[:80]!r}.") from None
            if chunk.get("error"):  # how llama.cpp and vLLM report a failure once the stream has begun
                raise LLMServerError(f"The LLM server at {self.where} stopped with an error: "
                                     f"{self._clean(message(chunk))}.")
            for choice in chunk.get("choices") or []:
                finished = finished or bool(choice.get("finish_reason"))
                if piece := (choice.get("delta") or {}).get("content"):
                    yield piece
        if not finished:  # the connection ended cleanly, but the reply had not
            raise LLMServerError(f"The LLM server at {self.where} broke off the answer (the stream ended before "
                                 "its end).")

    def _whole(self, response: httpx2.Response) -> Iterator[str]:
        """The text of a reply sent whole (``stream`` ignored)."""
        response.read()
        try:
            text = response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMServerError(f"The LLM server at {self.where} sent a reply that is not an OpenAI-style "
                                 "chat completion.") from None
        if text:
            yield text

    def _send(self, method: str, path: str, body: dict | None = None, *, idempotent: bool,
              timeout: float | None = None, trace=None) -> httpx2.Response:
        """Send a request and return the response once its headers are in (the body is read by the caller); a
        refusal is raised as one line. A connection that could not be opened, or was dropped before any answer
        (a connection the server had closed while it idled), is tried once more after a pause: nothing was
        generated yet. A call that can be repeated (listing the models) is also tried again after a 5xx, which a
        server still loading its model answers."""
        for attempt in (1, 2):
            request = self.client.build_request(method, self.url + path, json=body, timeout=httpx2.Timeout(
                timeout or self.read_timeout, connect=CONNECT_TIMEOUT), extensions={"trace": trace} if trace else None)
            try:
                response = self.client.send(request, stream=True)
            except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.RemoteProtocolError) as error:
                if attempt == 1:
                    time.sleep(BACKOFF)
                    continue
                raise self._unreachable(error) from None
            except httpx2.TimeoutException:
                raise LLMServerError(f"The LLM server at {self.where} sent nothing for {timeout or self.read_timeout:g}"
                                     " s, so the question was given up.") from None
            except httpx2.TransportError as error:
                raise self._unreachable(error) from None
            if response.status_code >= 500 and idempotent and attempt == 1:
                response.close()
                time.sleep(BACKOFF)
                continue
            if response.status_code >= 400:
                raise self._refused(response, path)
            return response
        raise AssertionError("unreachable")

    def _unreachable(self, error: Exception) -> LLMServerError:
        return LLMServerError(f"The LLM server at {self.where} cannot be reached ({self._reason(error)}): is it "
                              "running, and is RAG_LLM_URL its address?")

    def _refused(self, response: httpx2.Response, path: str) -> LLMServerError:
        """One line for a request the server answered with an error status, closing the response."""
        try:
            response.read()
            said = self._clean(message(response.json()))
        except (ValueError, httpx2.HTTPError):
            said = self._clean(response.text.strip().splitlines()[0] if response.text.strip() else "")
        finally:
            response.close()
        status = response.status_code
        said = said[:200] if said else response.reason_phrase
        if status in (401, 403):
            fix = f"check {KEY_VARIABLE}" if self._key else f"set {KEY_VARIABLE} to the key it expects"
            return LLMServerError(f"The LLM server at {self.where} refused the request (HTTP {status}: {said}): "
                                  f"{fix}.")
        if status == 404:
            return LLMServerError(f"The LLM server at {self.where} has nothing at {path} (HTTP 404: {said}): "
                                  "RAG_LLM_URL must be the base of its OpenAI API, such as http://127.0.0.1:8080/v1.")
        return LLMServerError(f"The LLM server at {self.where} failed to answer (HTTP {status}: {said}).")

    def _reason(self, error: Exception) -> str:
        """What went wrong with a connection, in a few words."""
        text = str(error).strip() or type(error).__name__
        if "refused" in text.lower():
            return "connection refused"
        if isinstance(error, httpx2.ConnectTimeout):
            return f"no connection within {CONNECT_TIMEOUT:.0f} s"
        return self._clean(text.splitlines()[0])[:160]

    def _clean(self, text: str) -> str:
        """Text from the server with the key masked, should the server repeat it."""
        return text.replace(self._key, "***") if self._key else text

    def close(self) -> None:
        self.client.close()


class _Reply:
    """A reply read on its own thread: the pieces (("piece", text), then ("end", None) or ("error", error)), whether
    its reader has gone, and the connection it came on (told by the HTTP client's trace as it opens one)."""

    OPENED = ("connect_tcp.complete", "start_tls.complete", "connect_unix_socket.complete")

    def __init__(self):
        self.pieces: queue.Queue = queue.Queue()
        self.gone = threading.Event()
        self.connection = None  # the network stream of the request's connection, once open

    def trace(self, event: str, info: dict) -> None:
        if event.endswith(self.OPENED):
            self.connection = info["return_value"]

    def stop(self) -> None:
        """The reader has gone: the reading thread stops at its next piece, and the connection is shut now, which
        tells the server to stop generating or, for a question still in its queue, to drop it (llama-server looks
        at each waiting connection every second)."""
        self.gone.set()
        sock = self.connection.get_extra_info("socket") if self.connection is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # closed already: the reply had ended


def message(body) -> str:
    """The message in an error body, as OpenAI ({"error": {"message"}}), Ollama ({"error": "..."}) and FastAPI
    ({"detail": ...}) servers shape it."""
    if not isinstance(body, dict):
        return str(body)
    error = body.get("error") or body.get("detail") or body.get("message") or ""
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    return " ".join(str(error).split())
