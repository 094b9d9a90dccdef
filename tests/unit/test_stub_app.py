"""The stub over HTTP: operations, ids and headers, logs in the service's schema, and the fault-control API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.stub_support import profile_from, running, shop


def test_routes_require_and_bad_json(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        assert stub.client.get("/v1/widgets/cart").status_code == 200
        assert stub.client.post("/v1/profile", json={"plan": "free"}).status_code == 200
        bad = stub.client.post("/v1/profile", json={"plan": "gold"})
        assert bad.status_code == 400 and bad.json()["error"] == "plan must be one of ['free', 'pro']"
        assert stub.client.post("/v1/profile", content=b"{nope", headers={"content-type": "application/json"})\
            .status_code == 400  # fmt: skip
        assert stub.client.get("/internal/metrics").status_code == 200
        assert stub.client.get("/metrics").status_code == 404  # shop-api serves /internal/metrics only


def test_request_and_correlation_ids_pass_through_or_are_made(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        given = stub.client.post("/v1/profile", json={"plan": "pro"},
                                 headers={"X-Request-ID": "req_123", "X-Correlation-ID": "corr_9"})  # fmt: skip
        made = stub.client.post("/v1/profile", json={"plan": "pro"})
    assert given.headers["X-Request-ID"] == "req_123" and given.headers["X-Correlation-ID"] == "corr_9"
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Correlation-ID"] == made.headers["X-Request-ID"]


def test_pino_lines_with_included_labels_and_no_pii(tmp_path: Path) -> None:
    body = {"plan": "pro", "email": "ada@example.com", "note": "call +1 415 555 0100", "storeId": "store_4"}
    with running(shop(), tmp_path) as stub:
        stub.client.post("/v1/profile", json=body, headers={"X-Request-ID": "ada@example.com"})
    (line,) = [doc for doc in stub.log("shop-api") if doc.get("operation") == "profile"]
    assert line["level"] == "info" and line["msg"] == "profile 200" and line["res"] == {"statusCode": 200}
    assert line["storeId"] == "store_4" and line["orgId"].startswith("org_")
    assert line["requestId"] == "[REDACTED:email]"  # an email used as a request id is PII too
    assert line["req"]["body"] == {"plan": "pro", "email": "[REDACTED]", "note": "call [REDACTED:phone]",
                                   "storeId": "store_4"}  # fmt: skip
    assert "ada@example.com" not in json.dumps(stub.log("shop-api"))


def test_structlog_and_winston_schemas(tmp_path: Path) -> None:
    data = {"name": "w", "services": [
        {"name": "a", "logs": {"format": "winston", "static": {"environment": "test"}}, "process_metrics": False,
         "operations": [{"name": "op", "path": "/op", "latency": {"type": "fixed", "value": 0}}]},
        {"name": "b", "logs": {"format": "structlog"}, "process_metrics": False,
         "operations": [{"name": "op", "path": "/op", "latency": {"type": "fixed", "value": 0}}]}]}  # fmt: skip
    with running(profile_from(tmp_path, data), tmp_path, ports={"a": 20100, "b": 20101}) as stub:
        stub.client.post("/op", json={}, headers={"X-Request-ID": "r1"})
        stub.client.post("http://127.0.0.1:20101/op", json={}, headers={"X-Request-ID": "r2"})
    winston = [d for d in stub.log("a") if d["message"] == "op 200"][0]
    assert winston["metadata"]["requestId"] == "r1" and winston["context"]["service"] == "a"
    assert winston["environment"] == "test" and "timestamp" in winston
    structlog = [d for d in stub.log("b") if d["event"] == "op 200"][0]
    assert structlog["request_id"] == "r2" and structlog["level"] == "info" and "timestamp" in structlog


def test_each_service_on_its_own_port(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        jobs = stub.client.post("http://127.0.0.1:20001/v1/jobs", json={})
        api_metrics = stub.client.get("http://127.0.0.1:20000/internal/metrics").text
        jobs_metrics = stub.client.get("http://127.0.0.1:20001/metrics").text
    assert jobs.status_code == 200 and jobs.json()["operation"] == "enqueue"
    assert "shop_requests_total" in api_metrics and "shop_requests_total" not in jobs_metrics
    assert "shop_job_queue_size" in jobs_metrics and "process_cpu_seconds_total" not in jobs_metrics


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("headers", "body", "status", "message"),
    [
        ({"content-type": "text/plain"}, b'{"faults": [{"kind": "down"}]}', 415, "expected application/json"),
        ({**JSON, "origin": "https://evil.example"}, b'{"faults": []}', 403, "Origin"),
        ({**JSON, "host": "attacker.example:80"}, b'{"faults": []}', 403, "not loopback"),
        (JSON, b'{"faults": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", 413, "at most"),
        (JSON, b'{"faults": ' + b"[" * 40 + b"]" * 40 + b"}", 400, "nested deeper"),
        (JSON, b'{"faults": [{"kind": "latency", "delay_ms": 1e12}]}', 422, "less than or equal"),
        (JSON, b'{"faults": [{"kind": "error", "operation": "chekout"}]}', 422, "did you mean 'checkout'"),
    ],
)
def test_the_fault_api_refuses_what_a_test_rig_never_sends(
    tmp_path: Path, headers: dict[str, str], body: bytes, status: int, message: str
) -> None:
    with running(shop(), tmp_path) as stub:
        response = stub.client.put("/_firedrill/faults", content=body, headers=headers)
        assert response.status_code == status, response.text
        assert message in json.dumps(response.json())
        assert stub.client.get("/_firedrill/faults").json()["faults"] == []  # nothing changed


def test_the_fault_api_sets_adds_and_clears(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        put = stub.client.put("/_firedrill/faults", json={"faults": [{"kind": "down"}], "seed": 5})
        add = stub.client.post("/_firedrill/faults", json={"kind": "latency", "delay_ms": 5})
        cleared = stub.client.delete("/_firedrill/faults")
    assert put.json()["seed"] == 5 and len(add.json()["faults"]) == 2 and cleared.json()["faults"] == []


def test_a_fault_change_is_logged_by_every_service_with_a_request_id(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        stub.client.put("/_firedrill/faults", json={"faults": []}, headers={"X-Request-ID": "drill-7"})
        stub.client.delete("/_firedrill/faults")
    api = [d for d in stub.log("shop-api") if d["msg"].startswith("faults ")]
    jobs = [d for d in stub.log("shop-jobs") if d["event"].startswith("faults ")]
    assert [d["requestId"] for d in api][0] == "drill-7" and jobs[0]["request_id"] == "drill-7"
    # Without the header one id is made, the same in every service's line.
    assert api[1]["requestId"] == jobs[1]["request_id"] and len(api[1]["requestId"]) == 32


def test_health_answers_while_up_and_503_under_the_down_fault(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        up = stub.client.get("/health")
        stub.client.put("/_firedrill/faults", json={"faults": [{"kind": "down", "service": "shop-api"}]})
        down = stub.client.get("/health")
        control = stub.client.get("/_firedrill/health")
    assert (up.status_code, up.json()) == (200, {"status": "ok"})
    assert down.status_code == 503 and control.status_code == 200


def test_a_profiles_own_health_operation_wins(tmp_path: Path) -> None:
    own = {"name": "own", "services": [{"name": "api", "operations": [
        {"name": "health", "method": "GET", "path": "/health", "status": 204}]}]}  # fmt: skip
    with running(profile_from(tmp_path, own), tmp_path) as stub:
        assert stub.client.get("/health").status_code == 204
