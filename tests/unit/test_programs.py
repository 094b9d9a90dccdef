"""Which Prometheus and Alertmanager run, on fake machines: the newest by default, a path when given, tools that
match their server, and a wrong --prometheus refused before anything starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import programs
from harness.errors import InputError
from harness.promql.promtool import find_promtool
from harness.stack.processes import explicit_binaries, find_binary
from harness.stack.spec import Component
from tests.conftest import child_pids

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "customerio" / "error-burst.yaml"


def fake(directory: Path, name: str, program: str, version: str) -> Path:
    """A program that answers --version as Prometheus's programs do."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'#!/bin/sh\necho "{program}, version {version} (branch: x, revision: y)"\n')
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Debian's programs in usr/bin, `make setup`'s versioned builds in local/bin; nothing else on PATH."""
    debian, local = tmp_path / "usr" / "bin", tmp_path / "local" / "bin"
    fake(debian, "prometheus", "prometheus", "2.42.0+ds")
    fake(debian, "promtool", "promtool", "2.42.0+ds")
    fake(debian, "prometheus-alertmanager", "alertmanager", "0.25.0")
    fake(debian, "amtool", "amtool", "0.25.0")
    fake(debian, "prometheus-blackbox-exporter", "blackbox_exporter", "0.23.0")
    fake(local, "prometheus-3.16.0", "prometheus", "3.16.0")
    fake(local, "promtool-3.16.0", "promtool", "3.16.0")
    fake(local, "alertmanager-0.35.0", "alertmanager", "0.35.0")
    fake(local, "amtool-0.35.0", "amtool", "0.35.0")
    monkeypatch.setenv("PATH", f"{debian}:{local}")
    monkeypatch.setattr(programs, "_EXTRA_DIRS", [])
    for name in ("PROMETHEUS", "ALERTMANAGER"):
        monkeypatch.delenv(f"FIREDRILL_{name}_BIN", raising=False)
    return debian, local


def test_the_newest_runs_by_default_wherever_it_is_on_path(machine: tuple[Path, Path]) -> None:
    debian, local = machine
    assert [p.version for p in programs.installed("prometheus")] == ["3.16.0", "2.42.0+ds"]
    assert find_binary(Component.PROMETHEUS) == str(local / "prometheus-3.16.0")
    assert find_binary(Component.ALERTMANAGER) == str(local / "alertmanager-0.35.0")


def test_debian_alertmanager_and_exporters_are_not_taken_for_prometheus(machine: tuple[Path, Path]) -> None:
    debian, _ = machine
    assert {Path(p.path).name for p in programs.installed("prometheus")} == {"prometheus", "prometheus-3.16.0"}
    assert str(debian / "prometheus-alertmanager") in [p.path for p in programs.installed("alertmanager")]


def test_a_path_or_the_environment_picks_another(machine: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    debian, _ = machine
    assert find_binary(Component.PROMETHEUS, str(debian / "prometheus")) == str(debian / "prometheus")
    monkeypatch.setenv("FIREDRILL_ALERTMANAGER_BIN", str(debian / "prometheus-alertmanager"))
    assert find_binary(Component.ALERTMANAGER) == str(debian / "prometheus-alertmanager")


def test_the_version_is_what_the_program_says_not_its_name(machine: tuple[Path, Path]) -> None:
    _, local = machine
    fake(local, "prometheus-9.0.0", "prometheus", "2.1.0")  # a misnamed copy
    assert programs.newest("prometheus") == programs.Program(str(local / "prometheus-3.16.0"), "3.16.0")


def test_tools_come_with_their_server(machine: tuple[Path, Path]) -> None:
    debian, local = machine
    assert find_promtool() == str(local / "promtool-3.16.0")
    assert find_promtool(str(debian / "prometheus")) == str(debian / "promtool")
    debian_am = programs.chosen("alertmanager", str(debian / "prometheus-alertmanager"))
    assert debian_am is not None and programs.tool_for(debian_am, "amtool") == programs.Program(
        str(debian / "amtool"), "0.25.0"
    )


def test_a_tool_of_the_same_version_elsewhere_is_found(tmp_path: Path, machine: tuple[Path, Path]) -> None:
    _, local = machine
    elsewhere = fake(tmp_path / "opt", "prometheus", "prometheus", "3.16.0")
    assert find_promtool(str(elsewhere)) == str(local / "promtool-3.16.0")


def test_a_wrong_path_is_refused_with_the_fix(machine: tuple[Path, Path], tmp_path: Path) -> None:
    debian, _ = machine
    with pytest.raises(InputError, match=r"--prometheus .*/promtool: that is promtool 2.42.0\+ds, not prometheus"):
        explicit_binaries(str(debian / "promtool"), None)
    with pytest.raises(InputError, match="--firedrill-alertmanager /nowhere/am: no such file; give the path"):
        explicit_binaries(None, "/nowhere/am", prefix="--firedrill-")
    silent = tmp_path / "silent"
    silent.write_text("#!/bin/sh\nexit 0\n")
    silent.chmod(0o755)
    with pytest.raises(InputError, match="did not name a program and version"):
        explicit_binaries(str(silent), None)
    assert explicit_binaries(str(debian / "prometheus"), str(debian / "prometheus-alertmanager")) == {
        Component.PROMETHEUS: str(debian / "prometheus"),
        Component.ALERTMANAGER: str(debian / "prometheus-alertmanager"),
    }


def test_run_with_a_wrong_prometheus_exits_2_in_one_line_before_anything_starts() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", str(SCENARIO), "--stack", "processes", "--quiet",
         "--prometheus", "/nowhere/prometheus"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert (
        line == "firedrill: error: --prometheus /nowhere/prometheus: no such file; give the path of a prometheus binary"
    )
    assert not child_pids()


def test_named_programs_choose_the_processes_provider(machine: tuple[Path, Path]) -> None:
    from harness.stack.spec import StackSpec
    from harness.stack.stack import choose_provider

    debian, _ = machine
    spec = StackSpec(components={Component.PROMETHEUS}, binaries={Component.PROMETHEUS: str(debian / "prometheus")})
    provider, reason = choose_provider(spec)  # auto: a named program is a local process, whatever Docker says
    provider.close()
    assert (
        provider.name == "processes"
        and reason == f"processes: local programs were named (prometheus {debian}/prometheus)"
    )
    spec.provider = "containers"
    with pytest.raises(InputError, match="containers run images; use --stack processes"):
        choose_provider(spec)
