"""The processes provider: the same programs as the official images, run as local binaries on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psutil

from harness import programs
from harness import workdir as harness_workdir
from harness.errors import StackError
from harness.proc import describe_returncode, terminate
from harness.stack.launch import Launch, Wiring, loopback_ports
from harness.stack.ports import LOOPBACK
from harness.stack.provider import Provider, Running
from harness.stack.spec import Component, StackSpec

# Binary names tried in order for the programs found by name (Debian ships the blackbox exporter as
# prometheus-blackbox-exporter); Prometheus and Alertmanager are found by version (harness.programs: the newest
# installed, Debian's and the ones `make setup` builds alike).
BINARIES: dict[Component, list[str]] = {
    Component.PROMETHEUS: ["prometheus"],
    Component.ALERTMANAGER: ["alertmanager", "prometheus-alertmanager"],
    Component.JAEGER: ["jaeger"],
    Component.GRAFANA: ["grafana", "grafana-server"],
    Component.BLACKBOX: ["blackbox_exporter", "prometheus-blackbox-exporter"],
}

INSTALL_HINTS: dict[Component, str] = {
    Component.PROMETHEUS: "run `make setup` (it builds Prometheus 3 from its Go module), or install Debian's "
    "`prometheus`, or give --prometheus PATH",
    Component.ALERTMANAGER: "run `make setup` (it builds Alertmanager from its Go module), or install Debian's "
    "`prometheus-alertmanager`, or give --alertmanager PATH",
    Component.JAEGER: "build it with `make setup` (Go module github.com/jaegertracing/jaeger/cmd/jaeger), "
    "or set FIREDRILL_JAEGER_BIN",
    Component.GRAFANA: "install Grafana so `grafana` is on PATH, or use --stack containers",
    Component.BLACKBOX: "install it with `apt-get install prometheus-blackbox-exporter` (or run `make setup`)",
}

# Components whose program is chosen by version among several installed (harness.programs).
VERSIONED = {Component.PROMETHEUS: "prometheus", Component.ALERTMANAGER: "alertmanager"}

# Where set-up installs tools when /usr/local/bin is not writable, and where `go install` puts them.
_EXTRA_LOCATIONS = [Path.home() / ".local" / "bin", Path.home() / "go" / "bin"]


def find_binary(component: Component, explicit: str | None = None) -> str | None:
    """Path of the component's program: ``explicit``, else FIREDRILL_<NAME>_BIN, else (Prometheus, Alertmanager)
    the newest installed, else (Jaeger, Grafana) the first on PATH or in Go's and the repo's tool dirs.

    Example:
        >>> find_binary(Component.PROMETHEUS) is None or "prometheus" in find_binary(Component.PROMETHEUS)
        True
    """
    if component in VERSIONED:
        program = programs.chosen(VERSIONED[component], explicit)
        return program.path if program is not None else None
    override = explicit or os.environ.get(f"FIREDRILL_{component.name}_BIN")
    if override:
        return override if Path(override).is_file() else None
    for name in BINARIES[component]:
        found = shutil.which(name)
        if found:
            return found
        for location in _EXTRA_LOCATIONS:
            if (location / name).is_file():
                return str(location / name)
    return None


def explicit_binaries(prometheus: str | None, alertmanager: str | None, prefix: str = "--") -> dict[Component, str]:
    """The programs named by ``--prometheus``/``--alertmanager`` (``prefix`` names the options), each checked to be
    that program; InputError (before anything starts) otherwise.

    They are also exported as ``FIREDRILL_<COMPONENT>_BIN`` (what the options mean), so every part that looks for
    a program agrees with the stack: the promtool and amtool that check a scenario as it loads, lint, children.

    Example:
        >>> explicit_binaries(None, None)
        {}
        >>> explicit_binaries("/no/prometheus", None)
        Traceback (most recent call last):
        ...
        harness.errors.InputError: --prometheus /no/prometheus: no such file; give the path of a prometheus binary
    """
    chosen: dict[Component, str] = {}
    for component, path in ((Component.PROMETHEUS, prometheus), (Component.ALERTMANAGER, alertmanager)):
        if path:
            name = VERSIONED[component]
            chosen[component] = programs.check_server(name, path, f"{prefix}{component.value}").path
            os.environ[f"FIREDRILL_{component.name}_BIN"] = chosen[component]
    return chosen


def binaries_for_major(major: int) -> dict[Component, str] | None:
    """The newest installed Prometheus of ``major`` with the Alertmanager of its generation (the newest with 3,
    the oldest installed with 2: Debian's 0.25 ships with its 2.42), as ``StackSpec.binaries``; None if absent."""
    prometheus = next((p for p in programs.installed("prometheus") if p.major == major), None)
    alertmanagers = programs.installed("alertmanager")
    if prometheus is None or not alertmanagers:
        return None
    alertmanager = alertmanagers[0] if major >= 3 else alertmanagers[-1]
    return {Component.PROMETHEUS: prometheus.path, Component.ALERTMANAGER: alertmanager.path}


class LocalProcess(Running):
    def __init__(self, component: Component, popen: subprocess.Popen[bytes], log_path: Path, ports: dict[str, int]):
        self.component = component
        self._popen = popen
        self._log_path = log_path
        self._ports = ports

    @property
    def ident(self) -> str:
        return f"pid {self._popen.pid}"

    @property
    def pid(self) -> int:
        return self._popen.pid

    def address(self, port: str = "web") -> str:
        return f"{LOOPBACK}:{self._ports[port]}"

    def alive(self) -> bool:
        return self._popen.poll() is None

    def exit_reason(self) -> str:
        return describe_returncode(self._popen.poll())

    def holds_port(self, port: str) -> bool | None:
        try:
            process = psutil.Process(self._popen.pid)
            tree = [process, *process.children(recursive=True)]
            return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self._ports[port]
                       for each in tree for c in each.net_connections(kind="tcp"))  # fmt: skip
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None

    def logs(self, lines: int = 20) -> str:
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        terminate(self._popen)

    def put_files(self, files: dict[str, bytes]) -> None:
        _write_files(files)


class ProcessProvider(Provider):
    """Runs each component as a local process in its own temp dir, on free loopback ports."""

    name = "processes"

    def __init__(self) -> None:
        self._root = harness_workdir.make_dir("stack")
        self._ports: dict[Component, dict[str, int]] = {}
        # The program each component runs, found by check().
        self._binaries: dict[Component, str] = {}

    def check(self, spec: StackSpec) -> None:
        """Find every component's program once: the stack runs these for its whole life (restarts included)."""
        for component in spec.components:
            explicit = spec.binaries.get(component)
            found = find_binary(component, explicit)
            if found is None:
                env = f"FIREDRILL_{component.name}_BIN"
                what = (f"{explicit} is not a file" if explicit else f"{env}={os.environ[env]} is not a file"
                        if os.environ.get(env) else f"no `{BINARIES[component][0]}` binary found")  # fmt: skip
                raise StackError(f"{component.value}: {what}; {INSTALL_HINTS[component]}")
            self._binaries[component] = found

    def wiring(self, spec: StackSpec) -> Wiring:
        ports = loopback_ports(spec)
        self._ports = ports
        return Wiring(
            listen_host=LOOPBACK,
            ports=ports,
            peer=lambda component, port: f"{LOOPBACK}:{ports[component][port]}",
            from_inside=lambda address: address,
        )

    def dirs(self, component: Component) -> tuple[str, str]:
        base = self._root / component.value
        return str(base / "config"), str(base / "data")

    def start(self, launch: Launch) -> Running:
        binary = self._binaries.get(launch.component) or find_binary(launch.component)
        if binary is None:
            raise StackError(f"{launch.component.value}: binary not found; {INSTALL_HINTS[launch.component]}")
        _write_files(launch.files)
        for directory in launch.dirs:
            Path(directory).mkdir(parents=True, exist_ok=True)
        workdir = self._root / launch.component.value
        workdir.mkdir(parents=True, exist_ok=True)
        log_path = workdir / "output.log"
        env = {**os.environ, **launch.env}
        if launch.component is Component.JAEGER:
            env["JAEGER_LISTEN_HOST"] = LOOPBACK
        args = list(launch.args)
        if launch.component is Component.GRAFANA:
            # The official image sets its home; a local install needs it said (Debian/tarball layouts).
            home = os.environ.get("GF_PATHS_HOME") or _grafana_home(binary)
            args = (["server"] if Path(binary).name == "grafana" else []) + ["--homepath", home, *args]
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [binary, *args],
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        harness_workdir.record_child(self._root, popen.pid)
        return LocalProcess(launch.component, popen, log_path, self._ports[launch.component])

    def forget_data(self, component: Component) -> None:
        shutil.rmtree(self.dirs(component)[1], ignore_errors=True)

    def close(self) -> None:
        harness_workdir.remove_dir(self._root)


def _write_files(files: dict[str, bytes]) -> None:
    for path, content in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(content)


def _grafana_home(binary: str) -> str:
    """Grafana's home (holding conf/defaults.ini) next to a tarball's bin/, else the packages' location."""
    beside = Path(binary).resolve().parents[1]
    return str(beside) if (beside / "conf" / "defaults.ini").is_file() else "/usr/share/grafana"
