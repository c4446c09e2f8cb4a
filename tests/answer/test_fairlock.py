"""The line for the shared model: first come first served, each waiter told its place, a waiter gone leaves it."""

import threading
import time

import pytest

from rag.answer.fairlock import FairLock

WAIT = 10  # seconds any step may take before the test fails instead of hanging


class Gone(BaseException):
    """What Streamlit raises in a run whose tab was closed (StopException is a BaseException too)."""


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


class Holder:
    """A thread that holds the lock until told to let go."""

    def __init__(self, lock: FairLock):
        self.let_go, self.holding = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(lock,), daemon=True)
        self.thread.start()
        assert self.holding.wait(WAIT)

    def _run(self, lock: FairLock) -> None:
        with lock.held():
            self.holding.set()
            self.let_go.wait(WAIT)

    def release(self) -> None:
        self.let_go.set()
        self.thread.join(WAIT)


class Waiter:
    """A thread that joins the line, records the places it is told, and notes when its turn came."""

    def __init__(self, lock: FairLock, name: str, served: list[str], leave: threading.Event | None = None):
        self.name, self.served, self.leave = name, served, leave
        self.places: list[int] = []
        self.left = False
        size = len(lock)
        self.thread = threading.Thread(target=self._run, args=(lock,), daemon=True)
        self.thread.start()
        until(lambda: len(lock) == size + 1, f"{name} to join the line")

    def _run(self, lock: FairLock) -> None:
        try:
            with lock.held(self.told):
                self.served.append(self.name)
        except Gone:
            self.left = True

    def told(self, ahead: int) -> None:
        if not self.places or self.places[-1] != ahead:  # a repeat is the heartbeat: the place is kept once
            self.places.append(ahead)
        if self.leave is not None and self.leave.is_set():
            raise Gone


def test_waiters_are_served_in_the_order_they_came_and_told_their_place():
    lock, served = FairLock(every=0.05), []
    holder = Holder(lock)
    waiters = [Waiter(lock, name, served) for name in "abcd"]
    assert len(lock) == 5
    until(lambda: all(w.places for w in waiters), "every waiter to be told its place")
    assert [w.places for w in waiters] == [[1], [2], [3], [4]]
    holder.release()
    for w in waiters:
        w.thread.join(WAIT)
    assert served == list("abcd")
    # Each heard its place only come down (a quick turn ahead may pass unseen), and 0 when its turn came
    for n, w in enumerate(waiters, 1):
        assert w.places[0] == n and w.places[-1] == 0 and w.places == sorted(w.places, reverse=True), w.places
    assert len(lock) == 0


def test_a_waiter_that_is_gone_leaves_the_line_and_the_next_moves_up():
    lock, served, gone = FairLock(every=0.05), [], threading.Event()
    holder = Holder(lock)
    first = Waiter(lock, "first", served, leave=gone)
    second = Waiter(lock, "second", served)
    until(lambda: second.places == [2], "the second waiter to hear it has two ahead")
    gone.set()  # the first waiter's tab is closed: its next report raises
    first.thread.join(WAIT)
    assert first.left and len(lock) == 2
    # The one behind moves up while the holder still holds the model: it need not wait for the gone one's turn
    until(lambda: second.places == [2, 1], "the second waiter to move up")
    assert served == []
    holder.release()
    second.thread.join(WAIT)
    assert served == ["second"] and second.places == [2, 1, 0] and len(lock) == 0


def test_a_place_is_told_again_while_it_does_not_change():
    """The heartbeat: a page that writes at each report notices within ``every`` seconds that its reader left."""
    lock, heard = FairLock(every=0.02), []
    holder = Holder(lock)

    def wait() -> None:
        with lock.held(heard.append):
            pass

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    until(lambda: len(heard) >= 5, "five reports of an unchanged place")
    assert set(heard[:5]) == {1}
    holder.release()
    thread.join(WAIT)
    assert heard[-1] == 0 and len(lock) == 0


def test_the_holder_that_raises_gives_the_lock_to_the_next():
    lock, served = FairLock(every=0.05), []
    with pytest.raises(RuntimeError), lock.held():
        raise RuntimeError("generation failed")
    assert len(lock) == 0
    with lock.held():
        served.append("next")
    assert served == ["next"] and len(lock) == 0


def test_no_wait_no_report():
    lock, heard = FairLock(), []
    with lock.held(heard.append):
        assert len(lock) == 1
    assert heard == []


class Slot:
    """What ``place_in_line`` writes to: the last thing shown, or None once emptied."""

    def __init__(self):
        self.shown: str | None = None

    def info(self, text: str, icon: str = "") -> None:
        self.shown = text

    def empty(self) -> None:
        self.shown = None


def test_the_place_in_line_says_how_many_are_ahead_or_that_the_llm_server_is_busy():
    from rag.answer.fairlock import BUSY
    from rag.ui.chat import place_in_line

    slot = Slot()
    waiting = place_in_line(slot)
    waiting(2)
    assert slot.shown == "Waiting for 2 answers ahead…"
    waiting(1)
    assert slot.shown == "Waiting for 1 answer ahead…"
    waiting(BUSY)
    assert slot.shown == "Waiting for the LLM server: it is busy with other answers…"
    waiting(0)
    assert slot.shown is None
