"""One stack reused by a series of drills (a pytest session, a `firedrill run` of many files).

Starting Prometheus, Alertmanager and Jaeger costs a second or two per drill with processes and more with
containers; a suite of drills on one stack pays it once. A drill that needs a different stack (other
components, images, or Prometheus flags such as a different compression factor) gets a fresh one.
"""

from __future__ import annotations

from harness.stack.spec import StackSpec
from harness.stack.stack import Stack


class SharedStack:
    """Hands out one running stack, reconfigured for each drill; close it when the series ends.

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
