"""Helpers for the reliability tests: a real ``firedrill`` process in its own temp dir, its descendants watched.

Each run gets a private ``TMPDIR``, so "nothing left in /tmp" is checked without other work on the machine
getting in the way, and every process it starts is recorded (children run in their own sessions, so they are
found by parentage while the run is alive and checked by PID afterwards).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.workdir import process_start
from tests.conftest import sigint_as_in_a_terminal

REPO = Path(__file__).resolve().parents[2]
CUSTOMERIO = REPO / "fixtures" / "customerio"
LOCUSTFILE = REPO / "scenarios" / "customerio" / "locustfile.py"


def drill_file(directory: Path, name: str = "reliability", baseline: str = "10m", **extra: str) -> Path:
    """A small Customer.io drill: load, rules, routes; one long healthy phase to act during (20 s at x30)."""
    body = extra.get("body") or (
        f"name: {name}\ntarget: {{profile: customerio}}\nrules: ['{CUSTOMERIO / 'alerts.yml'}']\n"
        f"alertmanager: '{CUSTOMERIO / 'alertmanager.yml'}'\n"
        f"load: {{locustfile: '{LOCUSTFILE}', users: 2, spawn_rate: 2}}\ncompress: 30\n"
        f"phases:\n  - name: healthy\n    duration: {baseline}\n    expect: [{{silent: all}}]\n"
    )
    path = directory / f"{name}.yaml"
    path.write_text(body)
    return path


def descendants(pid: int) -> dict[int, str]:
    """Live descendants of ``pid``: PID -> command line."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: dict[int, str] = {}
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        todo += children.get(child, [])
    return found


@dataclass
class Run:
    """One ``firedrill`` subprocess and everything it started."""

    proc: subprocess.Popen[str]
    tmp: Path
    seen: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # pid -> (start time, cmdline)

    def watch(self) -> dict[int, str]:
        now = descendants(self.proc.pid)
        for pid, cmd in now.items():
            self.seen.setdefault(pid, (process_start(pid), cmd))
        return now

    def wait_for(self, predicate: Callable[[dict[int, str]], bool], timeout: float, what: str) -> dict[int, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"firedrill exited ({self.proc.returncode}) before {what}: {err[-2000:]}")
            now = self.watch()
            if predicate(now):
                return now
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; running: {self.watch()}")

    def pid_of(self, fragment: str) -> int:
        return next(pid for pid, cmd in self.watch().items() if fragment in cmd)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def left_running(self) -> list[str]:
        """Processes it started that still run (same PID and start time)."""
        return [cmd for pid, (started, cmd) in self.seen.items() if started and process_start(pid) == started]

    def left_in_tmp(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir())


class Runs:
    """Starts ``python -m harness ARGS`` runs, each with a private TMPDIR under ``tmp_path``; :meth:`end` kills
    whatever of them and their children still runs."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.runs: list[Run] = []

    def start(self, *args: str, tmp: Path | None = None) -> Run:
        private = tmp or self.tmp_path / f"tmp{len(self.runs)}"
        private.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(private), "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "harness", *args], cwd=REPO, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=sigint_as_in_a_terminal)  # fmt: skip
        run = Run(proc, private)
        self.runs.append(run)
        return run

    def end(self) -> None:
        for run in self.runs:
            if run.proc.poll() is None:
                # Its children run in their own sessions: note them first, in case it cannot end them itself (a
                # run a failed test never watched left its stack running once). Then the orderly stop, SIGTERM.
                run.watch()
                run.proc.terminate()
                try:
                    run.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(run.proc.pid, signal.SIGKILL)
                    run.proc.wait()
            for pid, (started, _) in run.seen.items():
                if started and process_start(pid) == started:
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def firedrill(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    """Start ``python -m harness ARGS`` with a private TMPDIR; every run is killed at the end if still alive."""
    runs = Runs(tmp_path)
    yield runs.start
    runs.end()


__all__ = ["Run", "Runs", "descendants", "drill_file"]
