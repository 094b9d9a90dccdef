"""Which local Prometheus, Alertmanager and their tools firedrill runs, and their versions.

Several versions live side by side on one machine: Debian's packages (``prometheus`` 2.42, ``promtool``,
``prometheus-alertmanager`` 0.25, ``amtool``) and the ones ``make setup`` builds from their Go modules under
versioned names (``prometheus-3.16.0``, ``promtool-3.16.0``, ``alertmanager-0.35.0``, ``amtool-0.35.0``) so they
shadow nothing. The newest found runs unless a path is given (``--prometheus PATH`` or
``FIREDRILL_PROMETHEUS_BIN``); a tool (``promtool``, ``amtool``) is always the one of the server chosen, so
``firedrill lint`` judges rules with the Prometheus the drills run.

Shared by the stack (which program to start), the drill (promtool before anything starts) and lint.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError

# Base names a program goes by; Debian ships Alertmanager as prometheus-alertmanager.
NAMES: dict[str, tuple[str, ...]] = {
    "prometheus": ("prometheus",),
    "promtool": ("promtool",),
    "alertmanager": ("alertmanager", "prometheus-alertmanager"),
    "amtool": ("amtool",),
}
# The tool that comes with each server, found beside it under the matching name.
TOOLS = {"prometheus": "promtool", "alertmanager": "amtool"}
_SERVER_OF = {tool: server for server, tool in TOOLS.items()}

_VERSION_OUTPUT = re.compile(r"^(?P<name>[\w-]+), version (?P<version>\d+\.\d+\.\d+\S*)")
_VERSIONED_NAME = re.compile(r"^(?P<base>[a-z-]+)-(?P<version>\d+\.\d+\.\d+)$")
# Where set-up installs tools (/usr/local/bin, else ~/.local/bin), and where `go install` puts them.
_EXTRA_DIRS = [Path("/usr/local/bin"), Path.home() / ".local" / "bin", Path.home() / "go" / "bin"]


@dataclass(frozen=True)
class Program:
    """One installed program and the version it reports (``None`` when it would not say).

    >>> Program("/usr/bin/prometheus", "2.42.0+ds").major, Program("/x/prometheus-3.16.0", "3.16.0").release
    (2, (3, 16, 0))
    """

    path: str
    version: str | None

    @property
    def release(self) -> tuple[int, ...]:
        """The version's numbers, for ordering (``()`` when unknown, which sorts before every version)."""
        if self.version is None:
            return ()
        return tuple(int(part) for part in re.findall(r"\d+", self.version.split("+")[0])[:3])

    @property
    def major(self) -> int | None:
        return self.release[0] if self.release else None

    def describe(self) -> str:
        return f"{self.path} ({self.version or 'version unknown'})"


def version_line(path: str) -> str:
    """The first line ``PATH --version`` prints (Prometheus's tools print it on stdout or stderr), or ""."""
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    return _version_line(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _version_line(path: str, mtime_ns: int, size: int) -> str:
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = (result.stdout + "\n" + result.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def identify(path: str) -> tuple[str, str] | None:
    """(program name, version) from ``PATH --version``: ``("prometheus", "3.16.0")``; None if it would not say."""
    match = _VERSION_OUTPUT.match(version_line(path))
    return (match["name"], match["version"]) if match else None


def _search_dirs() -> list[Path]:
    dirs: dict[str, Path] = {}
    for directory in [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d] + _EXTRA_DIRS:
        if directory.is_dir():
            dirs.setdefault(str(directory.resolve()), directory)
    return list(dirs.values())


def installed(program: str) -> list[Program]:
    """Every installed copy of ``program`` (``prometheus``, ``promtool``, ``alertmanager``, ``amtool``), newest first.

    A versioned name (``prometheus-3.16.0``) is trusted only when the program says the same version.
    """
    found: dict[str, Program] = {}
    for directory in _search_dirs():
        for base in NAMES[program]:
            for candidate in [directory / base, *sorted(directory.glob(f"{base}-[0-9]*"))]:
                versioned = _VERSIONED_NAME.match(candidate.name)
                if candidate.name != base and (versioned is None or versioned["base"] != base):
                    continue
                real = str(candidate.resolve())
                if real in found or not (candidate.is_file() and os.access(candidate, os.X_OK)):
                    continue
                said = identify(str(candidate))
                found[real] = Program(str(candidate), said[1] if said else None)
    return sorted(found.values(), key=lambda p: p.release, reverse=True)


def newest(program: str) -> Program | None:
    """The newest installed copy of ``program``, or None.

    >>> found = newest("prometheus")
    >>> found is None or found.path.rsplit("/", 1)[-1].startswith("prometheus")
    True
    """
    copies = installed(program)
    return copies[0] if copies else None


def chosen(program: str, explicit: str | None = None) -> Program | None:
    """The server to run: ``explicit`` (a path), else ``FIREDRILL_<PROGRAM>_BIN``, else the newest installed.

    An explicit path that is missing gives None (the caller says which option was wrong).
    """
    path = explicit or os.environ.get(f"FIREDRILL_{program.upper()}_BIN")
    if path:
        if not Path(path).is_file():
            return None
        said = identify(path)
        return Program(path, said[1] if said else None)
    return newest(program)


def tool_for(server: Program, tool: str) -> Program | None:
    """The ``promtool``/``amtool`` that comes with ``server``: beside it under the matching name, else an
    installed copy of the same version, else of the same major; None when there is none.

    >>> tool_for(Program("/nowhere/prometheus-9.9.9", "9.9.9"), "promtool") is None
    True
    """
    directory, name = Path(server.path).parent, Path(server.path).name
    for base in NAMES[_SERVER_OF[tool]]:
        if name == base or name.startswith(f"{base}-"):
            beside = directory / (tool + name[len(base) :])
            if beside.is_file() and os.access(beside, os.X_OK):
                said = identify(str(beside))
                return Program(str(beside), said[1] if said else None)
    copies = installed(tool)
    for same in (lambda p: p.release == server.release, lambda p: p.major == server.major):
        match = next((p for p in copies if server.release and same(p)), None)
        if match is not None:
            return match
    return None


def check_server(program: str, path: str, option: str) -> Program:
    """``path`` as the ``program`` server to run, or InputError naming ``option`` and the fix.

    >>> check_server("prometheus", "/nowhere/prometheus", "--prometheus")
    Traceback (most recent call last):
    ...
    harness.errors.InputError: --prometheus /nowhere/prometheus: no such file; give the path of a prometheus binary
    """
    fix = f"give the path of a {program} binary"
    if not Path(path).is_file():
        raise InputError(f"{option} {path}: no such file; {fix}")
    if not os.access(path, os.X_OK):
        raise InputError(f"{option} {path}: not executable; {fix}")
    said = identify(path)
    if said is None:
        raise InputError(f"{option} {path}: `{path} --version` did not name a program and version; {fix}")
    name, version = said
    if name != program:
        raise InputError(f"{option} {path}: that is {name} {version}, not {program}; {fix}")
    return Program(path, version)
