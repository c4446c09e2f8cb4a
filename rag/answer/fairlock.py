"""A lock granted first come, first served, that tells each waiter how many are ahead of it.

The app's one llama.cpp model answers every browser session in turn. ``threading.Lock`` neither promises an order
nor says how long the line is, so a question waited in silence behind up to eight others (bench/load.py: 99 s at
p95). Here each caller joins the end of a line; the head holds the lock. A waiter is told its place as the line
moves and again every ``every`` seconds; what it is told with may raise (a page whose reader has gone), and the
waiter then leaves the line and the ones behind it move up. This module knows nothing of models or pages.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Waiting = Callable[[int], None]  # told the number ahead (the holder included) while waiting, then 0 at its turn
BUSY = -1  # what ``Waiting`` is told when the number ahead is not known (an LLM server's own queue)


class FairLock:
    """A first-come, first-served lock that is not re-entrant; ``held()`` takes a turn."""

    def __init__(self, every: float = 1.0):
        self.every = every  # seconds between two reports of an unchanged place: how soon a gone reader is noticed
        self._line: deque[object] = deque()  # the holder first, then the waiters in the order they came
        self._moved = threading.Condition()

    def __len__(self) -> int:
        """How many hold or wait for the lock: a caller arriving now would wait for this many."""
        with self._moved:
            return len(self._line)

    @contextmanager
    def held(self, waiting: Waiting | None = None) -> Iterator[None]:
        """Hold the lock for the block, after those who came first.

        ``waiting(ahead)`` is called in the waiting thread, never under the lock's own guard: with how many are
        ahead as soon as this caller must wait, whenever that changes, at least every ``every`` seconds meanwhile,
        and with 0 once the turn comes after a wait. Whatever it raises ends the wait: this caller leaves the line.
        """
        ticket = object()
        with self._moved:
            self._line.append(ticket)
            ahead = len(self._line) - 1
        try:
            if ahead:
                self._wait(ticket, ahead, waiting)
            yield
        finally:
            self._leave(ticket)

    def _wait(self, ticket: object, ahead: int, waiting: Waiting | None) -> None:
        """Block until ``ticket`` heads the line, reporting its place to ``waiting``."""
        while ahead:
            if waiting is not None:
                waiting(ahead)
            with self._moved:
                if self._line.index(ticket) == ahead:  # unchanged since it was reported: wait for a move
                    self._moved.wait(self.every)
                ahead = self._line.index(ticket)
        if waiting is not None:
            waiting(0)

    def _leave(self, ticket: object) -> None:
        """Take ``ticket`` out of the line, the holder's or a waiter's, and wake the others to read their place."""
        with self._moved:
            self._line.remove(ticket)
            self._moved.notify_all()
