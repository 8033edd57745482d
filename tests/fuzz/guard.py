"""A hang guard for tests and fuzzers: a SIGALRM deadline around one call.

Not a speed test: the limit is many times what any input needs, so it only trips when
something loops or blows up (a hang would otherwise stall the whole suite).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Hang", "deadline"]


class Hang(BaseException):
    """Raised when the guarded code runs past its deadline; a BaseException so no reader swallows it."""


@contextmanager
def deadline(seconds: float, what: str = "input") -> Iterator[None]:
    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"{what} still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
