"""Grafana's /api/ds/query contract, on recorded response shapes (no Grafana is installable here)."""

from __future__ import annotations

import json

import httpx
import pytest

from harness.errors import StackError
from harness.stack.clients import GrafanaClient, QueryRejected


def client(response: dict, status: int = 200) -> tuple[GrafanaClient, list[dict]]:
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        assert request.headers["authorization"].startswith("Basic ")
        return httpx.Response(status, json=response)

    return GrafanaClient("http://127.0.0.1:3000", "pw", transport=httpx.MockTransport(handler)), sent


FRAME_WITH_DATA = {"results": {"A": {"frames": [{"schema": {}, "data": {"values": [[1732540000000], [0.08]]}}]}}}
EMPTY_FRAME = {"results": {"A": {"frames": [{"schema": {}, "data": {"values": []}}]}}}


def test_data_in_a_frame_counts() -> None:
    grafana, sent = client(FRAME_WITH_DATA)
    assert grafana.query_has_data("rate(x[5m])", range_s=60)
    (query,) = sent[0]["queries"]
    assert query == {"refId": "A", "datasource": {"uid": "prometheus"}, "expr": "rate(x[5m])", "instant": True,
                     "range": False}  # fmt: skip
    assert sent[0]["from"] == "now-60s"


def test_empty_frames_are_no_data() -> None:
    assert not client(EMPTY_FRAME)[0].query_has_data("x")
    assert not client({"results": {"A": {"frames": []}}})[0].query_has_data("x")


def test_query_errors_are_the_querys_fault() -> None:
    with pytest.raises(QueryRejected, match="parse error"):
        client({"results": {"A": {"error": "bad_data: parse error"}}})[0].query_has_data("x{")
    with pytest.raises(StackError, match="HTTP 401"):
        client({"message": "Unauthorized"}, status=401)[0].query_has_data("x")
