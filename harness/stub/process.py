"""Run a stub as a child process, for tests, drills and benchmarks: every service of its profile on a port.

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
import time
from pathlib import Path
from types import TracebackType

import httpx

from harness import interrupt
from harness import workdir as harness_workdir
from harness.errors import ComponentError
from harness.net import free_port
from harness.proc import describe_returncode, log_tail, terminate
from harness.stub.control import StubControl
from harness.stub.profile import Profile, load_profile

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
    """A ``python -m harness.stub`` child process; a context manager that always cleans up.

    ``ports`` fixes some services' ports (the rest get free ones); ``port`` is the first service's.
    """

    def __init__(
        self,
        profile: str | Path | Profile = "customerio",
        lane: str = "a",
        port: int | None = None,
        otlp_endpoint: str | None = None,
        seed: int | None = None,
        redact: bool = True,
        startup_timeout: float = 20.0,
        workdir: Path | str | None = None,
        ports: dict[str, int] | None = None,
        compress: float = 1.0,
    ) -> None:
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile)
        self.lane = lane
        first = self.profile.services[0].name
        wanted = dict(ports or {})
        if port is not None:
            wanted[first] = port
        self.ports = {name: wanted.get(name) or free_port() for name in self.profile.service_names}
        self.otlp_endpoint = otlp_endpoint
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else harness_workdir.make_dir("stub")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.workdir / "logs"
        self.output_file = self.workdir / "stdout.log"
        self.seed = seed
        self.redact = redact
        self.compress = compress
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: StubControl | None = None

    # -- where things are ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The first service's port."""
        return self.ports[self.profile.services[0].name]

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT`` of the first service, the form Prometheus scrape targets use."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """Base URL of the first service."""
        return f"http://{self.address}"

    @property
    def urls(self) -> dict[str, str]:
        """Base URL of every service."""
        return {name: f"http://{HOST}:{port}" for name, port in self.ports.items()}

    @property
    def metrics_url(self) -> str:
        """URL of the first service's Prometheus exposition."""
        return f"{self.url}{self.profile.services[0].metrics_path}"

    @property
    def log_files(self) -> dict[str, Path]:
        """Each service's JSON-lines log."""
        return {name: self.log_dir / f"{name}.log" for name in self.profile.service_names}

    @property
    def log_file(self) -> Path:
        """The first service's log."""
        return self.log_files[self.profile.services[0].name]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def control(self) -> StubControl:
        """Fault-control client for this stub (one control plane for all its services)."""
        if self._control is None:
            self._control = StubControl(self.url)
        return self._control

    # -- life ------------------------------------------------------------------------------------------
    def command(self) -> list[str]:
        """The argv used to start the child."""
        cmd = [sys.executable, "-m", "harness.stub", "--profile", self.profile.source or self.profile.name]
        cmd += ["--lane", self.lane, "--host", HOST, "--log-dir", str(self.log_dir), "--compress", str(self.compress)]
        cmd += [arg for name, port in self.ports.items() for arg in ("--listen", f"{name}={port}")]
        cmd += ["--port", str(self.port)]
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
            self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, env=env, start_new_session=True)  # fmt: skip
        harness_workdir.record_child(self.workdir, self._proc.pid)
        atexit.register(self.stop)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise StubStartError(f"exited with code {self._proc.returncode}; last output: "
                                         f"{log_tail(_tail(self.output_file), lines=5)}")  # fmt: skip
                try:
                    if client.get(f"{self.url}/_firedrill/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                interrupt.sleep(0.05, "the start of the stub")
        raise StubStartError(f"not healthy on {self.address} after {self.startup_timeout:.0f}s; last output: "
                             f"{log_tail(_tail(self.output_file), lines=5)}")  # fmt: skip

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

    def stop(self) -> None:
        """SIGTERM the child, SIGKILL after 5 s; remove its own temp dir; safe to call more than once."""
        proc, self._proc = self._proc, None
        if self._control is not None:
            self._control.close()
            self._control = None
        atexit.unregister(self.stop)
        if proc is not None:
            terminate(proc)
        if self._own_workdir:
            harness_workdir.remove_dir(self.workdir)

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
