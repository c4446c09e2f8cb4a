"""Answers from an OpenAI-compatible LLM server, against a fake one on 127.0.0.1 (tests/llm_server.py): the stream
read piece by piece, the model and the kind of server found, the grammar sent where it is understood, and every
failure one line that gives away no key."""

import json
import socket
import threading
import time

import pytest

from rag.answer import server as server_module
from rag.answer.evidence import Evidence
from rag.answer.fairlock import BUSY
from rag.answer.generate import Answer
from rag.answer.server import OpenAIServerModel, grammar_fields
from rag.cli import main
from rag.engine import Engine
from rag.errors import ConfigError, LLMServerError
from rag.models.catalogue import answering, by_server_name
from rag.settings import Settings
from tests.fakes import evidence_stream
from tests.llm_server import FakeLLMServer

CHAT = [{"role": "user", "content": "What does heparin prevent?"}]
KEY = "sk-secret-123"


@pytest.fixture
def fake():
    with FakeLLMServer() as server:
        yield server


@pytest.fixture(autouse=True)
def quick_retry(monkeypatch):
    monkeypatch.setattr(server_module, "BACKOFF", 0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(llm, grammar=None) -> str:
    return "".join(llm.stream(CHAT, 64, 0.0, grammar=grammar))


def ask_waiting(llm, waiting) -> str:
    return "".join(llm.stream(CHAT, 64, 0.0, waiting=waiting))


def test_a_reply_streams_piece_by_piece_from_the_only_model(fake):
    llm = OpenAIServerModel(fake.url)
    assert list(llm.stream(CHAT, 64, 0.1)) == fake.reply
    sent = fake.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and "Authorization" not in sent["headers"]
    assert sent["body"] | {"messages": None} == {"model": "fake-model", "messages": None, "max_tokens": 64,
                                                  "temperature": 0.1, "stream": True, "repeat_penalty": 1.1}
    assert (llm.name, llm.kind) == ("fake-model", "llama.cpp")
    assert [r["path"] for r in fake.requests] == ["/v1/models", "/v1/chat/completions"]  # the models listed once
    ask(llm)
    assert [r["path"] for r in fake.requests].count("/v1/models") == 1


def test_the_event_stream_skips_comments_and_empty_chunks_and_ends_at_done():
    llm = OpenAIServerModel("http://127.0.0.1:1/v1")
    lines = [": keep-alive", "", "event: message", 'data: {"choices": [{"delta": {"role": "assistant"}}]}',
             'data: {"choices": [{"delta": {"content": "Yes"}}]}', 'data: {"choices": []}',
             'data: {"choices": [{"delta": {"content": "."}, "finish_reason": "stop"}]}', "data: [DONE]",
             'data: {"choices": [{"delta": {"content": "never read"}}]}']
    assert list(llm._events(iter(lines))) == ["Yes", "."]
    # Without [DONE], a finish_reason ends a reply cleanly; a stream that just stops was broken off
    assert list(llm._events(iter(lines[:7]))) == ["Yes", "."]
    with pytest.raises(LLMServerError, match="broke off the answer"):
        list(llm._events(iter(lines[:5])))
    with pytest.raises(LLMServerError, match="stopped with an error: out of memory"):
        list(llm._events(iter(['data: {"error": {"message": "out of memory"}}'])))
    with pytest.raises(LLMServerError, match="something other than an OpenAI-style event"):
        list(llm._events(iter(["data: <html>"])))


@pytest.mark.parametrize("owner, kind, fields", [
    ("llamacpp", "llama.cpp", {"grammar": "root ::= \"x\""}),  # llama.cpp's llama-server
    ("me", "llama.cpp", {"grammar": "root ::= \"x\""}),  # llama-cpp-python's server
    ("vllm", "vllm", {"structured_outputs": {"grammar": "root ::= \"x\""}}),
    ("library", "ollama", {}),
    ("organization_owner", "openai", {}),  # LM Studio, or any other: no grammar
])
def test_the_grammar_goes_where_the_kind_of_server_takes_it(owner, kind, fields):
    with FakeLLMServer(models=(("m", owner),)) as fake:
        llm = OpenAIServerModel(fake.url)
        ask(llm, grammar='root ::= "x"')
        body = fake.requests[-1]["body"]
        assert llm.kind == kind
        assert {k: body[k] for k in ("grammar", "structured_outputs") if k in body} == fields
    assert grammar_fields(kind, None) == {}


def test_a_kind_set_by_hand_is_not_read_from_the_server(fake):
    llm = OpenAIServerModel(fake.url, kind="vllm")
    ask(llm, grammar='root ::= "x"')
    assert llm.kind == "vllm" and "structured_outputs" in fake.requests[-1]["body"]
    assert "grammar" not in fake.requests[-1]["body"] and "repeat_penalty" not in fake.requests[-1]["body"]


def test_the_model_named_must_be_one_the_server_serves(fake):
    fake.models = [("llama3.2:latest", "library"), ("qwen2.5-coder:0.5b", "library")]
    with pytest.raises(LLMServerError) as error:
        ask(OpenAIServerModel(fake.url))
    assert str(error.value) == (f"The LLM server at {fake.url} serves 2 models (llama3.2:latest, qwen2.5-coder:0.5b): "
                                "set RAG_LLM_MODEL to the one to ask.")
    with pytest.raises(LLMServerError) as error:
        ask(OpenAIServerModel(fake.url, model="mistral"))
    assert str(error.value) == (f"The LLM server at {fake.url} has no model 'mistral' (RAG_LLM_MODEL); it serves: "
                                "llama3.2:latest, qwen2.5-coder:0.5b.")
    assert not any(r["method"] == "POST" for r in fake.requests), "a model not served is never asked"
    llm = OpenAIServerModel(fake.url, model="llama3.2")  # Ollama's ":latest" may be left out
    ask(llm)
    assert fake.requests[-1]["body"]["model"] == "llama3.2" and llm.kind == "ollama"


def test_the_api_key_is_sent_and_never_shown(fake):
    fake.key = KEY
    llm = OpenAIServerModel(fake.url, api_key=KEY)
    assert ask(llm) and fake.requests[-1]["headers"]["Authorization"] == f"Bearer {KEY}"
    assert llm.describe() == {"url": fake.url, "model": "fake-model", "server_kind": "llama.cpp", "api_key": "***"}
    # A wrong key: the server repeats it in its error; the line does not
    with pytest.raises(LLMServerError) as error:
        ask(OpenAIServerModel(fake.url, api_key="sk-wrong-456"))
    assert str(error.value) == (f"The LLM server at {fake.url} refused the request (HTTP 401: Invalid API key: ***): "
                                "check RAG_LLM_API_KEY.")
    with pytest.raises(LLMServerError, match=r"\(HTTP 401: Invalid API key:\): set RAG_LLM_API_KEY to the key it"):
        ask(OpenAIServerModel(fake.url))
    # Credentials in the address are masked too
    assert OpenAIServerModel("http://user:pass@127.0.0.1:1/v1").where == "http://user:***@127.0.0.1:1/v1"


def test_settings_show_the_key_as_stars():
    settings = Settings.from_env({"RAG_LLM_URL": "http://127.0.0.1:8080/v1", "RAG_LLM_API_KEY": KEY})
    assert KEY not in repr(settings) and "llm_api_key='***'" in repr(settings)
    assert "llm_url='http://127.0.0.1:8080/v1'" in repr(settings) and "password=''" in repr(settings)


@pytest.mark.parametrize("variable, value, message", [
    ("RAG_LLM_URL", "127.0.0.1:8080/v1", "RAG_LLM_URL must be an http.s. address"),
    ("RAG_LLM_SERVER_KIND", "tgi", "RAG_LLM_SERVER_KIND must be one of auto, llama.cpp, vllm, ollama, openai"),
    ("RAG_LLM_TIMEOUT", "0", "RAG_LLM_TIMEOUT must be a positive number of seconds"),
])
def test_wrong_server_settings_are_named(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})


def test_an_address_that_is_not_the_api_base_is_one_line(fake):
    with pytest.raises(LLMServerError) as error:
        ask(OpenAIServerModel(fake.url.removesuffix("/v1")))
    assert str(error.value) == (f"The LLM server at {fake.url.removesuffix('/v1')} has nothing at /models (HTTP 404: "
                                "Not Found): RAG_LLM_URL must be the base of its OpenAI API, such as "
                                "http://127.0.0.1:8080/v1.")


def test_a_server_error_is_one_line_and_a_question_is_not_sent_twice(fake):
    llm = OpenAIServerModel(fake.url)
    llm.resolve()
    fake.status = [500]
    with pytest.raises(LLMServerError) as error:
        ask(llm)
    assert str(error.value) == f"The LLM server at {fake.url} failed to answer (HTTP 500: the model crashed)."
    assert [r["method"] for r in fake.requests] == ["GET", "POST"]


def test_listing_the_models_is_tried_again_after_a_server_error(fake):
    fake.status = [503]  # a server still loading its model
    assert ask(OpenAIServerModel(fake.url)) == "".join(fake.reply)
    assert [r["method"] for r in fake.requests] == ["GET", "GET", "POST"]


def test_a_server_that_is_down_is_one_line_and_not_asked_again_at_once():
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAIServerModel(url)
    with pytest.raises(LLMServerError) as error:
        ask(llm)
    assert str(error.value) == (f"The LLM server at {url} cannot be reached (connection refused): is it running, "
                                "and is RAG_LLM_URL its address?")
    start = time.monotonic()
    with pytest.raises(LLMServerError, match="cannot be reached"):
        ask(llm)  # the same question's answer, after its rewrite failed: no second wait
    assert time.monotonic() - start < server_module.BACKOFF


def test_a_server_that_starts_during_the_first_try_is_reached_on_the_second(monkeypatch):
    monkeypatch.setattr(server_module, "BACKOFF", 0.5)
    port = free_port()
    late = FakeLLMServer(port=port)
    timer = threading.Timer(0.1, lambda: late.__enter__())
    timer.start()
    try:
        assert ask(OpenAIServerModel(f"http://127.0.0.1:{port}/v1")) == "".join(late.reply)
    finally:
        timer.join()
        late.__exit__()


def test_a_server_restarted_between_two_questions_answers_the_second():
    port = free_port()
    with FakeLLMServer(port=port) as first:
        llm = OpenAIServerModel(first.url)
        assert ask(llm)
    with FakeLLMServer(port=port) as second:  # the connection kept from the first is dead: a new one is opened
        assert ask(llm) == "".join(second.reply)
        assert [r["method"] for r in second.requests] == ["POST"]


def test_a_question_queued_past_the_timeout_waits_while_the_server_answers_its_check(fake):
    fake.queued = 1.2  # every slot busy: the server says nothing for four timeouts, but lists its models
    told = []
    llm = OpenAIServerModel(fake.url, read_timeout=0.3)
    assert "".join(llm.stream(CHAT, 64, 0.0, waiting=told.append)) == "".join(fake.reply)
    checks = [r for r in fake.requests if r["method"] == "GET"][1:]  # after the listing made at the first question
    assert len(checks) >= 2, "the silent server was not checked while the question waited"
    assert told == [], "a wait shorter than BUSY_AFTER was shown to the reader"


def test_a_long_wait_tells_the_reader_the_server_is_busy_every_tick(fake, monkeypatch):
    monkeypatch.setattr(server_module, "BUSY_AFTER", 0.2)
    monkeypatch.setattr(server_module, "TICK", 0.1)
    fake.queued = 1.0
    told = []
    assert ask_waiting(OpenAIServerModel(fake.url), told.append) == "".join(fake.reply)
    assert told[-1] == 0 and told[:-1] == [BUSY] * (len(told) - 1) and len(told) >= 5


def test_a_slow_stream_after_its_first_words_is_not_called_a_wait(fake, monkeypatch):
    monkeypatch.setattr(server_module, "BUSY_AFTER", 0.2)
    monkeypatch.setattr(server_module, "TICK", 0.1)
    fake.delay = 0.35  # before every piece: the first is late, and so is each one after it
    told = []
    assert ask_waiting(OpenAIServerModel(fake.url), told.append) == "".join(fake.reply)
    assert told and told[-1] == 0 and told.count(0) == 1 and set(told[:-1]) == {BUSY}


def test_a_reader_gone_during_the_wait_takes_the_question_out_of_the_servers_queue(fake, monkeypatch):
    monkeypatch.setattr(server_module, "BUSY_AFTER", 0.0)
    monkeypatch.setattr(server_module, "TICK", 0.1)
    fake.queued = 30.0

    def gone(ahead):  # what Streamlit's write raises in a run whose tab was closed
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ask_waiting(OpenAIServerModel(fake.url), gone)
    assert fake.client_gone.wait(5), "the question stayed in the server's queue after its reader had gone"


def test_a_server_that_goes_quiet_and_fails_its_check_is_given_up(fake, monkeypatch):
    monkeypatch.setattr(server_module, "CHECK_TIMEOUT", 0.3)
    llm = OpenAIServerModel(fake.url, read_timeout=0.3)
    llm.resolve()  # listed while the server was well
    fake.hung = True
    started = time.monotonic()
    with pytest.raises(LLMServerError) as error:
        ask(llm)
    assert time.monotonic() - started < 3
    assert str(error.value).startswith(f"The LLM server at {fake.url} sent nothing for 0.3 s and did not answer a "
                                       "check (")
    assert str(error.value).endswith("), so the answer was given up (RAG_LLM_TIMEOUT).")


def test_a_server_dying_mid_stream_is_one_line_after_what_it_sent(fake):
    fake.hang_up_after = 2
    pieces = []
    with pytest.raises(LLMServerError) as error:
        for piece in OpenAIServerModel(fake.url).stream(CHAT, 64, 0.0):
            pieces.append(piece)
    assert pieces == fake.reply[:2]
    assert str(error.value).startswith(f"The LLM server at {fake.url} broke off the answer (")


def test_stopping_a_reply_closes_the_connection_and_the_server_stops(fake):
    fake.reply, fake.delay = [f"word{n} " for n in range(200)], 0.02
    stream = OpenAIServerModel(fake.url).stream(CHAT, 400, 0.0)
    assert [next(stream), next(stream)] == ["word0 ", "word1 "]
    stream.close()
    assert fake.client_gone.wait(5), "the server went on writing to a reader that had gone"
    assert fake.sent < 20


def test_an_answer_through_the_server_is_checked_against_the_evidence(fake):
    stream = evidence_stream(OpenAIServerModel(fake.url))
    answer = stream.run()
    assert answer.answer == "Heparin prevents deep venous thrombosis [1]." and answer.citations == [1]
    assert answer.sentences[0]["supported"]
    assert "Heparin prevents deep venous thrombosis" in fake.requests[-1]["body"]["messages"][-1]["content"]


def test_a_server_that_fails_leaves_the_evidence_and_fails_the_answer_once():
    url = f"http://127.0.0.1:{free_port()}/v1"
    history = [("What is heparin?", "An anticoagulant [1].")]
    stream = evidence_stream(OpenAIServerModel(url), history)
    answer = stream.prepare()  # the follow-up's rewrite failed: it is searched with the question before it
    assert answer.standalone == "What is heparin? What does heparin prevent?"
    assert isinstance(answer.evidence[0], Evidence) and answer.evidence[0].text.startswith("Heparin prevents")
    with pytest.raises(LLMServerError, match="cannot be reached") as error:
        stream.run()
    assert error.value is stream.failed and not answer.answer


def test_the_engine_asks_the_server_the_settings_name(fake, monkeypatch):
    fake.key = KEY
    monkeypatch.setenv("RAG_LLM_URL", fake.url)
    monkeypatch.setenv("RAG_LLM_API_KEY", KEY)
    engine = Engine(Settings.from_env())
    assert isinstance(engine.models.llm, OpenAIServerModel) and engine.models.llm_name == "fake-model"
    with pytest.raises(ConfigError, match="RAG_LLM_URL=http://127.0.0.1:.* is set"):
        engine.models.use("qwen2.5-0.5b")
    assert not any(row["active"] for row in engine.models.catalogue() if row["kind"] == "llm")


def test_rag_models_says_which_server_answers_and_never_the_key(fake, monkeypatch, capsys):
    fake.key, fake.models = KEY, [("SmolLM2-135M-Instruct.Q4_1.gguf", "llamacpp")]
    monkeypatch.setenv("RAG_LLM_URL", fake.url)
    monkeypatch.setenv("RAG_LLM_API_KEY", KEY)
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert KEY not in out
    assert (f"llm:        SmolLM2-135M-Instruct.Q4_1.gguf on the server at {fake.url} (llama.cpp, API key ***)\n"
            "            serves: SmolLM2-135M-Instruct.Q4_1.gguf\n"
            "            answers as the catalogue's smollm2-135m (prose, no grammar, no verdicts, at most 160 tokens)"
            ) in out
    assert main(["models", "--json"]) == 0
    out = capsys.readouterr().out
    llm = json.loads(out)["llm"]
    assert KEY not in out and llm["api_key"] == "***" and llm["url"] == fake.url and llm["source"] == "server"
    monkeypatch.setenv("RAG_LLM_URL", f"http://127.0.0.1:{free_port()}/v1")  # down: said, and the rest listed
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "(the server has not named its model) on the server at" in out and "cannot be reached" in out
    assert "answers in prose, no grammar, no verdicts, at most 160 tokens (a model the catalogue does not know)" in out


def test_a_served_model_gets_the_answer_settings_measured_for_it():
    for name in ("smollm2:135m", "/models/SmolLM2-135M-Instruct.Q4_1.gguf", "HuggingFaceTB/SmolLM2-135M-Instruct",
                 "smollm2-135m"):
        assert by_server_name(name).name == "smollm2-135m", name
    assert by_server_name("Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF").name == "qwen2.5-coder-0.5b"
    assert by_server_name("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").name == "qwen2.5-coder-0.5b"
    assert by_server_name("llama3.2:latest") is None and by_server_name("qwen2.5-coder") is None
    assert answering("smollm2:135m").measured and answering("mistral").measured == ""
    assert answering("mistral").grammar == "none" and not answering("mistral").verdicts


def test_an_answer_error_is_kept_with_the_turn_and_not_called_a_missing_citation():
    from rag.answer.present import answer_note, export_markdown

    answer = {**Answer(question="Q?").to_dict(), "passages": [{"text": "x"}], "error": "The LLM server failed."}
    assert answer_note(answer) == ""
    exported = export_markdown("c", [{"role": "user", "content": "Q?"},
                                     {"role": "assistant", "content": "", "answer": answer}])
    assert "_The LLM server failed._" in exported
