"""Run a stub as a child process, for tests, drills and benchmarks.

Usage::

    from harness.stub.process import StubProcess

    with StubProcess(profile="customerio", lane="a", seed=7) as stub:
        stub.control.set([{"kind": "error", "rate": 0.1}])
        httpx.post(f"{stub.url}/v1/track", json={"event": "x"})
        print(stub.metrics_url, stub.log_file)
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from harness import interrupt
from harness.errors import ComponentError
from harness.net import free_port
from harness.proc import describe_returncode, log_tail, terminate
from harness.stub.control import StubControl

HOST = "127.0.0.1"
_REPO_ROOT = Path(__file__).resolve().parents[2]


class StubStartError(ComponentError):
    """The stub process exited or did not become healthy in time."""

    def __init__(self, detail: str) -> None:
        super().__init__("stub", detail)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


class StubProcess:
    """A ``python -m harness.stub`` child process; a context manager that always cleans up."""

    def __init__(
        self,
        profile: str | Path = "customerio",
        lane: str = "a",
        port: int | None = None,
        otlp_endpoint: str | None = None,
        log_file: Path | str | None = None,
        seed: int | None = None,
        redact: bool = True,
        startup_timeout: float = 20.0,
        workdir: Path | str | None = None,
    ) -> None:
        self.profile = str(profile)
        self.lane = lane
        self.port = port or free_port()
        self.otlp_endpoint = otlp_endpoint
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="firedrill-stub-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_file = Path(log_file) if log_file else self.workdir / "stub.log"
        self.output_file = self.workdir / "stdout.log"
        self.seed = seed
        self.redact = redact
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: StubControl | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, the form Prometheus scrape targets use."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://{self.address}"

    @property
    def metrics_url(self) -> str:
        """URL of the Prometheus exposition."""
        return f"{self.url}/metrics"

    @property
    def pid(self) -> int | None:
        """PID of the child, or None when not running."""
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        """True while the child runs."""
        return self._proc is not None and self._proc.poll() is None

    def check_alive(self) -> None:
        """Raise ComponentError when the child has died, with the last lines of its output."""
        if self._proc is not None and self._proc.poll() is not None:
            raise ComponentError(
                "stub",
                f"lane {self.lane} (pid {self._proc.pid}) {describe_returncode(self._proc.returncode)} mid-drill; "
                f"last output: {log_tail(_tail(self.output_file, 20))}",
            )

    @property
    def control(self) -> StubControl:
        """Fault-control client for this stub."""
        if self._control is None:
            self._control = StubControl(self.url)
        return self._control

    def command(self) -> list[str]:
        """The argv used to start the child."""
        cmd = [sys.executable, "-m", "harness.stub", "--profile", self.profile, "--lane", self.lane]
        cmd += ["--host", HOST, "--port", str(self.port), "--log-file", str(self.log_file)]
        if self.otlp_endpoint:
            cmd += ["--otlp-endpoint", self.otlp_endpoint]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        if not self.redact:
            cmd.append("--no-redact")
        return cmd

    def start(self) -> StubProcess:
        """Start the child and wait until ``/_firedrill/health`` answers."""
        if self._proc is not None:
            return self
        env = dict(os.environ)
        # The child must import this checkout's harness even when run from elsewhere.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO_ROOT), env.get("PYTHONPATH")) if p)
        with open(self.output_file, "wb") as out:
            self._proc = subprocess.Popen(
                self.command(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        atexit.register(self.stop)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise StubStartError(
                        f"stub exited with code {self._proc.returncode}; last output:\n{_tail(self.output_file)}"
                    )
                try:
                    if client.get(f"{self.url}/_firedrill/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                interrupt.sleep(0.05, "the start of the stub")
        raise StubStartError(
            f"stub on {self.address} not healthy after {self.startup_timeout:.0f}s; last output:\n"
            f"{_tail(self.output_file)}\nlast log lines:\n{_tail(self.log_file, 5)}"
        )

    def stop(self) -> None:
        """SIGTERM the child, SIGKILL after 5 s; safe to call more than once."""
        proc, self._proc = self._proc, None
        if self._control is not None:
            self._control.close()
            self._control = None
        atexit.unregister(self.stop)
        if proc is not None:
            terminate(proc)

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
