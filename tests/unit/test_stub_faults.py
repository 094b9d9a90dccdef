"""Each fault effect, aimed by its selector, seen in the stub's answers and exposition; and faults that miss."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness.stub.fault_targets import fault_problems
from harness.stub.faults import parse_fault, to_control
from tests.unit.stub_support import Running, profile_from, running, sample, shop


def faults(stub: Running, *specs: dict[str, Any]) -> None:
    stub.app.stub.faults.replace([parse_fault(spec) for spec in specs])


def test_error_aimed_by_label_value_hits_that_store_only(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "error", "operation": "profile", "status": 429, "match": {"storeId": "store_7"}})
        hit = stub.client.post("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_7"})
        miss = stub.client.post("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_8"})
    assert (hit.status_code, miss.status_code) == (429, 200)


def test_error_rate_is_a_fraction_of_runs_and_a_seed_repeats_it() -> None:
    from harness.stub.runtime.faults import FaultController

    def draws(seed: int) -> list[bool]:
        controller = FaultController(seed=seed)
        controller.replace([parse_fault({"kind": "error", "operation": "profile", "rate": 0.3, "status": 503})])
        return [controller.plan("shop-api", "profile", {}).error is not None for _ in range(1000)]

    assert 250 <= sum(draws(3)) <= 350
    assert draws(3) == draws(3) and draws(3) != draws(4)


def test_error_as_an_exception_reaches_the_edge(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "error", "operation": "profile", "exception": True})
        response = stub.client.post("/v1/profile", json={"plan": "pro"})
    assert response.status_code == 500 and "InjectedException" in response.json()["error"]


def test_error_on_an_event_fails_that_tool_only(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "error", "event": "tool_call", "match": {"tool": "billing"}, "status": 502})
        for _ in range(30):
            stub.client.post("/v1/checkout", json={})
        text = stub.metrics("shop-api")
    assert (sample(text, "shop_tool_calls_total", tool="billing", status="error") or 0) > 5
    assert sample(text, "shop_tool_calls_total", tool="billing", status="success") == 0
    assert (sample(text, "shop_tool_calls_total", tool="search", status="success") or 0) > 5
    assert sample(text, "shop_tool_calls_total", tool="search", status="error") == 0


def test_latency_fixed_and_drawn(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "latency", "operation": "profile", "delay_ms": 120})
        started = time.perf_counter()
        slow = stub.client.post("/v1/profile", json={"plan": "pro"})
        took = time.perf_counter() - started
        faults(stub, {"kind": "latency", "operation": "profile", "distribution": {"type": "fixed", "value": 30}})
        drawn = stub.client.post("/v1/profile", json={"plan": "pro"})
    assert took >= 0.12 and float(slow.headers["X-Firedrill-Simulated-Ms"]) >= 120
    assert 30 + 5 <= float(drawn.headers["X-Firedrill-Simulated-Ms"]) <= 30 + 30 + 1  # the baseline is 5..30 ms


def test_event_rate_set_and_fraction_set(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "event", "event": "guardrail_breach", "rate": 200})
        time.sleep(0.5)
        breaches = sample(stub.metrics("shop-api"), "shop_guardrail_breach_total") or 0
        faults(stub, {"kind": "event", "event": "rated", "fraction": 0})
        for _ in range(5):
            stub.client.post("/v1/checkout", json={})
        rated = sample(stub.metrics("shop-api"), "shop_satisfaction_score_count")
    assert 40 < breaches < 200  # about 100 in half a second
    assert rated == 0


def test_an_event_fault_with_a_limit_causes_that_many_then_steps_aside(tmp_path: Path) -> None:
    """Exactly one deadlock in a phase longer than one run: by a step's fraction and by a request trigger."""
    profile = profile_from(tmp_path, {
        "name": "t",
        "services": [{"name": "jobs", "process_metrics": False,
                      "events": {"deadlock": {}, "refund": {"from_requests": {"fraction": 0}}},
                      "operations": [{"name": "reconcile", "path": "/reconcile",
                                      "steps": [{"event": "deadlock", "fraction": 0}]}],
                      "metrics": [{"name": "deadlocks_total", "type": "counter", "source": {"event": "deadlock"}},
                                  {"name": "refunds_total", "type": "counter", "source": {"event": "refund"}}]}],
    })  # fmt: skip
    with running(profile, tmp_path) as stub:
        faults(stub, {"kind": "event", "event": "deadlock", "fraction": 1, "limit": 1},
               {"kind": "event", "event": "refund", "fraction": 1, "limit": 2})  # fmt: skip
        for _ in range(3):
            stub.client.post("/reconcile", json={})
        # The same faults again (the next phase holds them): their counts go on.
        faults(stub, {"kind": "event", "event": "deadlock", "fraction": 1, "limit": 1},
               {"kind": "event", "event": "refund", "fraction": 1, "limit": 2})  # fmt: skip
        stub.client.post("/reconcile", json={})
        held = stub.metrics("jobs")
        # Applied afresh after a phase without it: it counts from zero.
        faults(stub)
        faults(stub, {"kind": "event", "event": "deadlock", "fraction": 1, "limit": 1})
        for _ in range(2):
            stub.client.post("/reconcile", json={})
        again = stub.metrics("jobs")
    assert (sample(held, "deadlocks_total"), sample(held, "refunds_total")) == (1, 2)
    assert sample(again, "deadlocks_total") == 2


def test_a_limited_fault_that_was_lifted_counts_afresh_when_added_back() -> None:
    from harness.stub.runtime.faults import FaultController

    fault = parse_fault({"kind": "event", "event": "deadlock", "fraction": 1, "limit": 1})
    controller = FaultController(seed=1)

    def happens() -> bool:
        return controller.event_happens("jobs", "deadlock", "reconcile", {}, 0.0, lambda: 0.5)

    controller.replace([fault])
    first = [happens(), happens()]
    controller.replace([])
    controller.add(fault)  # the control API's add, not a phase's replace
    assert first + [happens(), happens()] == [True, False, True, False]


def test_a_limit_on_a_background_rate_is_refused() -> None:
    with pytest.raises(ValidationError, match="limit counts the occurrences"):
        parse_fault({"kind": "event", "event": "deadlock", "rate": 2, "limit": 1})


def test_gauge_set_and_ramp(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "gauge", "metric": "shop_pool_utilization_percent", "set": 85})
        held = sample(stub.metrics("shop-api"), "shop_pool_utilization_percent")
        faults(stub, {"kind": "gauge", "metric": "shop_pool_utilization_percent", "ramp_to": 90, "over_s": 0.4})
        early = sample(stub.metrics("shop-api"), "shop_pool_utilization_percent")
        time.sleep(0.5)
        late = sample(stub.metrics("shop-api"), "shop_pool_utilization_percent")
    assert held == 85
    assert early is not None and early < 60 and late == 90


def test_shift_moves_an_events_distribution(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "shift", "event": "rated", "mean": 2.9})
        for _ in range(40):
            stub.client.post("/v1/checkout", json={})
        text = stub.metrics("shop-api")
    mean = (sample(text, "shop_satisfaction_score_sum") or 0) / (sample(text, "shop_satisfaction_score_count") or 1)
    assert 2.6 < mean < 3.2


def test_a_fault_aimed_at_a_queued_job_matches_the_job_s_own_labels(tmp_path: Path) -> None:
    # The job runs later in the jobs service; its store comes from the checkout that enqueued it.
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "error", "service": "shop-jobs", "operation": "process", "match": {"storeId": "store_7"}})
        for store in ("store_7", "store_8") * 10:
            stub.client.post("/v1/checkout", json={}, headers={"X-Store-Id": store})
        time.sleep(0.3)
        text = stub.metrics("shop-jobs")
    attempts = {(store, status): sample(text, "shop_job_attempts_total", job="sync", status=status, storeId=store)
                for store in ("store_7", "store_8") for status in ("success", "error")}  # fmt: skip
    assert attempts == {("store_7", "success"): 0, ("store_7", "error"): 10,
                        ("store_8", "success"): 10, ("store_8", "error"): 0}  # fmt: skip


def test_backlog_stops_the_worker(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "backlog", "queue": "jobs", "stop": True})
        for _ in range(5):
            stub.client.post("/v1/checkout", json={})
        time.sleep(0.2)
        stopped = sample(stub.metrics("shop-jobs"), "shop_job_queue_size")
        faults(stub)
        time.sleep(0.3)
        drained = sample(stub.metrics("shop-jobs"), "shop_job_queue_size")
    assert stopped == 5 and drained == 0


def test_a_stopped_worker_takes_nothing_even_with_capacity_banked_while_idle() -> None:
    from harness.stub.runtime.faults import FaultController
    from harness.stub.runtime.queues import WorkQueue

    faults = FaultController()
    queue = WorkQueue("svc", "q", drain_per_second=100, labels=[], faults=faults)
    queue.drain(1.0)  # idle: capacity must not pile up
    faults.replace([parse_fault({"kind": "backlog", "stop": True})])
    queue.enqueue({}, None)
    assert queue.drain(1.0) == 0 and queue.depth({}) == 1


def test_down_answers_503_but_the_control_api(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        faults(stub, {"kind": "down", "service": "shop-api"})
        assert stub.client.get("/internal/metrics").status_code == 503
        assert stub.client.post("/v1/profile", json={}).status_code == 503
        assert stub.client.get("/_firedrill/health").json()["down"] == ["shop-api"]


def test_restart_sets_counters_and_uptime_back_to_zero(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        stub.client.post("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_1"})
        time.sleep(0.2)
        before = sample(stub.metrics("shop-api"), "shop_uptime_seconds")
        faults(stub, {"kind": "restart", "service": "shop-api"})
        text = stub.metrics("shop-api")
    labels = {"route": "/v1/profile", "method": "POST", "code": "200", "storeId": "store_1"}
    assert sample(text, "shop_requests_total", **labels) == 0
    uptime = sample(text, "shop_uptime_seconds")
    assert before is not None and uptime is not None and uptime < before


@pytest.mark.parametrize(
    ("fault", "field", "message"),
    [
        ({"kind": "error", "operation": "chekout"}, "operation", "did you mean 'checkout'?"),
        ({"kind": "error", "service": "shop-apy"}, "service", "did you mean 'shop-api'?"),
        ({"kind": "event", "event": "tool_cal", "rate": 1}, "event", "did you mean 'tool_call'?"),
        ({"kind": "gauge", "metric": "shop_in_flight", "set": 1}, "metric", "not a value gauge"),
        ({"kind": "backlog", "queue": "job", "stop": True}, "queue", "did you mean 'jobs'?"),
        ({"kind": "error", "match": {"store": "store_7"}}, "match", "did you mean 'storeId'?"),
        ({"kind": "error", "match": {"tool": "biling"}}, "match", "tool='biling' is not a value of its pool"),
    ],
)
def test_faults_that_aim_at_nothing(fault: dict[str, Any], field: str, message: str) -> None:
    problems = fault_problems(parse_fault(fault), shop())
    assert len(problems) == 1 and problems[0][0] == field and message in problems[0][1], problems


def test_a_value_the_request_may_carry_is_any_value() -> None:
    profile = shop()
    assert fault_problems(parse_fault({"kind": "error", "match": {"storeId": "store_999"}}), profile) == []


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "latency", "delay_ms": 1e12},
        {"kind": "error", "rate": 1.5},
        {"kind": "error", "status": 200},
        {"kind": "gauge", "metric": "m", "ramp_to": 3},
        {"kind": "bounce", "rate": 0.1},
        {"kind": "event", "event": "deadlock", "fraction": 1, "limit": 0},
    ],
)
def test_malformed_faults(fault: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_fault(fault)


def test_to_control_drops_lanes_and_converts_production_time() -> None:
    fault = parse_fault({"kind": "gauge", "metric": "m", "ramp_to": 85, "over": "2m", "lanes": ["a"]})
    assert to_control(fault, k=30) == {"kind": "gauge", "metric": "m", "ramp_to": 85.0, "over_s": 4.0}
