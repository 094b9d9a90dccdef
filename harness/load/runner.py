"""Run Locust as a subprocess (headless), shaped by the drill's phases, and read its stats.

Locust monkey-patches the standard library with gevent on import, so it never enters the harness process:
the harness starts `python -m locust`, reads its CSV stats while it runs and its JSON summary at the end.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness import workdir
from harness.errors import FiredrillError
from harness.proc import terminate
from harness.stack import teardown

_SHAPE_FILE = Path(__file__).with_name("shape.py")


@dataclass(frozen=True)
class LoadPhase:
    """One stretch of load in wall-clock seconds."""

    duration_s: float
    users: int
    spawn_rate: float


@dataclass(frozen=True)
class LoadStats:
    requests: int
    failures: int
    current_rps: float


class LocustRun:
    """A bounded headless Locust run against `host`; use as a context manager.

    Example:
        >>> phases = [LoadPhase(10, 5, 5), LoadPhase(20, 10, 10)]
        >>> with LocustRun(Path("scenarios/customerio/locustfile.py"), "http://127.0.0.1:8000", phases) as run:
        ...     run.wait()                                                     # doctest: +SKIP
    """

    def __init__(
        self,
        locustfile: Path,
        host: str,
        phases: list[LoadPhase],
        processes: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        if not Path(locustfile).is_file():
            raise FiredrillError(f"{locustfile}: locustfile not found; check `load.locustfile` in the scenario")
        self.locustfile = Path(locustfile)
        self.host = host
        self.phases = phases
        self.processes = processes
        self.env = env or {}
        self._dir = workdir.make_dir("locust")
        self._popen: subprocess.Popen[bytes] | None = None
        self._handle: int | None = None

    @property
    def total_s(self) -> float:
        return sum(p.duration_s for p in self.phases)

    def start(self) -> LocustRun:
        repo_root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            **self.env,
            "FIREDRILL_LOAD_PHASES": json.dumps([[p.duration_s, p.users, p.spawn_rate] for p in self.phases]),
            "PYTHONPATH": os.pathsep.join(filter(None, [repo_root, os.environ.get("PYTHONPATH")])),
        }
        command = [
            sys.executable, "-m", "locust",
            "-f", f"{self.locustfile},{_SHAPE_FILE}",
            "--headless", "--host", self.host,
            "--csv", str(self._dir / "stats"),
            "--json-file", str(self._dir / "summary"),
            "--only-summary", "--loglevel", "WARNING",
            # The shape bounds the run (Locust ignores --run-time with a shape): it always stops by itself.
            "--stop-timeout", "2",
        ]  # fmt: skip
        if self.processes > 1:
            command += ["--processes", str(self.processes)]
        self._handle = teardown.register(self.stop)
        self._popen = subprocess.Popen(
            command,
            cwd=self.locustfile.parent,
            env=env,
            stdout=(self._dir / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workdir.record_child(self._dir, self._popen.pid)
        return self

    def stats(self) -> LoadStats:
        """Aggregated stats so far, from the CSV Locust rewrites every second."""
        try:
            with (self._dir / "stats_stats.csv").open() as handle:
                rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
        except OSError:
            return LoadStats(0, 0, 0.0)
        if not rows:
            return LoadStats(0, 0, 0.0)
        row = rows[-1]
        return LoadStats(int(row["Request Count"]), int(row["Failure Count"]), float(row["Requests/s"] or 0))

    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def wait(self, timeout_s: float | None = None) -> int:
        assert self._popen is not None
        return self._popen.wait(timeout=timeout_s if timeout_s is not None else self.total_s + 40)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join((self._dir / "locust.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """End Locust (by its process group, which it leads) if it still runs; idempotent."""
        if self._popen is not None:
            terminate(self._popen, grace_s=10)
        if self._handle is not None:
            teardown.unregister(self._handle)
            self._handle = None
        workdir.remove_dir(self._dir)

    def __enter__(self) -> LocustRun:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
