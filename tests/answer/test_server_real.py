"""The engine answering through a real OpenAI-compatible server: llama-cpp-python's, started by the test on
127.0.0.1 with the bundled SmolLM2 and an API key, and stopped at the end. A wrong address, key or model name and a
server killed mid-answer each give one line, and the evidence stays."""

import socket
import subprocess
import sys
import time

import httpx2
import pytest

from rag.answer.pipeline import standalone
from rag.engine import Engine
from rag.errors import LLMServerError
from rag.models import resolve_llm
from rag.settings import Settings
from tests.conftest import missing

pytestmark = pytest.mark.slow

KEY = "sk-test-7f3a"
HEPARIN = ("Low molecular weight heparin prevents deep venous thrombosis in trauma patients. Heparin caused major "
           "bleeding in 2% of the patients who received it.")
MALARIA = "Malaria is spread by Anopheles mosquitoes in tropical regions."
QUESTION = "What does low molecular weight heparin prevent in trauma patients?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m llama_cpp.server`` with the bundled GGUF on a free port of 127.0.0.1; its log in a file."""

    def __init__(self, log):
        try:
            import llama_cpp.server.app  # noqa: F401 - the server's own dependencies (fastapi, sse-starlette, ...)
        except ImportError:
            missing("llama-cpp-python's server is not installed: pip install -e '.[test]'")
        self.model = str(resolve_llm("smollm2-135m").path)
        self.port, self.log = free_port(), log
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", self.model, "--host", "127.0.0.1", "--port",
             str(self.port), "--n_ctx", "2048", "--n_threads", "2", "--api_key", KEY],
            stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx2.get(f"{self.url}/models", timeout=2).status_code == 401:  # up, and asking for the key
                    return
            except httpx2.TransportError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")

    def requests(self, path: str) -> int:
        """The requests to ``path`` in the server's access log."""
        return self.log.read_text().count(f'"POST /v1{path} HTTP') if "chat" in path else \
            self.log.read_text().count(f'"GET /v1{path} HTTP')

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("llm-server") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    """A collection of two notes, made once with the bundled embedding model."""
    data = tmp_path_factory.mktemp("data")
    (data / "heparin.txt").write_text(HEPARIN)
    (data / "malaria.txt").write_text(MALARIA)
    Engine(Settings.from_env(data_dir=data)).ingest("notes", [data / "heparin.txt", data / "malaria.txt"])
    return data


def engine(papers, url, **settings) -> Engine:
    return Engine(Settings.from_env(data_dir=papers, llm_url=url, temperature=0.0, **settings))


def test_the_engine_answers_through_the_server_with_checked_citations(server, papers):
    asked = server.requests("/chat/completions")
    answer = engine(papers, server.url, llm_api_key=KEY).ask("notes", QUESTION).run()
    assert server.requests("/chat/completions") == asked + 1
    assert answer.models["llm"] == server.model  # llama-cpp-python's server names its model by its file
    assert answer.evidence[0].text.startswith("Low molecular weight heparin prevents")
    assert answer.sentences and all("supported" in s for s in answer.sentences)
    assert answer.citations and any(s["supported"] for s in answer.sentences), answer.sentences
    assert "thrombosis" in answer.answer.lower()


def test_a_follow_up_is_rewritten_through_the_server(server, papers):
    llm = engine(papers, server.url, llm_api_key=KEY).models.llm
    asked = server.requests("/chat/completions")
    history = [("Is heparin used for DVT prophylaxis in trauma patients?",
                "Low molecular weight heparin prevents deep venous thrombosis after trauma [1].")]
    rewritten = standalone(llm, "How often did it cause bleeding?", history)
    assert server.requests("/chat/completions") == asked + 1
    assert "heparin" in rewritten.lower() and "bleeding" in rewritten.lower() and rewritten.endswith("?")


@pytest.mark.parametrize("settings, message", [
    ({"llm_api_key": "sk-wrong"}, "refused the request (HTTP 401: Invalid API key): check RAG_LLM_API_KEY."),
    ({}, "refused the request (HTTP 401: Invalid API key): set RAG_LLM_API_KEY to the key it expects."),
    ({"llm_api_key": KEY, "llm_model": "llama3.2"}, "has no model 'llama3.2' (RAG_LLM_MODEL); it serves: "),
])
def test_a_wrong_key_or_model_is_one_line_and_the_evidence_stays(server, papers, settings, message):
    stream = engine(papers, server.url, **settings).ask("notes", QUESTION)
    assert stream.prepare().evidence[0].text.startswith("Low molecular weight heparin prevents")
    with pytest.raises(LLMServerError) as error:
        stream.run()
    assert str(error.value).startswith(f"The LLM server at {server.url} {message}")
    assert "sk-wrong" not in str(error.value) and "\n" not in str(error.value)


def test_a_wrong_address_is_one_line(server, papers):
    with pytest.raises(LLMServerError) as error:
        engine(papers, server.url.removesuffix("/v1") + "/api", llm_api_key=KEY).ask("notes", QUESTION).run()
    assert str(error.value).startswith(f"The LLM server at {server.url.removesuffix('/v1')}/api has nothing at "
                                       "/models (HTTP 404")
    with pytest.raises(LLMServerError, match=r"cannot be reached \(connection refused\)"):
        engine(papers, f"http://127.0.0.1:{free_port()}/v1").ask("notes", QUESTION).run()


class KilledOnceWriting:
    """The server's model, its server killed as soon as its answer has begun to stream."""

    def __init__(self, llm, server: Server):
        self.llm, self.server = llm, server

    def stream(self, *args, **kwargs):
        for n, piece in enumerate(self.llm.stream(*args, **kwargs)):
            yield piece
            if n == 0:
                self.server.process.kill()
                self.server.process.wait()


def test_a_server_killed_mid_answer_is_one_line_and_the_evidence_stays(papers, tmp_path):
    doomed = Server(tmp_path / "server.log")
    try:
        settings = Settings.from_env(data_dir=papers, llm_url=doomed.url, llm_api_key=KEY, temperature=0.0)
        served = Engine(settings).models.llm
        stream = Engine(settings, llm=KilledOnceWriting(served, doomed)).ask("notes", QUESTION)
        answer = stream.prepare()
        with pytest.raises(LLMServerError) as error:
            stream.run()
        assert str(error.value).startswith(f"The LLM server at {doomed.url} broke off the answer (")
        assert answer.evidence[0].text.startswith("Low molecular weight heparin prevents") and not answer.sentences
        with pytest.raises(LLMServerError, match="cannot be reached"):  # the next question, to the dead server
            Engine(settings).ask("notes", QUESTION).run()
    finally:
        doomed.stop()
