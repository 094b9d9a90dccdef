"""What the machine has to spare for drills: CPUs, idle cores and free memory, measured (psutil).

Niced work counts as idle: it yields to the drills. Before a run, :meth:`Headroom.measure` samples the CPUs in
slices and keeps the median slice, so a burst of someone else's work at that moment does not decide the whole
run. While drills wait for room, :class:`HeadroomMonitor` measures again what everyone else uses: the machine's
busy time minus this process's and its children's (the running drills are already counted by their estimates).

Example:
    >>> headroom = Headroom(cpus=2, idle_cores=1.5, memory_mb=8192)
    >>> headroom.describe()
    '1.50 of 2 cores idle, 8.0 GiB free'
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

import psutil


def usable_cpus() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (psutil.cpu_count() or 1)


_BUSY = ("user", "system", "irq", "softirq", "steal")  # user includes guest time on Linux
_SPARE = ("idle", "iowait", "nice")  # niced work yields to the drills


def _busy_s(times: object) -> float:
    """CPU-seconds spent busy at normal priority, summed over the CPUs."""
    return float(sum(getattr(times, name, 0.0) for name in _BUSY))


@dataclass(frozen=True)
class Headroom:
    """What the machine has to spare right now: CPUs, idle cores (measured), free memory."""

    cpus: int
    idle_cores: float
    memory_mb: float

    @classmethod
    def measure(cls, sample_s: float = 1.0, slices: int = 5) -> Headroom:
        """Sample the CPUs for ``sample_s`` in ``slices``; the median slice counts."""
        cpus = usable_cpus()
        spare = []
        before = psutil.cpu_times()
        for _ in range(max(1, slices)):
            time.sleep(sample_s / max(1, slices))
            after = psutil.cpu_times()
            busy = _busy_s(after) - _busy_s(before)
            total = busy + sum(getattr(after, f, 0.0) - getattr(before, f, 0.0) for f in _SPARE)
            spare.append(1.0 - busy / total if total > 0 else 1.0)
            before = after
        idle = min(float(cpus), (psutil.cpu_count() or cpus) * statistics.median(spare))
        return cls(cpus=cpus, idle_cores=round(idle, 2), memory_mb=psutil.virtual_memory().available / 2**20)

    def describe(self) -> str:
        return f"{self.idle_cores:.2f} of {self.cpus} cores idle, {self.memory_mb / 1024:.1f} GiB free"


class HeadroomMonitor:
    """The cores left for drills now: the CPUs minus what processes other than ours used lately.

    :meth:`budget` re-measures at most every ``every_s`` (two samples of /proc, cheap) and otherwise returns
    the last figure; the first figure is the headroom measured before the run.
    """

    def __init__(self, initial: Headroom, every_s: float = 2.0) -> None:
        self._cpus = initial.cpus
        self._every_s = every_s
        self._budget = initial.idle_cores
        self._me = psutil.Process()
        self._at = time.monotonic()
        self._busy = _busy_s(psutil.cpu_times())
        self._ours = self._our_cpu_s()

    def budget(self) -> float:
        """Cores the drills may use, measured over the last ``every_s`` at least."""
        now = time.monotonic()
        if now - self._at < self._every_s:
            return self._budget
        busy, ours = _busy_s(psutil.cpu_times()), self._our_cpu_s()
        # A child that exited since the last sample takes its last seconds with it: counted as someone else's.
        ours_s = sum(max(0.0, spent - self._ours.get(pid, 0.0)) for pid, spent in ours.items())
        others = max(0.0, busy - self._busy - ours_s) / (now - self._at)
        self._budget = round(max(0.0, self._cpus - others), 2)
        self._at, self._busy, self._ours = now, busy, ours
        return self._budget

    def _our_cpu_s(self) -> dict[int, float]:
        """CPU-seconds so far of this process (all threads) and each live descendant, by PID."""
        spent: dict[int, float] = {}
        try:
            processes = [self._me, *self._me.children(recursive=True)]
        except psutil.NoSuchProcess:
            return spent
        for process in processes:
            try:
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            spent[process.pid] = times.user + times.system
        return spent


__all__ = ["Headroom", "HeadroomMonitor", "usable_cpus"]
