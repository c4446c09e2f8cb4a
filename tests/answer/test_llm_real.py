"""The engine's real bundled LLM where the app leans on it: the follow-up rewrite, and one model shared by two users."""

import re
import threading
import time

import pytest

from rag.answer.pipeline import standalone
from rag.engine import Engine
from rag.settings import Settings

pytestmark = pytest.mark.slow

HISTORY = [("Is heparin used for DVT prophylaxis in trauma patients?",
            "Low molecular weight heparin prevents deep venous thrombosis after trauma [1].")]
CHATS = [[{"role": "user", "content": "What does heparin prevent?"}],
         [{"role": "user", "content": "How is malaria spread?"}]]
TOKENS = 24


@pytest.fixture(scope="module")
def llm():
    """The LLM exactly as the app gets it: the engine's shared model, from the settings' defaults."""
    return Engine(Settings.from_env()).models.llm


def test_a_follow_up_is_rewritten_to_name_its_subject(llm):
    question = "How often did it cause bleeding?"
    rewritten = standalone(llm, question, HISTORY)
    assert rewritten != question
    # Searched alone, the question must say what "it" was, and still ask what the user asked
    assert "heparin" in rewritten.lower() and "bleeding" in rewritten.lower()


@pytest.mark.parametrize("first, answer, follow, subject", [
    ("Which mechanical devices prevent deep venous thrombosis after trauma?",
     "Sequential compression devices and venous foot pumps were used [2].", "Were they as effective as heparin?",
     "compression|device|pump"),
    ("What is the mortality of patients with sepsis in intensive care?", "Hospital mortality of septic patients was "
     "31% [2].", "Did it change over the study period?", "mortality|sepsis|septic"),
])
def test_a_follow_up_stays_a_question_that_names_its_subject(llm, first, answer, follow, subject):
    # The bundled model's own rewrites of these were the previous answer and a statement (bench/followups.py)
    rewritten = standalone(llm, follow, [(first, answer)])
    assert re.search(subject, rewritten.lower()) and rewritten.rstrip().endswith("?")
    assert answer.split(" [")[0] not in rewritten


def test_two_users_share_the_model_one_generation_at_a_time(llm):
    alone = ["".join(llm.stream(chat, TOKENS, 0.0)) for chat in CHATS]
    assert all(text.strip() for text in alone) and alone[0] != alone[1]

    start = threading.Barrier(len(CHATS))
    replies: dict[int, str] = {}
    spans: dict[int, tuple[float, float]] = {}
    errors: list[str] = []

    def user(n: int) -> None:
        try:
            start.wait()
            pieces, times = [], []
            for piece in llm.stream(CHATS[n], TOKENS, 0.0):
                times.append(time.perf_counter())
                pieces.append(piece)
            replies[n], spans[n] = "".join(pieces), (times[0], times[-1])
        except Exception as error:  # noqa: BLE001 - any failure is what this test looks for
            errors.append(repr(error))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(len(CHATS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == [] and not any(thread.is_alive() for thread in threads)
    # Each user gets the reply they would have had alone, and the generations never interleave
    assert [replies[n] for n in range(len(CHATS))] == alone
    (_, first_end), (second_start, _) = sorted(spans.values())
    assert first_end < second_start, spans


def test_the_app_runs_the_llm_with_flash_attention(llm):
    # Generation is 1.2x faster with it on 2 cores (bench/llm_options.py); the context must have it enabled
    from llama_cpp import LLAMA_FLASH_ATTN_TYPE_ENABLED

    assert llm.llama.context_params.flash_attn_type == LLAMA_FLASH_ATTN_TYPE_ENABLED


def test_a_second_answer_hears_its_place_in_line_then_gets_its_own_reply(llm):
    alone = ["".join(llm.stream(chat, TOKENS, 0.0)) for chat in CHATS]
    first_started, heard, replies, errors = threading.Event(), [], {}, []

    def first() -> None:
        try:
            pieces = []
            for piece in llm.stream(CHATS[0], TOKENS, 0.0):
                if not pieces:
                    first_started.set()
                    # Hold the model until the second answer stands in line behind this one
                    deadline = time.monotonic() + 60
                    while len(llm.lock) < 2 and time.monotonic() < deadline:
                        time.sleep(0.01)
                pieces.append(piece)
            replies[0] = "".join(pieces)
        except Exception as error:  # noqa: BLE001 - any failure is what this test looks for
            errors.append(repr(error))

    def second() -> None:
        try:
            first_started.wait(60)
            replies[1] = "".join(llm.stream(CHATS[1], TOKENS, 0.0, waiting=heard.append))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    # The second was told one answer was ahead of it, then that its turn had come, and got its own reply
    assert heard[0] == 1 and heard[-1] == 0 and set(heard) == {0, 1}, heard
    assert [replies[0], replies[1]] == alone and len(llm.lock) == 0
