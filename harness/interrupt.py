"""Ctrl-C and SIGTERM reach every thread: one process-wide flag that every wait loop checks.

Python delivers SIGINT to the main thread only, and a drill runs in worker threads (drills run at once). The
main thread catches the signal and calls :func:`request`; every loop that waits (stack readiness, targets, the
phase clock, the stub's start) sleeps through :func:`sleep`, which wakes at once and raises
:class:`~harness.errors.Interrupted`. The worker then unwinds through its ``with`` blocks, which tear down
what it started.

Example:
    >>> reset(); sleep(0.01, "a test")   # no interrupt: returns after 10 ms
    >>> request(); sleep(5, "a test")
    Traceback (most recent call last):
    ...
    harness.errors.Interrupted: interrupted during a test; everything started was stopped
    >>> reset()
"""

from __future__ import annotations

import threading

from harness.errors import Interrupted

_requested = threading.Event()


def request() -> None:
    """Ask every waiting loop to stop (called from the signal handler's thread)."""
    _requested.set()


def requested() -> bool:
    """True once an interrupt was requested."""
    return _requested.is_set()


def reset() -> None:
    """Forget a past request (a new run in the same process, or a test)."""
    _requested.clear()


def check(during: str) -> None:
    """Raise Interrupted when an interrupt was requested."""
    if _requested.is_set():
        raise Interrupted(during)


def sleep(seconds: float, during: str) -> None:
    """Sleep, but raise Interrupted at once when an interrupt is (or was) requested."""
    if _requested.wait(max(0.0, seconds)):
        raise Interrupted(during)
