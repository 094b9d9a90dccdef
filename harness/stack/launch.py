"""How each component is launched: its arguments, files, ports and readiness check.

Both providers build their processes or containers from a `Launch`, so a component's flags live in one place
and the two providers cannot drift apart.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.stack.ports import ensure_port_free, free_port
from harness.stack.render import (
    new_admin_password,
    prometheus_flags,
    render_alertmanager,
    render_jaeger,
    render_prometheus,
)
from harness.stack.spec import Component, ScrapeTarget, StackSpec

# Ports each program listens on inside the official images; processes get free ports instead.
STANDARD_PORTS: dict[Component, dict[str, int]] = {
    Component.PROMETHEUS: {"web": 9090},
    Component.ALERTMANAGER: {"web": 9093},
    Component.JAEGER: {
        "query": 16686,
        "query_grpc": 16685,
        "otlp_grpc": 4317,
        "otlp_http": 4318,
        "health": 13133,
    },
    Component.GRAFANA: {"web": 3000},
}

# (port name, HTTP path) that answers 200 once the component is ready.
READINESS: dict[Component, tuple[str, str]] = {
    Component.PROMETHEUS: ("web", "/-/ready"),
    Component.ALERTMANAGER: ("web", "/-/ready"),
    Component.JAEGER: ("health", "/status"),
    Component.GRAFANA: ("web", "/api/health"),
}

# Start order: each component only needs addresses of those before it (or none at all).
START_ORDER = [Component.JAEGER, Component.ALERTMANAGER, Component.PROMETHEUS, Component.GRAFANA]

# The official images' layout, mirrored by the offline image builder.
CONTAINER_DIRS: dict[Component, tuple[str, str]] = {
    Component.PROMETHEUS: ("/etc/prometheus", "/prometheus"),
    Component.ALERTMANAGER: ("/etc/alertmanager", "/alertmanager"),
    Component.JAEGER: ("/etc/jaeger", "/tmp/jaeger"),
    Component.GRAFANA: ("/etc/grafana", "/var/lib/grafana"),
}


def loopback_ports(spec: StackSpec) -> dict[Component, dict[str, int]]:
    """Ports for programs that listen on the host's loopback: the spec's fixed ones, else free ones."""
    ports = {component: {name: free_port() for name in names} for component, names in STANDARD_PORTS.items()}
    for component, port in spec.ports.items():
        ensure_port_free(port, component.value)
        ports[component]["query" if component is Component.JAEGER else "web"] = port
    return ports


@dataclass
class Wiring:
    """How the components reach each other and the host, decided by the provider."""

    listen_host: str
    ports: dict[Component, dict[str, int]]
    # Address ("host:port") of a component's named port, as seen from another component.
    peer: Callable[[Component, str], str]
    # Translate a host-side "127.0.0.1:port" into the address a component must use to reach it.
    from_inside: Callable[[str], str]


@dataclass
class Launch:
    """One component's launch: arguments (without the binary), files to place, and environment."""

    component: Component
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)  # absolute path -> content
    dirs: list[str] = field(default_factory=list)  # writable directories to create
    env: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.component.value} {shlex.join(self.args)}"


def build_launch(component: Component, spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    """Build the Launch for `component` with its config under `config_dir` and state under `data_dir`."""
    builders = {
        Component.PROMETHEUS: _prometheus,
        Component.ALERTMANAGER: _alertmanager,
        Component.JAEGER: _jaeger,
        Component.GRAFANA: _grafana,
    }
    return builders[component](spec, wiring, config_dir, data_dir)


def _listen(wiring: Wiring, component: Component, port: str = "web") -> str:
    return f"{wiring.listen_host}:{wiring.ports[component][port]}"


def _prometheus(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    files: dict[str, bytes] = {}
    rule_paths: list[str] = []
    for index, rule_file in enumerate(spec.rule_files):
        # A new generation gets new paths: Prometheus carries alert state over between groups of the same file.
        rules_dir = f"{config_dir}/rules" + (f"-{spec.generation}" if spec.generation else "")
        path = f"{rules_dir}/{index:02d}-{Path(rule_file).name}"
        files[path] = Path(rule_file).read_bytes()
        rule_paths.append(path)
    targets = [
        ScrapeTarget(t.job, wiring.from_inside(t.address), t.labels, t.metrics_path) for t in spec.scrape_targets
    ]
    alertmanager = wiring.peer(Component.ALERTMANAGER, "web") if spec.wants(Component.ALERTMANAGER) else None
    files[f"{config_dir}/prometheus.yml"] = render_prometheus(
        spec.prometheus, targets, rule_paths, alertmanager
    ).encode()
    args = [
        f"--config.file={config_dir}/prometheus.yml",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address={_listen(wiring, Component.PROMETHEUS)}",
        *prometheus_flags(spec.prometheus),
    ]
    return Launch(Component.PROMETHEUS, args, files, [data_dir])


def _alertmanager(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    sink = f"http://{wiring.from_inside(spec.sink_url.removeprefix('http://'))}" if spec.sink_url else None
    config = render_alertmanager(spec.alertmanager_config, sink)
    args = [
        f"--config.file={config_dir}/alertmanager.yml",
        f"--storage.path={data_dir}",
        f"--web.listen-address={_listen(wiring, Component.ALERTMANAGER)}",
        # An empty cluster address turns gossip off: no listener on 0.0.0.0:9094, no peers.
        "--cluster.listen-address=",
    ]
    return Launch(Component.ALERTMANAGER, args, {f"{config_dir}/alertmanager.yml": config.encode()}, [data_dir])


def _jaeger(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    config = render_jaeger(wiring.listen_host, wiring.ports[Component.JAEGER])
    path = f"{config_dir}/config.yaml"
    return Launch(Component.JAEGER, [f"--config={path}"], {path: config.encode()}, [data_dir])


def _grafana(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    prov = f"{config_dir}/provisioning"
    files: dict[str, bytes] = {}
    datasources = []
    if spec.wants(Component.PROMETHEUS):
        datasources.append(
            "  - {name: Prometheus, uid: prometheus, type: prometheus, access: proxy, isDefault: true, "
            f"url: 'http://{wiring.peer(Component.PROMETHEUS, 'web')}'}}"
        )
    if spec.wants(Component.JAEGER):
        datasources.append(
            f"  - {{name: Jaeger, uid: jaeger, type: jaeger, access: proxy, "
            f"url: 'http://{wiring.peer(Component.JAEGER, 'query')}'}}"
        )
    files[f"{prov}/datasources/firedrill.yaml"] = (
        "apiVersion: 1\ndatasources:\n" + "\n".join(datasources) + "\n"
    ).encode()
    files[f"{prov}/dashboards/firedrill.yaml"] = (
        "apiVersion: 1\nproviders:\n  - name: firedrill\n    type: file\n    disableDeletion: true\n"
        f"    options: {{path: '{config_dir}/dashboards'}}\n"
    ).encode()
    for dashboard in spec.dashboards:
        files[f"{config_dir}/dashboards/{Path(dashboard).name}"] = Path(dashboard).read_bytes()
    password = new_admin_password()
    env = {
        "GF_PATHS_PROVISIONING": prov,
        "GF_PATHS_DATA": data_dir,
        "GF_SERVER_HTTP_ADDR": wiring.listen_host,
        "GF_SERVER_HTTP_PORT": str(wiring.ports[Component.GRAFANA]["web"]),
        "GF_SECURITY_ADMIN_USER": "admin",
        "GF_SECURITY_ADMIN_PASSWORD": password,
        "GF_ANALYTICS_REPORTING_ENABLED": "false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES": "false",
        "GF_PLUGINS_PREINSTALL_DISABLED": "true",
    }
    dirs = [data_dir, f"{prov}/plugins", f"{prov}/alerting", f"{config_dir}/dashboards"]
    return Launch(Component.GRAFANA, [], files, dirs, env, {"admin_password": password})
