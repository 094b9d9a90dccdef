"""Grafana's /api/ds/query contract, on response shapes as Grafana sends them (no Grafana is installable here).

Shapes: a data frame per series (schema fields Time and Value with the series' labels; values as columns; NaN,
+Inf and -Inf sent as null with ``data.entities``), and a failed query answered with HTTP 400 and
``results.<refId>.error`` plus the Prometheus status (pkg/promlib/querydata/response.go, pkg/api/ds_query.go).
"""

from __future__ import annotations

import json
import math

import httpx
import pytest

from harness.errors import StackError
from harness.promql.grafana_backend import BackendQuery
from harness.stack.clients import GrafanaClient, QueryRejected

PROMETHEUS_REF = {"uid": "prometheus", "type": "prometheus"}
QUERY = BackendQuery("rate(x[$__rate_interval])", 1_000_000, 1_060_000, interval_ms=500, max_data_points=1500)


def client(response: dict, status: int = 200) -> tuple[GrafanaClient, list[dict]]:
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        assert request.headers["authorization"].startswith("Basic ")
        return httpx.Response(status, json=response)

    return GrafanaClient("http://127.0.0.1:3000", "pw", transport=httpx.MockTransport(handler)), sent


def frame(values: list, labels: dict | None = None, entities: list | None = None) -> dict:
    data: dict = {"values": [[1_000_000 + 500 * i for i in range(len(values))], values]}
    if entities is not None:
        data["entities"] = entities
    fields = [{"name": "Time", "type": "time"}, {"name": "Value", "type": "number", "labels": labels or {}}]
    return {"schema": {"refId": "A", "fields": fields}, "data": data}


def test_the_request_is_the_frontends() -> None:
    grafana, sent = client({"results": {"B": {"status": 200, "frames": [frame([0.08])]}}})
    assert grafana.query(PROMETHEUS_REF, QUERY, "B") == [({}, [(1000.0, 0.08)])]
    (query,) = sent[0]["queries"]
    assert query["refId"] == "B" and query["datasource"] == PROMETHEUS_REF
    assert query["expr"] == "rate(x[$__rate_interval])"  # built-ins are the backend's to substitute
    assert (query["intervalMs"], query["maxDataPoints"], query["instant"], query["range"]) == (500, 1500, False, False)
    assert (sent[0]["from"], sent[0]["to"]) == ("1000000", "1060000")


def test_series_keep_their_labels_and_empty_frames_are_no_data() -> None:
    grafana, _ = client({"results": {"A": {"frames": [frame([1, 2], {"op": "track"}), frame([], {"op": "x"})]}}})
    assert grafana.query(PROMETHEUS_REF, QUERY) == [
        ({"op": "track"}, [(1000.0, 1), (1000.5, 2)]),
        ({"op": "x"}, []),
    ]
    metadata_only = {"results": {"A": {"frames": [{"schema": {"fields": []}, "data": {"values": []}}]}}}
    assert client(metadata_only)[0].query(PROMETHEUS_REF, QUERY) == []


def test_nan_is_no_value_and_inf_is_a_value_as_on_the_prometheus_path() -> None:
    entities = [None, {"NaN": [0], "Inf": [1], "NegInf": [2]}]
    grafana, _ = client({"results": {"A": {"frames": [frame([None, None, None, 3.5], entities=entities)]}}})
    ((_, points),) = grafana.query(PROMETHEUS_REF, QUERY)
    assert points == [(1000.5, math.inf), (1001.0, -math.inf), (1001.5, 3.5)]
    only_nan = {"results": {"A": {"frames": [frame([None], entities=[None, {"NaN": [0]}])]}}}
    assert client(only_nan)[0].query(PROMETHEUS_REF, QUERY) == [({}, [])]


def test_a_refused_query_is_the_querys_fault() -> None:
    refused = {"results": {"A": {"error": "bad_data: 1:5: parse error: unexpected end of input", "status": 400}}}
    with pytest.raises(QueryRejected, match="parse error"):
        client(refused, status=400)[0].query(PROMETHEUS_REF, QUERY)
    failed = {"results": {"A": {"error": "execution: query timed out", "status": 422}}}
    with pytest.raises(QueryRejected, match="timed out"):
        client(failed, status=400)[0].query(PROMETHEUS_REF, QUERY)


def test_an_unreachable_datasource_or_grafana_error_is_the_environments() -> None:
    down = {
        "results": {"A": {"error": 'Post "http://127.0.0.1:9/api/v1/query_range": connection refused', "status": 502}}
    }
    with pytest.raises(StackError, match="prometheus datasource failed.*connection refused"):
        client(down, status=400)[0].query(PROMETHEUS_REF, QUERY)
    with pytest.raises(StackError, match="HTTP 401"):
        client({"message": "Unauthorized"}, status=401)[0].query(PROMETHEUS_REF, QUERY)
    with pytest.raises(StackError, match="HTTP 404"):
        client({"message": "Data source not found"}, status=404)[0].query(PROMETHEUS_REF, QUERY)
