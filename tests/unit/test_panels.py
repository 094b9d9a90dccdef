"""Running a dashboard's panels on both paths, on recorded HTTP shapes (the live runs are in tests/live)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from harness.promql.dashboards import PROVISIONED, Dashboard, PanelTarget, load
from harness.stack.clients import GrafanaClient, PrometheusClient
from harness.stack.panels import PanelResult, PanelRunner, disagreements

ROOT = Path(__file__).resolve().parents[2]
BOARD = {
    "title": "t",
    "templating": {
        "list": [
            {"name": "op", "type": "query", "multi": True, "includeAll": True, "current": {"value": ["$__all"]},
             "query": "label_values(customerio_requests_total, operation)"}
        ]
    },
    "panels": [
        {"title": "Rate", "targets": [{"refId": "A", "expr": 'sum(rate(x{op=~"$op"}[$__rate_interval]))'}]},
        {"title": "Now", "targets": [{"refId": "A", "expr": "max(q)", "instant": True}]},
        {"title": "Broken", "targets": [{"refId": "A", "expr": "sum(rate(x[5m])"}]},
        {"title": "Traces", "datasource": {"uid": "jaeger"}, "targets": [{"refId": "A", "expr": "svc"}]},
        {"title": "Elsewhere", "datasource": {"uid": "their-prometheus"}, "targets": [{"refId": "A", "expr": "up"}]},
    ],
}  # fmt: skip


def fake_prometheus(calls: list[tuple[str, dict[str, str]]]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append((request.url.path, params))
        if request.url.path == "/api/v1/label/operation/values":
            return httpx.Response(200, json={"status": "success", "data": ["track", "send.email"]})
        if params.get("query", "").startswith("sum(rate(x[5m])"):
            return httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "parse error"})
        if request.url.path == "/api/v1/query":
            return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [params["time"], "NaN"]}]}})  # fmt: skip
        values = [[1000, "1"], [1000.5, "NaN"], [1001, "+Inf"]]
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"op": "track"}, "values": values}]}})  # fmt: skip

    return handler


def runner(calls: list, grafana: GrafanaClient | None = None) -> PanelRunner:
    prometheus = PrometheusClient("http://prom")
    prometheus._http = httpx.Client(base_url="http://prom", transport=httpx.MockTransport(fake_prometheus(calls)))
    return PanelRunner(prometheus, grafana, PROVISIONED, scrape_s=0.5)


def test_prometheus_path_sends_what_grafanas_backend_would() -> None:
    calls: list[tuple[str, dict[str, str]]] = []
    results = runner(calls).run(Dashboard("d.json", BOARD), 1000.0, 1020.0)
    assert [(r.target.panel_title, r.has_data, r.error) for r in results] == [
        ("Rate", True, None),
        ("Now", False, None),  # its only value is NaN: no data, as through Grafana
        ("Broken", False, "prometheus rejected the query: parse error"),
        ("Elsewhere", False, "datasource their-prometheus was not found (Grafana shows an error for this panel)"),
    ]  # the Jaeger panel is not PromQL and is skipped
    label_call, range_call, instant_call = calls[0], calls[1], calls[2]
    assert label_call == ("/api/v1/label/operation/values", {"start": "1000.0", "end": "1020.0",
                                                            "match[]": "customerio_requests_total"})  # fmt: skip
    assert range_call[1] == {"query": 'sum(rate(x{op=~"(track|send\\\\.email)"}[2s]))', "start": "1000.0",
                             "end": "1020.0", "step": "0.5"}  # fmt: skip
    assert instant_call == ("/api/v1/query", {"query": "max(q)", "time": "1020.0"})
    assert results[0].series == [({"op": "track"}, [(1000.0, 1.0), (1001.0, float("inf"))])]


def test_grafana_path_sends_each_target_to_its_own_datasource() -> None:
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        ref = body["queries"][0]["refId"]
        frame = {"schema": {"fields": [{"type": "time"}, {"type": "number", "labels": {"op": "track"}}]},
                 "data": {"values": [[1000000], [1]]}}  # fmt: skip
        return httpx.Response(200, json={"results": {ref: {"status": 200, "frames": [frame]}}})

    grafana = GrafanaClient("http://grafana", "pw", transport=httpx.MockTransport(handler))
    results = runner([], grafana).run(Dashboard("d.json", BOARD), 1000.0, 1020.0)
    assert [r.has_data for r in results] == [True, True, True, False]
    assert [q["queries"][0]["datasource"] for q in sent] == [{"uid": "prometheus", "type": "prometheus"}] * 3
    assert sent[0]["queries"][0]["expr"] == 'sum(rate(x{op=~"(track|send\\\\.email)"}[$__rate_interval]))'
    assert results[0].expr.endswith("[2s]))")  # recorded as Prometheus evaluates it
    assert (sent[0]["from"], sent[0]["to"], sent[0]["queries"][0]["intervalMs"]) == ("1000000", "1020000", 500)


def test_the_project_dashboard_runs_every_panel(tmp_path: Path) -> None:
    calls: list[tuple[str, dict[str, str]]] = []
    results = runner(calls).run(load(ROOT / "fixtures/customerio/dashboard.json"), 1000.0, 1020.0)
    assert len(results) == 9 and all(r.error is None for r in results)


TARGET = PanelTarget("Rate", "A", "x", PROVISIONED[0], "default")


def test_disagreements_name_what_differs() -> None:
    ours = PanelResult(TARGET, "x", [({"op": "a"}, [(1.0, 1.0), (2.0, 2.0)])])
    assert disagreements(PanelResult(TARGET, "x", [({"__name__": "x", "op": "a"}, [(2.0, 2.0)])]), ours) == []
    assert disagreements(PanelResult(TARGET, "x", [({"op": "a"}, [(2.0, 2.5)])]), ours) == [
        "Rate (A): {op=a} at 2.0: Grafana 2.5, firedrill 2.0"
    ]
    assert disagreements(PanelResult(TARGET, "x", [({"op": "b"}, [(2.0, 2.0)])]), ours) == [
        "Rate (A): series differ: only Grafana ['{op=b}'], only firedrill ['{op=a}']"
    ]
    assert disagreements(PanelResult(TARGET, "x", []), ours) == [
        "Rate (A): Grafana has no data, firedrill's emulation has (expr x)"
    ]
    assert disagreements(PanelResult(TARGET, "x", error="bad"), ours)[0].startswith("Rate (A): Grafana refused: bad")
