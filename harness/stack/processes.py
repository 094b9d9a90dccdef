"""The processes provider: the same programs as the official images, run as local binaries on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from harness import workdir as harness_workdir
from harness.errors import StackError
from harness.proc import describe_returncode, terminate
from harness.stack.launch import Launch, Wiring, loopback_ports
from harness.stack.ports import LOOPBACK
from harness.stack.provider import Provider, Running
from harness.stack.spec import Component, StackSpec

# Binary names tried in order; Debian ships Alertmanager as prometheus-alertmanager (and the blackbox exporter as
# prometheus-blackbox-exporter).
BINARIES: dict[Component, list[str]] = {
    Component.PROMETHEUS: ["prometheus"],
    Component.ALERTMANAGER: ["alertmanager", "prometheus-alertmanager"],
    Component.JAEGER: ["jaeger"],
    Component.GRAFANA: ["grafana", "grafana-server"],
    Component.BLACKBOX: ["blackbox_exporter", "prometheus-blackbox-exporter"],
}

INSTALL_HINTS: dict[Component, str] = {
    Component.PROMETHEUS: "install it with `apt-get install prometheus` (or run `make setup`)",
    Component.ALERTMANAGER: "install it with `apt-get install prometheus-alertmanager` (or run `make setup`)",
    Component.JAEGER: "build it with `make setup` (Go module github.com/jaegertracing/jaeger/cmd/jaeger), "
    "or set FIREDRILL_JAEGER_BIN",
    Component.GRAFANA: "install Grafana so `grafana` is on PATH, or use --stack containers",
    Component.BLACKBOX: "install it with `apt-get install prometheus-blackbox-exporter` (or run `make setup`)",
}

# Where set-up installs tools when /usr/local/bin is not writable, and where `go install` puts them.
_EXTRA_LOCATIONS = [Path.home() / ".local" / "bin", Path.home() / "go" / "bin"]


def find_binary(component: Component) -> str | None:
    """Path of the component's program: FIREDRILL_<NAME>_BIN, then PATH, then Go's and the repo's tool dirs.

    Example:
        >>> find_binary(Component.PROMETHEUS) is None or find_binary(Component.PROMETHEUS).endswith("prometheus")
        True
    """
    override = os.environ.get(f"FIREDRILL_{component.name}_BIN")
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

    def check(self, spec: StackSpec) -> None:
        for component in spec.components:
            if find_binary(component) is None:
                raise StackError(
                    f"{component.value}: no `{BINARIES[component][0]}` binary found; {INSTALL_HINTS[component]}"
                )

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
        binary = find_binary(launch.component)
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
