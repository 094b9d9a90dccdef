"""CPU accounting for benchmarks: the machine's utilisation and each kind of firedrill process's share.

A background thread samples this process and every descendant (psutil) twice a second, keyed by PID, and
sorts them into kinds by command line: the stubs, Locust, Prometheus, Alertmanager, Jaeger, and the harness
itself (observers, sink, clients). A process's CPU time is counted from its first to its last sample, so the
last half second of a process that exits between samples is missed: the shares are a lower bound, the
machine-wide utilisation (from /proc/stat) is exact.

Example:
    with CpuUsage() as usage:      # doctest: +SKIP
        run_the_suite()
    print(usage.summary())         # machine 61% of 2 cores over 74.0 s; stub 0.21 cores, locust 0.38 ...
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import psutil

KINDS = ("locust", "stub", "prometheus", "alertmanager", "jaeger", "harness", "other")


def kind_of(process: psutil.Process) -> str:
    """Which part of a drill a process is, from its command line."""
    try:
        argv = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "other"
    for kind, marker in (("stub", "harness.stub"), ("locust", "locust"), ("alertmanager", "alertmanager"),
                         ("prometheus", "prometheus"), ("jaeger", "jaeger")):  # fmt: skip
        if marker in argv:
            return kind
    return "other"


class CpuUsage:
    """Samples CPU time per process kind while it is entered; read :meth:`cores` and :attr:`utilisation` after."""

    def __init__(self, every_s: float = 0.5) -> None:
        self._every_s = every_s
        self._me = psutil.Process()
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._kind: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="cpu-usage")
        self.wall_s = 0.0
        self.utilisation = 0.0
        self.cpus = psutil.cpu_count() or 1

    def __enter__(self) -> CpuUsage:
        self._started = time.monotonic()
        self._system_before = psutil.cpu_times()
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall_s = time.monotonic() - self._started
        after = psutil.cpu_times()
        busy = sum(after) - after.idle - after.iowait - (sum(self._system_before) - self._system_before.idle
                                                          - self._system_before.iowait)  # fmt: skip
        total = sum(after) - sum(self._system_before)
        self.utilisation = busy / total if total > 0 else 0.0

    def _loop(self) -> None:
        while not self._stop.wait(self._every_s):
            self._sample()

    def _sample(self) -> None:
        try:
            processes = [self._me, *self._me.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        initial = not self._last
        for process in processes:
            try:
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            spent = times.user + times.system
            if process.pid not in self._kind:
                self._kind[process.pid] = "harness" if process.pid == self._me.pid else kind_of(process)
                # A process that existed before sampling began counts from now; a new one from its start.
                self._first[process.pid] = spent if initial or process.pid == self._me.pid else 0.0
            self._last[process.pid] = spent

    def cores(self) -> dict[str, float]:
        """Average cores used per kind over the sampled wall time."""
        spent: dict[str, float] = defaultdict(float)
        for pid, kind in self._kind.items():
            spent[kind] += self._last[pid] - self._first[pid]
        wall = max(self.wall_s, 1e-9)
        return {kind: spent[kind] / wall for kind in KINDS if spent.get(kind)}

    def summary(self) -> str:
        """One line: the machine's utilisation, then each kind's average cores."""
        shares = ", ".join(f"{kind} {cores:.2f}" for kind, cores in self.cores().items())
        return (
            f"machine {self.utilisation:.0%} of {self.cpus} cores over {self.wall_s:.1f} s; "
            f"firedrill's processes in cores: {shares}"
        )
