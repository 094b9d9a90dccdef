"""PrometheusClient against a fake Prometheus API: what it sends and how it reads the answer."""

from __future__ import annotations

import httpx

from harness.stack.clients import PrometheusClient


def client(handler: httpx.MockTransport) -> PrometheusClient:
    prometheus = PrometheusClient("http://prom")
    prometheus._http = httpx.Client(base_url="http://prom", transport=handler)
    return prometheus


def test_stored_samples_asks_for_a_range_vector_and_keeps_each_samples_own_timestamp() -> None:
    sent: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(dict(request.url.params))
        values = [[1000.25, "1"], [1000.75, "NaN"], [1001.25, "1"]]
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"alertname": "WindowFill", "alertstate": "pending"}, "values": values}]}})  # fmt: skip

    series = client(httpx.MockTransport(handler)).stored_samples('ALERTS{alertname="WindowFill"}', 8.5, at=1002.0)
    assert sent == [{"query": 'ALERTS{alertname="WindowFill"}[8500ms]', "time": "1002.0"}]
    assert series == [({"alertname": "WindowFill", "alertstate": "pending"}, [(1000.25, 1.0), (1001.25, 1.0)])]
