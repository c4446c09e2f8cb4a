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
import threading
import time
from collections.abc import Iterator
from contextlib import closing

import httpx2

from ..errors import LLMServerError
from ..settings import SERVER_KINDS, masked
from .fairlock import Waiting

# What each server says of itself in the ``owned_by`` of its model list (GET /models), read when
# RAG_LLM_SERVER_KIND=auto: llama.cpp's llama-server "llamacpp", llama-cpp-python's server "me", vLLM "vllm",
# Ollama "library" (the namespace of its models). Any other server is taken for a plain OpenAI-style one.
OWNERS = {"llamacpp": "llama.cpp", "me": "llama.cpp", "vllm": "vllm", "library": "ollama"}
CONNECT_TIMEOUT = 10.0  # seconds to open a connection: a server that is up accepts one in milliseconds
BACKOFF = 0.5  # seconds before the one retry of a call that can be repeated
FAILED_FOR = 5.0  # seconds a server just found unusable is not asked again (one question, one wait, one error)
KEY_VARIABLE = "RAG_LLM_API_KEY"


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
                 read_timeout: float = 120.0, transport: httpx2.BaseTransport | None = None):
        if kind not in SERVER_KINDS:
            raise ValueError(f"kind must be one of {SERVER_KINDS}")
        self.url, self.where = url.rstrip("/"), masked(url.rstrip("/"))
        self.model, self.kind, self.read_timeout = model, kind, read_timeout
        self._key = api_key
        self._resolved, self._failure = False, (0.0, None)
        self.listed: list[dict] = []  # the server's models, as it listed them at the first question
        self._lock = threading.Lock()
        # One client, its connections reused by every question (it is safe to share between threads)
        self.client = httpx2.Client(headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
                                    timeout=httpx2.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
                                    transport=transport)

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

        Closing the generator (an answer stopped early, a reader gone) closes the connection, which tells the
        server to stop generating. ``waiting`` is never called: the server keeps its own queue and does not say
        where a request stands in it.
        """
        model, kind = self.resolve()
        body = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "stream": True, **SAMPLING.get(kind, {}), **grammar_fields(kind, grammar)}
        with closing(self._send("POST", "/chat/completions", body, idempotent=False)) as response:
            try:
                if response.headers.get("content-type", "").startswith("application/json"):
                    yield from self._whole(response)  # a server that does not stream answers in one piece
                else:
                    yield from self._events(response.iter_lines())
            except httpx2.TimeoutException:
                raise LLMServerError(f"The LLM server at {self.where} sent nothing for {self.read_timeout:g} s, "
                                     "so the answer was given up (RAG_LLM_TIMEOUT).") from None
            except httpx2.TransportError as error:
                raise LLMServerError(f"The LLM server at {self.where} broke off the answer "
                                     f"({self._reason(error)}).") from None

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

    def _send(self, method: str, path: str, body: dict | None = None, *, idempotent: bool) -> httpx2.Response:
        """Send a request and return the response once its headers are in (the body is read by the caller); a
        refusal is raised as one line. A connection that could not be opened, or was dropped before any answer
        (a connection the server had closed while it idled), is tried once more after a pause: nothing was
        generated yet. A call that can be repeated (listing the models) is also tried again after a 5xx, which a
        server still loading its model answers."""
        for attempt in (1, 2):
            request = self.client.build_request(method, self.url + path, json=body)
            try:
                response = self.client.send(request, stream=True)
            except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.RemoteProtocolError) as error:
                if attempt == 1:
                    time.sleep(BACKOFF)
                    continue
                raise self._unreachable(error) from None
            except httpx2.TimeoutException:
                raise LLMServerError(f"The LLM server at {self.where} sent nothing for {self.read_timeout:g} s, "
                                     "so the question was given up (RAG_LLM_TIMEOUT).") from None
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


def message(body) -> str:
    """The message in an error body, as OpenAI ({"error": {"message"}}), Ollama ({"error": "..."}) and FastAPI
    ({"detail": ...}) servers shape it."""
    if not isinstance(body, dict):
        return str(body)
    error = body.get("error") or body.get("detail") or body.get("message") or ""
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    return " ".join(str(error).split())
