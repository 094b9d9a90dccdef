"""One stack reused by a series of drills (a pytest session, a `firedrill run` of many files).

Starting Prometheus, Alertmanager and Jaeger costs a second or two per drill with processes and more with
containers; a suite of drills on one stack pays it once. A drill that needs a different stack (other
components, images, or Prometheus flags such as a different compression factor) gets a fresh one.

Drills that run at once each have a stack of their own, borrowed from a :class:`StackPool`: one stack per
slot, reused by the drills that run in that slot one after another. Nothing is shared between drills running
at once, so two drills with the same alert names cannot see each other's alerts or notifications.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from harness.stack.spec import StackSpec
from harness.stack.stack import Stack


class SharedStack:
    """Hands out one running stack, reconfigured for each drill; close it when the series ends.

    The first acquire starts the stack; the second points the same stack at new rules and targets.

    Example:
        >>> shared = SharedStack()
        >>> stack = shared.acquire(spec_for_drill_one)    # doctest: +SKIP
        >>> stack = shared.acquire(spec_for_drill_two)    # doctest: +SKIP
        >>> shared.close()
        >>> shared.starts
        0
    """

    def __init__(self) -> None:
        self._stack: Stack | None = None
        self.starts = 0
        self.reuses = 0

    def acquire(self, spec: StackSpec) -> Stack:
        """A running stack configured for `spec`: the current one when it can serve it, else a new one."""
        if self._stack is not None and self._stack.can_serve(spec):
            self._stack.reconfigure(spec)
            self.reuses += 1
            return self._stack
        self.close()
        self._stack = Stack(spec).start()
        self.starts += 1
        return self._stack

    @property
    def stack(self) -> Stack | None:
        """The stack currently running, if any."""
        return self._stack

    def close(self) -> None:
        """Tear the current stack down (by PID or container id); idempotent."""
        if self._stack is not None:
            self._stack.stop()
            self._stack = None


class StackPool:
    """Shared stacks for drills that run at once: each drill borrows one, the next drill reuses it.

    A drill that raises while holding a stack (Ctrl-C, a bug) has it torn down in its own thread, so the
    teardowns of drills stopped together run side by side.

    Example:
        >>> with StackPool() as pool:
        ...     with pool.borrow() as shared:                    # a SharedStack no other drill holds
        ...         stack = shared.acquire(spec)                  # doctest: +SKIP
        ...     len(pool.slots), pool.starts
        (1, 0)
    """

    def __init__(self, first: SharedStack | None = None) -> None:
        self._lock = threading.Lock()
        self.slots: list[SharedStack] = [first if first is not None else SharedStack()]
        self._idle: list[SharedStack] = list(self.slots)

    @contextmanager
    def borrow(self) -> Iterator[SharedStack]:
        """A SharedStack no running drill holds: an idle slot's, else a new slot's."""
        with self._lock:
            if self._idle:
                shared = self._idle.pop(0)
            else:
                shared = SharedStack()
                self.slots.append(shared)
        try:
            yield shared
        except BaseException:
            shared.close()  # it may be half-reconfigured or broken; the slot's next drill starts a fresh one
            raise
        finally:
            with self._lock:
                self._idle.append(shared)

    @property
    def starts(self) -> int:
        return sum(slot.starts for slot in self.slots)

    @property
    def reuses(self) -> int:
        return sum(slot.reuses for slot in self.slots)

    def close(self, keep: SharedStack | None = None) -> None:
        """Tear down every slot's stack but ``keep``'s, side by side (a Ctrl-C must end them all in seconds)."""
        closing = [slot for slot in self.slots if slot is not keep and slot.stack is not None]
        if len(closing) == 1:
            closing[0].close()
        elif closing:
            with ThreadPoolExecutor(max_workers=len(closing), thread_name_prefix="stack-teardown") as pool:
                list(pool.map(lambda slot: slot.close(), closing))

    def __enter__(self) -> StackPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
