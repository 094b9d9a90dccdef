"""Each family type and source, as the exposition shows it: one test each."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from harness.stub.faults import parse_fault
from tests.unit.stub_support import profile_from, running, sample, shop


def test_counter_per_request_with_route_method_code_and_store(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        stub.client.post("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_7"})
        stub.client.post("/v1/profile", json={"plan": "gold"}, headers={"X-Store-Id": "store_7"})
        text = stub.metrics("shop-api")
    labels = {"route": "/v1/profile", "method": "POST", "storeId": "store_7"}
    assert sample(text, "shop_requests_total", **labels, code="200") == 1
    assert sample(text, "shop_requests_total", **labels, code="400") == 1  # the rejected body is a 400, not a 200


def test_a_429_is_counted_as_the_profile_says(tmp_path: Path) -> None:
    from harness.stub.faults import parse_fault

    profile = load = shop()
    with running(load, tmp_path) as stub:
        stub.app.stub.faults.replace([parse_fault({"kind": "error", "operation": "profile", "status": 429})])
        stub.client.post("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_1"})
        jobs = stub.app.stub.services["shop-jobs"]
        jobs.metrics.record_run("process", {"jobType": "sync", "storeId": "store_1",
                                            **stub.app.stub.labels.status_labels(429)}, 429, 0.1, None)  # fmt: skip
        text, job_text = stub.metrics("shop-api"), stub.metrics("shop-jobs")
    assert profile is not None
    assert sample(text, "shop_requests_total", route="/v1/profile", method="POST", code="429", storeId="store_1") == 1
    assert sample(job_text, "shop_job_attempts_total", job="sync", status="client_error", storeId="store_1") == 1


def test_histogram_in_seconds_and_in_ms(tmp_path: Path) -> None:
    profile = shop()
    with running(profile, tmp_path) as stub:
        api = stub.app.stub.services["shop-api"]
        api.metrics.record_run("render", {"route": "/v1/widgets/{surface}", "surface": "cart", "storeId": "store_2"},
                               200, 1.5, None)  # fmt: skip
        text = stub.metrics("shop-api")
    # 1.5 s is 1500 ms: it lands in le="2000", not in le="50".
    assert sample(text, "shop_render_ms_bucket", le="1000.0", surface="cart", storeId="store_2") == 0
    assert sample(text, "shop_render_ms_bucket", le="2000.0", surface="cart", storeId="store_2") == 1
    assert sample(text, "shop_render_ms_sum", surface="cart", storeId="store_2") == 1500
    assert sample(text, "shop_request_duration_seconds_bucket", le="2.5", route="/v1/widgets/{surface}") == 1


def test_durations_are_what_the_run_models_not_the_wall_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded harness machine wakes the stub late; the system under test's latency must not grow with it."""
    real_sleep = asyncio.sleep

    async def wakes_late(delay: float, result: object = None) -> object:
        return await real_sleep(delay + 0.05, result)

    with running(shop(), tmp_path) as stub:
        stub.app.stub.faults.replace([parse_fault({"kind": "latency", "operation": "checkout", "delay_ms": 100})])
        monkeypatch.setattr(asyncio, "sleep", wakes_late)
        started = time.perf_counter()
        answer = stub.client.post("/v1/checkout", json={})
        took = time.perf_counter() - started
        monkeypatch.undo()
        text = stub.metrics("shop-api")
        logged = [line for line in stub.log("shop-api") if line.get("operation") == "checkout"]
    # checkout models 1 ms, +100 ms fault, a 1 ms query, two 1 ms tool calls and its callee's 1 ms enqueue.
    assert took > 0.3  # five late wake-ups at least
    assert float(answer.headers["X-Firedrill-Simulated-Ms"]) == pytest.approx(105)
    assert sample(text, "shop_request_duration_seconds_sum", route="/v1/checkout") == pytest.approx(0.105)
    assert logged[-1]["responseTime"] == pytest.approx(105)  # pino's name for it


def test_series_exist_at_zero_before_any_traffic(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        text = stub.metrics("shop-api")
    assert sample(text, "shop_requests_total", route="/v1/checkout", method="POST", code="200", storeId="store_50") == 0
    assert sample(text, "shop_tool_calls_total", tool="crm", status="error") == 0


def test_series_made_up_front_pair_a_store_with_its_own_org_only(tmp_path: Path) -> None:
    profile = profile_from(tmp_path, {
        "name": "t",
        "labels": {"storeId": {"values": ["s1", "s2", "s3"]}, "orgId": {"values": ["o1", "o2"], "follows": "storeId"}},
        "services": [{"name": "a", "process_metrics": False, "operations": [{"name": "op", "path": "/op"}],
                      "metrics": [{"name": "hits_total", "type": "counter", "labels": ["storeId", "orgId"],
                                   "source": "request"},
                                  {"name": "load_ratio", "type": "gauge", "labels": ["orgId", "storeId"],
                                   "source": {"value": {"type": "fixed", "value": 1}}}]}],
    })  # fmt: skip
    with running(profile, tmp_path) as stub:
        text = stub.metrics("a")
    hits = sorted(line.split(" ")[0] for line in text.splitlines() if line.startswith("hits_total{"))
    assert hits == ['hits_total{orgId="o1",storeId="s1"}', 'hits_total{orgId="o1",storeId="s3"}',
                    'hits_total{orgId="o2",storeId="s2"}']  # fmt: skip
    assert sum(line.startswith("load_ratio{") for line in text.splitlines()) == 3
    assert sample(text, "load_ratio", orgId="o2", storeId="s2") == 1


def test_gauges_in_flight_uptime_and_a_drawn_value(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        text = stub.metrics("shop-api")
    assert sample(text, "shop_in_flight") == 0
    uptime = sample(text, "shop_uptime_seconds")
    assert uptime is not None and 0 <= uptime < 60
    pool = sample(text, "shop_pool_utilization_percent")
    assert pool is not None and 30 < pool < 50


def test_gauge_of_a_labelled_queue(tmp_path: Path) -> None:
    service = {
        "name": "s",
        "process_metrics": False,
        "metrics": [{"name": "depth", "type": "gauge", "labels": ["topic"], "source": {"queue": "hooks"}}],
        "queues": {"hooks": {"drain_per_second": 1, "labels": ["topic"]}},
        "operations": [
            {
                "name": "intake",
                "path": "/hooks",
                "latency": {"type": "fixed", "value": 0},
                "steps": [{"enqueue": "hooks"}],
            }
        ],
    }
    data = {"name": "q", "labels": {"topic": {"values": ["orders", "carts"]}}, "services": [service]}
    with running(profile_from(tmp_path, data), tmp_path) as stub:
        stub.app.stub.faults.replace([])
        for _ in range(3):
            stub.client.post("/hooks", json={}, headers={"baggage": "topic=orders"})
        text = stub.metrics()
    assert sample(text, "depth", topic="orders") == 3
    assert sample(text, "depth", topic="carts") == 0


def test_counter_of_events_and_counter_adding_their_value(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        for _ in range(5):
            stub.client.post("/v1/checkout", json={}, headers={"X-Store-Id": "store_3"})
        text = stub.metrics("shop-api")
    tools = ("search", "billing", "crm")
    calls = sum(sample(text, "shop_tool_calls_total", tool=t, status="success") or 0 for t in tools)
    assert calls == 10  # two tool calls per checkout
    cost = sample(text, "shop_llm_cost_usd_total")
    assert cost is not None and 0.05 <= cost <= 0.1  # five calls of $0.01 to $0.02


def test_summary_with_quantiles_over_its_window(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        for _ in range(20):
            stub.client.post("/v1/checkout", json={})
        time.sleep(0.05)
        text = stub.metrics("shop-api")
    assert sample(text, "shop_satisfaction_score_count") == 20
    median = sample(text, "shop_satisfaction_score", quantile="0.5")
    assert median is not None and 3.8 < median < 4.8


def test_a_scrape_between_observations_leaves_the_quantiles_right(tmp_path: Path) -> None:
    """prometheus-summary's estimator merged the values observed since the last read out of order: these ten
    satisfaction scores, with a scrape after the third, read a median of 4.883 (their maximum) and a 0.9 quantile
    of 4.166 (harness/stub/runtime/quantiles.py)."""
    scores = [4.146, 4.883, 3.708, 3.847, 4.423, 4.195, 4.166, 4.256, 4.413, 4.328]
    events = {"rated": {"value": {"type": "fixed", "value": 0}}}
    metrics = [{"name": "score", "type": "summary", "quantiles": [0.5, 0.9], "source": {"event": "rated"}}]
    data = {"name": "s", "services": [{"name": "a", "process_metrics": False, "events": events, "metrics": metrics}]}
    with running(profile_from(tmp_path, data), tmp_path) as stub:
        recorders = stub.app.stub.services["a"].metrics
        for n, score in enumerate(scores, start=1):
            recorders.record_event("rated", {}, 200, 0.0, score)
            if n == 3:
                stub.metrics("a")  # a scrape
        text = stub.metrics("a")
    assert sample(text, "score_count") == 10
    ranked = sorted(scores)
    assert sample(text, "score", quantile="0.5") in ranked[4:6]
    assert sample(text, "score", quantile="0.9") in ranked[8:10]


def test_summary_without_quantiles_has_sum_and_count_only(tmp_path: Path) -> None:
    events = {"e": {"value": {"type": "fixed", "value": 2}}}
    metrics = [{"name": "score", "type": "summary", "source": {"event": "e"}}]
    data = {"name": "s", "services": [{"name": "a", "process_metrics": False, "events": events, "metrics": metrics}]}
    with running(profile_from(tmp_path, data), tmp_path) as stub:
        stub.app.stub.services["a"].events.occur_now("e", {})
        text = stub.metrics()
    assert sample(text, "score_sum") == 2 and sample(text, "score_count") == 1
    assert 'quantile="' not in text


def test_no_created_series(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        assert "_created" not in stub.metrics("shop-api")


def test_a_background_event_that_takes_time_runs_in_its_own_span(tmp_path: Path) -> None:
    worker = {"name": "worker", "labels": {"provider": {"values": ["openai"]}}, "services": [{
        "name": "agents", "process_metrics": False,
        "metrics": [
            {"name": "llm_requests_total", "type": "counter", "labels": ["provider"], "source": {"event": "llm_call"}},
            {"name": "llm_request_duration_seconds", "type": "histogram", "buckets": [0.01, 0.05, 1],
             "source": {"event": "llm_call", "observe": "duration"}},
            {"name": "ticks_total", "type": "counter", "source": {"event": "tick"}}],
        "events": {"llm_call": {"labels": ["provider"], "rate": 100, "span": "llm.chat {provider}",
                                "latency": {"type": "fixed", "value": 20}},
                   "tick": {"rate": 100}}}]}  # fmt: skip
    with running(profile_from(tmp_path, worker), tmp_path) as stub:
        time.sleep(0.6)
        text = stub.metrics()
    calls = sample(text, "llm_requests_total", provider="openai") or 0
    assert calls > 20 and (sample(text, "ticks_total") or 0) > 20
    # Each call took its 20 ms: none in the 10 ms bucket, all within 50 ms.
    assert sample(text, "llm_request_duration_seconds_bucket", le="0.01") == 0
    assert sample(text, "llm_request_duration_seconds_bucket", le="0.05") == sample(
        text, "llm_request_duration_seconds_count"
    )
    spans = [s for s in stub.spans.get_finished_spans() if s.name == "llm.chat openai"]
    assert spans and all(s.parent is None for s in spans)  # a worker's call: a root span
    # Its span lasts the latency (those the app's shutdown cancelled mid-way end early and are never recorded).
    durations = sorted((s.end_time - s.start_time) / 1e9 for s in spans)
    assert durations[len(durations) // 2] >= 0.019


def test_a_background_rate_holds_while_the_loop_is_busy() -> None:
    """Arrivals are due on the clock: a loop that wakes late catches up instead of losing occurrences."""
    import asyncio
    import random

    from harness.stub.profile.operations import EventSpec
    from harness.stub.runtime.events import Events
    from harness.stub.runtime.faults import FaultController

    seen: list[str] = []
    events = Events("svc", {"tick": EventSpec(rate=200)}, FaultController(), None, random.Random(3), None,
                    record=lambda name, labels, code, seconds, value: seen.append(name))  # fmt: skip

    async def busy() -> None:
        # A stub under load: the loop gets back to the event's timer 5 ms late, over and over.
        while True:
            time.sleep(0.005)
            await asyncio.sleep(0)

    async def run() -> None:
        tasks = [asyncio.create_task(events.background("tick")), asyncio.create_task(busy())]
        await asyncio.sleep(1.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(run())
    # 200 expected (Poisson: sd 14); waits that each overran by 5 ms would have given about 100.
    assert 150 < len(seen) < 250
