"""Guaranteed teardown: whatever a stack started is ended on exit, SIGTERM or Ctrl-C, by PID or container id."""

from __future__ import annotations

import atexit
import contextlib
import signal
import threading
from collections.abc import Callable
from types import FrameType

_lock = threading.Lock()
_cleanups: dict[int, Callable[[], None]] = {}
_installed = False


def register(cleanup: Callable[[], None]) -> int:
    """Run `cleanup` at interpreter exit or on SIGTERM unless `unregister`ed first; returns a handle."""
    with _lock:
        handle = id(cleanup)
        _cleanups[handle] = cleanup
        _install()
    return handle


def install() -> None:
    """Install the exit and SIGTERM handlers now. Call it from the main thread before starting drills in worker
    threads: a signal handler can only be set from the main thread, and their registrations come from workers."""
    with _lock:
        _install()


def _install() -> None:
    global _installed
    if not _installed:
        atexit.register(run_all)
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_sigterm(previous))
        _installed = True


def unregister(handle: int) -> None:
    with _lock:
        _cleanups.pop(handle, None)


def run_all() -> None:
    with _lock:
        pending = list(_cleanups.values())[::-1]
        _cleanups.clear()
    for cleanup in pending:
        with contextlib.suppress(Exception):
            cleanup()


def _on_sigterm(previous: object) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        if callable(previous):
            # Someone already stops in order on SIGTERM (the CLI asks every drill to stop, they tear down and
            # it exits 130): tearing down under them here would turn an orderly stop into exit 143.
            previous(signum, frame)
            return
        run_all()
        # SystemExit unwinds `with` blocks too; the registry is already empty so nothing runs twice.
        raise SystemExit(128 + signum)

    return handler
