"""How each component is launched: its arguments, files, ports and readiness check.

Both providers build their processes or containers from a `Launch`, so a component's flags live in one place
and the two providers cannot drift apart.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.promql.dashboards import JAEGER, PROMETHEUS, Dashboard, Datasource, check_provisioned, load
from harness.promql.grafana_backend import duration_text
from harness.stack import blackbox
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
    Component.BLACKBOX: {"web": blackbox.PORT},
}

# (port name, HTTP path) that answers 200 once the component is ready.
READINESS: dict[Component, tuple[str, str]] = {
    Component.PROMETHEUS: ("web", "/-/ready"),
    Component.ALERTMANAGER: ("web", "/-/ready"),
    Component.JAEGER: ("health", "/status"),
    Component.GRAFANA: ("web", "/api/health"),
    Component.BLACKBOX: ("web", "/-/healthy"),
}

# Start order: each component only needs addresses of those before it (or none at all).
START_ORDER = [Component.JAEGER, Component.ALERTMANAGER, Component.BLACKBOX, Component.PROMETHEUS, Component.GRAFANA]

# The official images' layout, mirrored by the offline image builder.
CONTAINER_DIRS: dict[Component, tuple[str, str]] = {
    Component.PROMETHEUS: ("/etc/prometheus", "/prometheus"),
    Component.ALERTMANAGER: ("/etc/alertmanager", "/alertmanager"),
    Component.JAEGER: ("/etc/jaeger", "/tmp/jaeger"),
    Component.GRAFANA: ("/etc/grafana", "/var/lib/grafana"),
    Component.BLACKBOX: (blackbox.CONFIG_DIR, "/tmp/blackbox_exporter"),
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
    # Paths (on the readiness port) that must also answer 200 before the component counts as ready; Grafana's
    # provisioned datasources, their plugins and dashboards, asked with the admin's credentials.
    ready_paths: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.component.value} {shlex.join(self.args)}"


def build_launch(component: Component, spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    """Build the Launch for `component` with its config under `config_dir` and state under `data_dir`."""
    builders = {
        Component.PROMETHEUS: _prometheus,
        Component.ALERTMANAGER: _alertmanager,
        Component.JAEGER: _jaeger,
        Component.GRAFANA: _grafana,
        Component.BLACKBOX: _blackbox,
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
    extra = []
    if spec.wants(Component.BLACKBOX) and spec.probes:
        probes = [replace(p, url=blackbox.probe_url_from(p.url, wiring.from_inside)) for p in spec.probes]
        extra.append(blackbox.probe_scrape_config(probes, wiring.peer(Component.BLACKBOX, "web")))
    files[f"{config_dir}/prometheus.yml"] = render_prometheus(
        spec.prometheus, targets, rule_paths, alertmanager, extra
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


def _blackbox(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    path = f"{config_dir}/config.yml"
    args = blackbox.args(path, _listen(wiring, Component.BLACKBOX))
    return Launch(Component.BLACKBOX, args, {path: blackbox.render_config().encode()})


def _jaeger(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    config = render_jaeger(wiring.listen_host, wiring.ports[Component.JAEGER])
    path = f"{config_dir}/config.yaml"
    return Launch(Component.JAEGER, [f"--config={path}"], {path: config.encode()}, [data_dir])


# Grafana preinstalls these plugins in the background on every start unless told otherwise; a drill uses none
# of them, and each drill's Grafana starts with an empty data directory, so they are disabled rather than
# downloaded again and again (pkg/setting/setting_plugins.go, defaultPreinstallPlugins).
UNUSED_PLUGINS = (
    "grafana-lokiexplore-app", "grafana-pyroscope-app", "grafana-exploretraces-app", "grafana-metricsdrilldown-app",
    "grafana-advisor-app", "elasticsearch", "tempo", "zipkin", "opentsdb", "stackdriver", "mssql", "loki", "mysql",
    "influxdb", "cloudwatch", "grafana-postgresql-datasource", "grafana-pyroscope-datasource",
)  # fmt: skip


def grafana_datasources(spec: StackSpec) -> list[Datasource]:
    """The datasources firedrill provisions for this stack (the catalogue dashboards are resolved against)."""
    return [ds for ds, component in ((PROMETHEUS, Component.PROMETHEUS), (JAEGER, Component.JAEGER))
            if spec.wants(component)]  # fmt: skip


def grafana_dashboards(spec: StackSpec) -> list[Dashboard]:
    """The spec's dashboards, normalised as they are provisioned; any problem is an InputError (file:line)."""
    boards = [load(Path(path), grafana_datasources(spec)) for path in spec.dashboards]
    check_provisioned(boards)
    return boards


def _grafana(spec: StackSpec, wiring: Wiring, config_dir: str, data_dir: str) -> Launch:
    prov = f"{config_dir}/provisioning"
    files: dict[str, bytes] = {}
    datasources = []
    for ds in grafana_datasources(spec):
        entry: dict[str, object] = {"name": ds.name, "uid": ds.uid, "type": ds.type, "access": "proxy",
                                    "isDefault": ds.default, "editable": False}  # fmt: skip
        if ds.type == "prometheus":
            entry["url"] = f"http://{wiring.peer(Component.PROMETHEUS, 'web')}"
            # Grafana's own $__interval and $__rate_interval use this as the scrape interval (else 15s).
            entry["jsonData"] = {"timeInterval": duration_text(spec.prometheus.scrape_interval_s)}
        else:
            entry["url"] = f"http://{wiring.peer(Component.JAEGER, 'query')}"
        datasources.append(entry)
    files[f"{prov}/datasources/firedrill.yaml"] = (
        "apiVersion: 1\ndatasources:\n" + "".join(f"  - {json.dumps(d)}\n" for d in datasources)
    ).encode()
    files[f"{prov}/dashboards/firedrill.yaml"] = (
        "apiVersion: 1\nproviders:\n  - name: firedrill\n    type: file\n    disableDeletion: true\n"
        f"    options: {{path: '{config_dir}/dashboards'}}\n"
    ).encode()
    boards = grafana_dashboards(spec)
    for index, (path, board) in enumerate(zip(spec.dashboards, boards, strict=True)):
        name = f"{index:02d}-{Path(path).name}"
        files[f"{config_dir}/dashboards/{name}"] = (json.dumps(board.model, indent=2) + "\n").encode()
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
        # Newer Grafana ships Prometheus and Jaeger as preinstalled plugins, which preinstall_disabled would
        # leave out: install them before the server starts (a no-op where they are core or already present;
        # a start-up failure, not a silent gap, where they cannot be installed).
        "GF_PLUGINS_PREINSTALL_SYNC": ",".join(ds.type for ds in grafana_datasources(spec)),
        "GF_PLUGINS_DISABLE_PLUGINS": ",".join(UNUSED_PLUGINS),
    }
    ready = [f"/api/plugins/{ds.type}/settings" for ds in grafana_datasources(spec)]
    ready += [f"/api/datasources/uid/{ds.uid}" for ds in grafana_datasources(spec)]
    ready += [f"/api/dashboards/uid/{board.uid}" for board in boards]
    dirs = [data_dir, f"{prov}/plugins", f"{prov}/alerting", f"{config_dir}/dashboards"]
    return Launch(Component.GRAFANA, [], files, dirs, env, {"admin_password": password}, ready)
