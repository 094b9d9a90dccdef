"""Fault models, validation (4xx changes nothing), composition and seeded reproducibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.stub.app import SIMULATED_HEADER, create_app
from harness.stub.faults import FaultController, FaultValidationError
from harness.stub.logs import build_logger, close_logger
from tests.unit.stub_support import TestClient, fast_profile


@pytest.fixture
def client(tmp_path: Path) -> Any:
    logger = build_logger(tmp_path / "stub.log")
    app = create_app(fast_profile(), lane="t", logger=logger, seed=1)
    with TestClient(app) as c:
        yield c
    close_logger(logger)


BAD_FAULTS = [
    ({"kind": "meltdown"}, "does not match"),
    ({"kind": "error", "rate": 1.5}, "less than or equal to 1"),
    ({"kind": "error", "rate": -0.1}, "greater than or equal to 0"),
    ({"kind": "latency", "fraction": 2, "delay_ms": 10}, "less than or equal to 1"),
    ({"kind": "bounce", "rate": 7}, "less than or equal to 1"),
    ({"kind": "error", "rate": 0.1, "operation": "refund"}, "unknown operation 'refund'"),
    ({"kind": "latency", "delay_ms": 10, "distribution": {"type": "uniform", "low_ms": 1, "high_ms": 2}}, "exactly"),
    ({"kind": "latency"}, "exactly one of delay_ms or distribution"),
    ({"kind": "backlog"}, "exactly one of slowdown"),
    ({"kind": "backlog", "slowdown": 0.5}, "greater than 1"),
    ({"kind": "error", "rate": 0.1, "colour": "red"}, "Extra inputs"),
]


@pytest.mark.parametrize(("fault", "message"), BAD_FAULTS)
def test_bad_fault_is_rejected_and_changes_nothing(client: Any, fault: dict[str, Any], message: str) -> None:
    client.put("/_firedrill/faults", json={"faults": [{"kind": "latency", "delay_ms": 1}]})
    before = client.get("/_firedrill/faults").json()

    put = client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 0.5}, fault]})
    post = client.post("/_firedrill/faults", json=fault)

    for response in (put, post):
        assert 400 <= response.status_code < 500
        body = response.json()
        assert "nothing changed" in body["error"]
        assert any(message in d for d in body["details"]), body
    assert client.get("/_firedrill/faults").json() == before


@pytest.mark.parametrize("raw", [b"", b"{not json", b'{"faults": "all"}', b'{"faults": [], "extra": 1}'])
def test_malformed_bodies_are_4xx(client: Any, raw: bytes) -> None:
    response = client.put("/_firedrill/faults", content=raw)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]
    assert client.get("/_firedrill/faults").json()["faults"] == []


def test_put_post_delete_round_trip(client: Any) -> None:
    snap = client.put("/_firedrill/faults", json={"faults": [{"kind": "bounce", "rate": 0.2}], "seed": 5}).json()
    assert snap["seed"] == 5 and snap["faults"] == [{"kind": "bounce", "rate": 0.2}]
    snap = client.post("/_firedrill/faults", json={"kind": "down"}).json()
    assert [f["kind"] for f in snap["faults"]] == ["bounce", "down"]
    assert client.delete("/_firedrill/faults").json()["faults"] == []


def test_latency_and_error_compose(client: Any) -> None:
    client.put(
        "/_firedrill/faults",
        json={"faults": [{"kind": "latency", "delay_ms": 40}, {"kind": "error", "rate": 1, "status": 503}]},
    )
    response = client.post("/v1/track", json={"event": "x"})
    assert response.status_code == 503
    assert float(response.headers[SIMULATED_HEADER]) == pytest.approx(40)


def test_operation_scoped_fault_hits_only_that_operation(client: Any) -> None:
    client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "operation": "identify", "rate": 1}]})
    assert client.post("/v1/identify", json={}).status_code == 500
    assert client.post("/v1/track", json={}).status_code == 200


def test_latency_faults_add_up() -> None:
    fc = FaultController(["a", "b"], seed=0)
    fc.replace(
        fc.parse_set(
            {
                "faults": [
                    {"kind": "latency", "delay_ms": 100},
                    {
                        "kind": "latency",
                        "operation": "a",
                        "distribution": {"type": "uniform", "low_ms": 5, "high_ms": 5},
                    },
                ]
            }
        )
    )
    assert fc.plan("a").extra_delay_ms == pytest.approx(105)
    assert fc.plan("b").extra_delay_ms == pytest.approx(100)


def _statuses(client: Any, seed: int, n: int = 60) -> list[int]:
    client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 0.3}], "seed": seed})
    return [client.post("/v1/track", json={}).status_code for _ in range(n)]


def test_seed_makes_draws_reproducible(client: Any) -> None:
    first = _statuses(client, seed=123)
    assert _statuses(client, seed=123) == first
    assert _statuses(client, seed=124) != first
    assert 0 < first.count(500) < len(first)


def test_fraction_and_rate_are_honoured_statistically() -> None:
    fc = FaultController(["op"], seed=42)
    fc.replace(
        fc.parse_set(
            {"faults": [{"kind": "error", "rate": 0.08}, {"kind": "latency", "fraction": 0.25, "delay_ms": 1}]}
        )
    )
    plans = [fc.plan("op") for _ in range(20000)]
    assert sum(p.error is not None for p in plans) / len(plans) == pytest.approx(0.08, abs=0.01)
    assert sum(p.latency_injected for p in plans) / len(plans) == pytest.approx(0.25, abs=0.015)


def test_backlog_drain_factor() -> None:
    fc = FaultController(["op"], ["q"])
    assert fc.drain_factor("q") == 1
    fc.add(fc.parse_fault({"kind": "backlog", "slowdown": 4}))
    assert fc.drain_factor("q") == 0.25
    fc.add(fc.parse_fault({"kind": "backlog", "stop": True}))
    assert fc.drain_factor("q") == 0
    with pytest.raises(FaultValidationError, match="unknown queue"):
        fc.parse_fault({"kind": "backlog", "stop": True, "queue": "nope"})


def test_fault_changes_are_logged(tmp_path: Path) -> None:
    log = tmp_path / "stub.log"
    logger = build_logger(log)
    with TestClient(create_app(fast_profile(), logger=logger)) as c:
        c.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 0.1}]})
        c.post("/_firedrill/faults", json={"kind": "error", "rate": 2})  # rejected: no log line
        c.delete("/_firedrill/faults")
    close_logger(logger)
    lines = [line for line in log.read_text().splitlines() if '"fault_change"' in line]
    assert len(lines) == 2
    assert '"action": "set"' in lines[0] and '"action": "clear"' in lines[1]
