"""Service behaviour: operations, metric side-effects, down, queue, logs, health."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from harness.stub.app import create_app
from harness.stub.logs import build_logger, close_logger
from harness.stub.state import StubState
from tests.unit.stub_support import TestClient, fast_profile


@pytest.fixture
def stub(tmp_path: Path) -> Any:
    log = tmp_path / "stub.log"
    logger = build_logger(log)
    app = create_app(fast_profile(), lane="t", logger=logger, seed=1)
    with TestClient(app) as client:
        yield client, app.state.stub, log
    close_logger(logger)


def value(state: StubState, name: str, labels: dict[str, str] | None = None) -> float:
    got = state.metrics.registry.get_sample_value(name, labels or {})
    return 0.0 if got is None else got


def test_every_operation_answers(stub: Any) -> None:
    client, state, _ = stub
    for op in state.profile.operations:
        body = {"event": "delivered"} if op.name == "webhook" else {"userId": "u1"}
        assert client.request(op.method, op.path, json=body).status_code == 200, op.name
        assert value(state, "customerio_requests_total", {"operation": op.name, "status": "success"}) == 1
    assert value(state, "customerio_request_duration_seconds_count", {"operation": "track"}) == 1


def test_send_email_counts_and_enqueues(stub: Any) -> None:
    client, state, _ = stub
    state.faults.add(state.faults.parse_fault({"kind": "backlog", "stop": True}))
    for _ in range(5):
        client.post("/v1/send/email", json={"to": "x"})
    assert value(state, "customerio_email_sent_total") == 5
    assert value(state, "customerio_queue_depth") == 5
    assert value(state, "customerio_email_bounced_total") == 0


def test_queue_drains_after_backlog_cleared(stub: Any) -> None:
    client, state, _ = stub
    client.put("/_firedrill/faults", json={"faults": [{"kind": "backlog", "stop": True}]})
    for _ in range(20):
        client.post("/v1/send/email", json={})
    time.sleep(0.2)
    assert value(state, "customerio_queue_depth") == 20
    client.delete("/_firedrill/faults")
    deadline = time.monotonic() + 2
    while value(state, "customerio_queue_depth") > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value(state, "customerio_queue_depth") == 0


def test_bounce_fault_bounces_a_fraction(stub: Any) -> None:
    client, state, _ = stub
    client.put("/_firedrill/faults", json={"faults": [{"kind": "bounce", "rate": 0.5}], "seed": 9})
    for _ in range(400):
        client.post("/v1/send/email", json={})
    ratio = value(state, "customerio_email_bounced_total") / value(state, "customerio_email_sent_total")
    assert ratio == pytest.approx(0.5, abs=0.08)


def test_webhook_counts_and_failures(stub: Any) -> None:
    client, state, _ = stub
    assert client.post("/v1/webhook", json={"event": "opened"}).status_code == 200
    assert client.post("/v1/webhook", json={"event": "exploded"}).status_code == 400
    client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "operation": "webhook", "rate": 1}]})
    assert client.post("/v1/webhook", json={"event": "bounced"}).status_code == 500
    assert value(state, "customerio_webhook_received_total") == 3
    assert value(state, "customerio_webhook_failures_total") == 1
    assert value(state, "customerio_requests_total", {"operation": "webhook", "status": "error"}) == 1


def test_exception_fault_is_caught_at_the_edge(stub: Any) -> None:
    client, state, _ = stub
    client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 1, "exception": True}]})
    response = client.post("/v1/identify", json={})
    assert response.status_code == 500
    assert "InjectedException" in response.json()["error"]
    assert value(state, "customerio_requests_total", {"operation": "identify", "status": "error"}) == 1


def test_down_answers_503_everywhere_but_control(stub: Any) -> None:
    client, _, _ = stub
    client.post("/_firedrill/faults", json={"kind": "down"})
    assert client.post("/v1/track", json={}).status_code == 503
    assert client.get("/metrics").status_code == 503
    health = client.get("/_firedrill/health")
    assert health.status_code == 200 and health.json()["down"] is True
    client.delete("/_firedrill/faults")
    assert client.get("/metrics").status_code == 200
    assert client.post("/v1/track", json={}).status_code == 200


def test_request_log_line(stub: Any) -> None:
    client, _, log = stub
    response = client.post("/v1/track", json={"event": "signup"}, headers={"X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    client.post("/v1/identify", content=b"not json")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    first = lines[0]
    assert first["event"] == "request" and first["request_id"] == "req-42"
    assert first["operation"] == "track" and first["status"] == "success" and first["lane"] == "t"
    assert first["level"] == "info" and "T" in first["time"] and first["duration_ms"] >= 0
    assert first["body"] == {"event": "signup"}
    assert "trace_id" not in first  # tracing is off in this fixture
    assert lines[1]["http_status"] == 400 and lines[1]["body"] == "[unparsed 8 bytes]"
    assert len(lines[1]["request_id"]) == 32


def test_health(stub: Any) -> None:
    client, _, _ = stub
    doc = client.get("/_firedrill/health").json()
    assert doc["status"] == "ok" and doc["profile"] == "customerio" and doc["lane"] == "t"
