"""Config rendering and provider choice, without starting anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.errors import InputError
from harness.stack.launch import STANDARD_PORTS, Wiring, build_launch
from harness.stack.render import prom_duration, render_alertmanager, render_jaeger, render_prometheus
from harness.stack.spec import Component, Probe, PrometheusSettings, ScrapeTarget, StackSpec, image_for

# The containers provider's wiring on a bridge network: components by alias, the host through its gateway.
BRIDGE = Wiring(
    "0.0.0.0",
    STANDARD_PORTS,
    lambda c, p: f"{c.value}:{STANDARD_PORTS[c][p]}",
    lambda a: "host.docker.internal:" + a.rsplit(":", 1)[1],
)


def test_prom_duration_keeps_milliseconds() -> None:
    assert [prom_duration(s) for s in (600, 20, 1.5, 0.333)] == ["600s", "20s", "1500ms", "333ms"]


def test_prometheus_config_has_targets_labels_rules_and_alerting() -> None:
    text = render_prometheus(
        PrometheusSettings(scrape_interval_s=0.5, evaluation_interval_s=0.5),
        [ScrapeTarget("stub", "127.0.0.1:8000", {"lane": "a"}), ScrapeTarget("stub", "127.0.0.1:8001", {"lane": "b"})],
        ["/r/00-alerts.yml"],
        "127.0.0.1:9093",
    )
    config = yaml.safe_load(text)
    assert config["global"]["scrape_interval"] == "500ms"
    assert config["rule_files"] == ["/r/00-alerts.yml"]
    (job,) = config["scrape_configs"]
    assert [s["labels"]["lane"] for s in job["static_configs"]] == ["a", "b"]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["127.0.0.1:9093"]


def test_alertmanager_receivers_all_go_to_the_sink_and_keep_routing() -> None:
    user = """
route:
  receiver: team
  routes: [{matchers: ['severity="critical"'], receiver: pager}]
receivers:
  - name: team
    slack_configs: [{api_url: 'https://hooks.example/x'}]
  - name: pager
    pagerduty_configs: [{routing_key: abc}]
templates: ['/etc/am/*.tmpl']
"""
    config = yaml.safe_load(render_alertmanager(user, "http://127.0.0.1:5000"))
    assert config["route"]["routes"][0]["receiver"] == "pager"
    assert "templates" not in config
    by_name = {r["name"]: r for r in config["receivers"]}
    assert set(by_name["team"]) == {"name", "webhook_configs"}
    assert by_name["pager"]["webhook_configs"][0]["url"] == "http://127.0.0.1:5000/receiver/pager"


def test_alertmanager_bad_yaml_names_line() -> None:
    import pytest

    from harness.errors import StackError

    with pytest.raises(StackError, match=r"am.yml:2: not valid YAML"):
        render_alertmanager("route:\n  receiver: {a: [b}\n", None, source="am.yml")


def test_bridge_wiring_uses_aliases_and_host_gateway(tmp_path) -> None:
    rules = tmp_path / "a.yml"
    rules.write_text("groups: []\n")
    spec = StackSpec(scrape_targets=[ScrapeTarget("stub", "127.0.0.1:8000")], rule_files=[rules])
    wiring = BRIDGE
    launch = build_launch(Component.PROMETHEUS, spec, wiring, "/etc/prometheus", "/prometheus")
    config = yaml.safe_load(launch.files["/etc/prometheus/prometheus.yml"])
    assert config["scrape_configs"][0]["static_configs"][0]["targets"] == ["host.docker.internal:8000"]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    assert "--web.listen-address=0.0.0.0:9090" in launch.args and "--web.enable-lifecycle" in launch.args
    assert "/etc/prometheus/rules/00-a.yml" in launch.files


def _grafana_launch(tmp_path: Path, board: dict | None = None, **spec_args):
    dashboard = tmp_path / "d.json"
    dashboard.write_text(json.dumps(board if board is not None else {"title": "D", "uid": "d-uid", "panels": []}))
    spec = StackSpec(components=set(Component), dashboards=[dashboard], **spec_args)
    wiring = Wiring("0.0.0.0", STANDARD_PORTS, lambda c, p: f"{c.value}:{STANDARD_PORTS[c][p]}", lambda a: a)
    return build_launch(Component.GRAFANA, spec, wiring, "/etc/grafana", "/var/lib/grafana")


def test_grafana_launch_provisions_datasources_and_random_password(tmp_path: Path) -> None:
    first = _grafana_launch(tmp_path, prometheus=PrometheusSettings(scrape_interval_s=0.5))
    second = _grafana_launch(tmp_path)
    datasources = yaml.safe_load(first.files["/etc/grafana/provisioning/datasources/firedrill.yaml"])["datasources"]
    by_type = {d["type"]: d for d in datasources}
    assert set(by_type) == {"prometheus", "jaeger"}
    assert by_type["prometheus"]["uid"] == "prometheus" and by_type["prometheus"]["isDefault"] is True
    # Grafana's own $__rate_interval uses the compressed scrape interval, as firedrill's emulation does.
    assert by_type["prometheus"]["jsonData"] == {"timeInterval": "500ms"}
    assert yaml.safe_load(second.files["/etc/grafana/provisioning/datasources/firedrill.yaml"])["datasources"][0][
        "jsonData"
    ] == {"timeInterval": "15s"}
    assert first.env["GF_SECURITY_ADMIN_PASSWORD"] != "admin"
    assert first.env["GF_SECURITY_ADMIN_PASSWORD"] != second.env["GF_SECURITY_ADMIN_PASSWORD"]
    assert "/etc/grafana/dashboards/00-d.json" in first.files


def test_grafana_keeps_its_prometheus_and_jaeger_plugins(tmp_path: Path) -> None:
    env = _grafana_launch(tmp_path).env
    # preinstall_disabled would drop Prometheus and Jaeger where newer Grafana ships them as preinstalled plugins.
    assert "GF_PLUGINS_PREINSTALL_DISABLED" not in env
    assert env["GF_PLUGINS_PREINSTALL_SYNC"].split(",") == ["prometheus", "jaeger"]
    assert not {"prometheus", "jaeger"} & set(env["GF_PLUGINS_DISABLE_PLUGINS"].split(","))


def test_grafana_is_ready_when_its_datasources_and_dashboards_are(tmp_path: Path) -> None:
    launch = _grafana_launch(tmp_path)
    assert launch.ready_paths == [
        "/api/plugins/prometheus/settings",
        "/api/plugins/jaeger/settings",
        "/api/datasources/uid/prometheus",
        "/api/datasources/uid/jaeger",
        "/api/dashboards/uid/d-uid",
    ]


def test_grafana_gets_dashboards_normalised(tmp_path: Path) -> None:
    export = {
        "dashboard": {
            "title": "Shared",
            "__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}],
            "panels": [{"title": "p", "datasource": {"type": "prometheus", "uid": "${DS_PROM}"}, "targets": []}],
        },
        "meta": {"folderId": 0},
    }
    launch = _grafana_launch(tmp_path, export)
    provisioned = json.loads(launch.files["/etc/grafana/dashboards/00-d.json"])
    assert provisioned["title"] == "Shared" and "__inputs" not in provisioned and "meta" not in provisioned
    assert provisioned["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert provisioned["uid"] in launch.ready_paths[-1]


def test_grafana_dashboard_problems_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"d.json:1: the dashboard has no title"):
        _grafana_launch(tmp_path, {"panels": []})


def test_image_override_by_env(monkeypatch) -> None:
    monkeypatch.setenv("FIREDRILL_IMAGE_JAEGER", "mirror.local/jaeger:2.13.0")
    assert image_for(Component.JAEGER) == "mirror.local/jaeger:2.13.0"
    assert image_for(Component.PROMETHEUS).startswith("prom/prometheus:v3")


def test_a_dashboard_grafana_would_refuse_stops_the_stack_before_anything_starts(tmp_path: Path) -> None:
    from harness.stack.stack import Stack

    untitled = tmp_path / "d.json"
    untitled.write_text('{"panels": []}')
    spec = StackSpec(components={Component.PROMETHEUS, Component.GRAFANA}, dashboards=[untitled], quiet=True)
    stack = Stack(spec)
    with pytest.raises(InputError, match=r"d.json:1: the dashboard has no title"):
        stack.start()
    assert stack.running == {} and stack.provider is None and stack.sink is None


def test_jaeger_exports_no_traces_of_its_own() -> None:
    """With nowhere to send them, Jaeger's shutdown retried its own spans for 5 s and was killed mid-teardown."""
    ports = {"query": 1, "query_grpc": 2, "health": 3, "otlp_grpc": 4, "otlp_http": 5}
    config = yaml.safe_load(render_jaeger("127.0.0.1", ports))
    assert config["extensions"]["jaeger_query"]["enable_tracing"] is False
    assert config["service"]["telemetry"]["traces"]["level"] == "none"


def test_blackbox_probes_are_a_scrape_job_through_the_exporter(tmp_path: Path) -> None:
    spec = StackSpec(
        components={Component.PROMETHEUS, Component.BLACKBOX},
        scrape_targets=[ScrapeTarget("app", "127.0.0.1:8000")],
        probes=[Probe("http://127.0.0.1:8000/health", {"lane": "a"})],
    )
    prometheus = build_launch(Component.PROMETHEUS, spec, BRIDGE, "/etc/prometheus", "/prometheus")
    app, probes = yaml.safe_load(prometheus.files["/etc/prometheus/prometheus.yml"])["scrape_configs"]
    assert app["job_name"] == "app" and probes["job_name"] == "blackbox"
    # The container reaches the host's loopback through the gateway; the exporter by its network alias.
    assert probes["static_configs"] == [
        {"targets": ["http://host.docker.internal:8000/health"], "labels": {"lane": "a"}}
    ]
    assert probes["relabel_configs"][-1] == {"target_label": "__address__", "replacement": "blackbox:9115"}
    exporter = build_launch(Component.BLACKBOX, spec, BRIDGE, "/etc/blackbox_exporter", "/tmp/bb")
    config = yaml.safe_load(exporter.files["/etc/blackbox_exporter/config.yml"])
    assert config["modules"]["http_2xx"]["prober"] == "http"
    assert "--web.listen-address=0.0.0.0:9115" in exporter.args
    # The exporter takes its offset from Prometheus's scrape timeout: x30's 0.5 s must leave the probe time.
    assert "--timeout-offset=0.05" in exporter.args


def test_no_probe_job_without_the_blackbox_component() -> None:
    spec = StackSpec(components={Component.PROMETHEUS}, probes=[Probe("http://127.0.0.1:8000/health")])
    wiring = Wiring("127.0.0.1", STANDARD_PORTS, lambda c, p: f"127.0.0.1:{STANDARD_PORTS[c][p]}", lambda a: a)
    launch = build_launch(Component.PROMETHEUS, spec, wiring, "/c", "/d")
    assert yaml.safe_load(launch.files["/c/prometheus.yml"])["scrape_configs"] == []
