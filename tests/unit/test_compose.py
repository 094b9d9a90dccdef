"""docker-compose.yml against what `firedrill compose` renders: same files, same flags, every mount backed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from harness.compose import (
    LOCUST_CONF,
    MOUNTED_DIRS,
    PROMETHEUS_ARGS,
    SINK_PORT,
    STUB_ARGS,
    STUB_PORT,
    STUB_PROFILE,
    ComposeStack,
    build_compose_stack,
    render_compose,
)
from harness.drill.model import load_scenario
from harness.net import free_port
from harness.stack.launch import STANDARD_PORTS
from harness.stack.spec import DEFAULT_IMAGES, Component

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios/customerio/error-burst.yaml"
FIXTURES = REPO / "fixtures/compose"
COMPOSE_FILE = REPO / "docker-compose.yml"
COMPOSE_DIR_VAR = "${FIREDRILL_COMPOSE_DIR:-./fixtures/compose}"
REGENERATE = "firedrill compose scenarios/customerio/error-burst.yaml --out fixtures/compose"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compose")
    render_compose(SCENARIO, out)
    return out


@pytest.fixture(scope="module")
def stack() -> ComposeStack:
    return build_compose_stack(load_scenario(SCENARIO))


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text())["services"])


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _mounts(services: dict[str, dict[str, Any]]) -> list[tuple[str, PurePosixPath, PurePosixPath]]:
    """(service, source relative to the compose dir, target) of every bind mount from the compose dir."""
    mounts = []
    for name, service in services.items():
        for volume in service.get("volumes", []):
            assert volume.startswith(COMPOSE_DIR_VAR + "/"), f"{name}: mounts {volume}, outside {COMPOSE_DIR_VAR}"
            source, target, *_ = volume.removeprefix(COMPOSE_DIR_VAR + "/").split(":")
            mounts.append((name, PurePosixPath(source), PurePosixPath(target)))
    return mounts


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not on PATH; run `make setup` (scripts/setup.sh installs it)")
    return path


def test_rendering_matches_the_committed_fixtures(rendered: Path) -> None:
    fresh, committed = _files(rendered), _files(FIXTURES)
    stale = f"fixtures/compose is stale; regenerate it with `{REGENERATE}`"
    assert sorted(fresh) == sorted(committed), stale
    for name, content in fresh.items():
        assert content == committed[name], f"{name} differs; {stale}"


def test_rendering_is_deterministic_and_removes_stale_files(rendered: Path, tmp_path: Path) -> None:
    (tmp_path / "prometheus/rules").mkdir(parents=True)
    (tmp_path / "prometheus/rules/00-other.yml").write_text("groups: []\n")
    (tmp_path / "notes.txt").write_text("not ours\n")
    written = render_compose(SCENARIO, tmp_path)
    assert written == sorted(written) and all(p.is_file() for p in written)
    assert not (tmp_path / "prometheus/rules/00-other.yml").exists()
    assert (tmp_path / "notes.txt").read_text() == "not ours\n"
    files = _files(tmp_path)
    files.pop("notes.txt")
    assert files == _files(rendered)


def test_every_mount_is_rendered_and_every_rendered_file_is_mounted(
    rendered: Path, stack: ComposeStack, services: dict[str, dict[str, Any]]
) -> None:
    mounts = _mounts(services)
    assert sorted(str(source) for _, source, _ in mounts) == sorted(MOUNTED_DIRS)
    for service, source, _ in mounts:
        assert (rendered / source).is_dir(), f"{service} mounts {source}, which `firedrill compose` does not write"
    for container_path, content in stack.files.items():
        seen = []
        for _, source, target in mounts:
            path = PurePosixPath(container_path)
            if path.is_relative_to(target):
                host = rendered / source / path.relative_to(target)
                seen.append(host)
                assert host.read_bytes() == content, f"{host} is not what the container at {container_path} needs"
        assert seen, f"{container_path} is rendered but no service mounts it"
    assert sorted(_files(rendered)) == sorted(str(p) for p in stack.host_files())


def test_a_scenario_without_dashboards_still_has_every_mounted_directory(tmp_path: Path) -> None:
    render_compose(REPO / "scenarios/customerio/latency.yaml", tmp_path)
    assert not any((tmp_path / "grafana/dashboards").iterdir())
    assert all((tmp_path / mounted).is_dir() for mounted in MOUNTED_DIRS)


def test_services_run_what_the_harness_launches(stack: ComposeStack, services: dict[str, dict[str, Any]]) -> None:
    launches = stack.launches
    assert set(launches) == set(Component) - {Component.BLACKBOX}  # no probes in the compose pod yet
    for component in launches:
        image = DEFAULT_IMAGES[component]
        assert services[component.value]["image"] == f"${{FIREDRILL_IMAGE_{component.name}:-{image}}}"
    assert services["alertmanager"]["command"] == launches[Component.ALERTMANAGER].args
    assert services["jaeger"]["command"] == launches[Component.JAEGER].args
    assert f"$$(cat {PROMETHEUS_ARGS})" in services["prometheus"]["entrypoint"][-1]
    assert stack.files[PROMETHEUS_ARGS].decode().split() == launches[Component.PROMETHEUS].args
    grafana_env = dict(services["grafana"]["environment"])
    assert grafana_env.pop("GF_SECURITY_ADMIN_PASSWORD") == "${GRAFANA_PASSWORD:?set GRAFANA_PASSWORD}"
    expected_env = {k: v for k, v in launches[Component.GRAFANA].env.items() if k != "GF_SECURITY_ADMIN_PASSWORD"}
    assert grafana_env == expected_env
    assert f"$$(cat {STUB_ARGS})" in services["stub"]["entrypoint"][-1]
    stub = stack.files[STUB_ARGS].decode().split()
    otlp = f"--otlp-endpoint=http://127.0.0.1:{STANDARD_PORTS[Component.JAEGER]['otlp_http']}"
    for flag in (f"--profile={STUB_PROFILE}", "--host=127.0.0.1", f"--listen=customerio-stub={STUB_PORT}", otlp):
        assert flag in stub
    assert f"--port={SINK_PORT}" in services["sink"]["command"]
    assert services["locust"]["command"] == ["locust", f"--config={LOCUST_CONF}"]


def test_one_pod_and_ports_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name != "pod":
            assert service.get("network_mode") == "service:pod", f"{name} must share the pod's localhost"
            assert "ports" not in service, f"{name}: publish ports on the pod"
    for port in services["pod"]["ports"]:
        assert port.startswith("127.0.0.1:"), f"{port}: publish on the host's loopback only"


def _compose_command() -> list[str]:
    """docker-compose (Debian's v1) or the `docker compose` v2 plugin (GitHub's runners), whichever is here."""
    if shutil.which("docker-compose") is None and shutil.which("docker") is not None:
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return [_need("docker-compose")]


def test_docker_compose_config_validates() -> None:
    compose = _compose_command()
    env = {**os.environ, "GRAFANA_PASSWORD": "not-a-real-password"}
    env.pop("FIREDRILL_COMPOSE_DIR", None)
    ok = subprocess.run([*compose, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    env.pop("GRAFANA_PASSWORD")
    unset = subprocess.run([*compose, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert unset.returncode != 0 and "GRAFANA_PASSWORD" in unset.stderr


def test_rendered_prometheus_config_passes_promtool(rendered: Path, tmp_path: Path) -> None:
    promtool = _need("promtool")
    # The config names its rule files as the container sees them; point those paths at a copy.
    copy = tmp_path / "prometheus"
    shutil.copytree(rendered / "prometheus", copy)
    config = copy / "prometheus.yml"
    config.write_text(config.read_text().replace("/etc/prometheus/", f"{copy}/"))
    result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rules found" in result.stdout + result.stderr


def test_rendered_alertmanager_config_passes_amtool(rendered: Path) -> None:
    amtool = _need("amtool")
    config = rendered / "alertmanager/alertmanager.yml"
    result = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def firedrill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=60,
                          cwd=REPO)  # fmt: skip


def test_malformed_scenario_exits_2_with_file_and_line(tmp_path: Path) -> None:
    drill = tmp_path / "bad.yaml"
    drill.write_text("name: bad\ntarget: {profile: customerio}\nrules: [missing.yml]\nphases: []\n")
    result = firedrill("compose", str(drill), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{drill}:3:" in result.stderr and "missing.yml" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_external_target_is_refused_with_its_line(tmp_path: Path) -> None:
    drill = tmp_path / "url.yaml"
    drill.write_text("name: url\ntarget:\n  url: http://127.0.0.1:1\nphases: [{name: p, duration: 1m}]\n")
    result = firedrill("compose", str(drill), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{drill}:3: firedrill compose runs the stub"), result.stderr


def test_sink_prints_each_delivery() -> None:
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "harness", "sink", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)  # fmt: skip
    try:
        assert sink.stdout is not None
        banner = sink.stdout.readline()
        assert f"listening on http://127.0.0.1:{port}" in banner, banner + (sink.stderr.read() if sink.stderr else "")
        payload = {"version": "4", "status": "firing", "receiver": "team-customerio",
                   "alerts": [{"status": "firing", "labels": {"alertname": "CioHighErrorRate"}}]}  # fmt: skip
        request = urllib.request.Request(f"http://127.0.0.1:{port}/receiver/team-customerio",
                                         data=json.dumps(payload).encode(), method="POST")  # fmt: skip
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        line = sink.stdout.readline()
        assert "receiver=team-customerio status=firing alerts=CioHighErrorRate" in line, line
    finally:
        sink.terminate()
        started = time.monotonic()
        assert sink.wait(timeout=5) == 0, "SIGTERM must stop the sink cleanly (it is PID 1 in its container)"
        assert time.monotonic() - started < 5
