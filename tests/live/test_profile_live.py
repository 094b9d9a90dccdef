"""Live: a profile's every family type and every fault effect, as real Prometheus scrapes them, and one trace
across two services in real Jaeger.

One stack (Prometheus scraping every second, Jaeger) and one stub process of the ``shop`` test profile, whose two
services are scraped as their own jobs on their own metrics paths. Tests run in file order and each measures
what it changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.net import free_port
from harness.stack import Component, PrometheusSettings, ScrapeTarget, Stack, StackSpec
from harness.stub.process import StubProcess
from harness.stub.profile import load_profile
from tests.live.conftest import wait_for

pytestmark = pytest.mark.live

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "profiles" / "shop.yaml"


@dataclass
class Rig:
    stack: Stack
    stub: StubProcess

    def value(self, expr: str) -> float | None:
        return self.stack.prometheus.query_value(expr)

    def api(self, path: str, method: str = "POST", **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.stub.urls["shop-api"] + path, timeout=10, **kwargs)

    def faults(self, *faults: dict[str, Any]) -> None:
        self.stub.control.set(list(faults))

    def eventually(self, expr: str, check: Callable[[float], bool], what: str, timeout: float = 15) -> float:
        seen: list[float | None] = []

        def holds() -> bool:
            value = self.value(expr)
            seen.append(value)
            return value is not None and check(value)

        try:
            wait_for(holds, timeout, what)
        except AssertionError as exc:
            targets = [f"{t.labels.get('job')}: {t.health} {t.last_error}" for t in self.stack.prometheus.targets()]
            raise AssertionError(f"{exc}: {expr} was last {seen[-1] if seen else 'not queried'}; "
                                 f"targets {targets}") from None  # fmt: skip
        return float(seen[-1])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    profile = load_profile(SHOP)
    ports = {s.name: free_port() for s in profile.services}
    targets = [ScrapeTarget(s.job_name, f"127.0.0.1:{ports[s.name]}", {"lane": "a"}, s.metrics_path)
               for s in profile.services]  # fmt: skip
    spec = StackSpec(components={Component.PROMETHEUS, Component.JAEGER}, scrape_targets=targets,
                     prometheus=PrometheusSettings(scrape_interval_s=1, evaluation_interval_s=1),
                     provider="processes", quiet=True)  # fmt: skip
    with Stack(spec) as stack, StubProcess(profile=profile, ports=ports, seed=5,
                                           otlp_endpoint=stack.otlp_http_url) as stub:  # fmt: skip
        rig = Rig(stack, stub)
        wait_for(lambda: rig.value('count(up{lane="a"} == 1)') == 2, 20, "both services scraped")
        yield rig


def test_each_service_is_its_own_job_on_its_own_path(rig: Rig) -> None:
    assert rig.value('up{job="shop-api"}') == 1 and rig.value('up{job="shop-jobs"}') == 1
    targets = {t.labels["job"]: t.scrape_url for t in rig.stack.prometheus.targets()}
    assert targets["shop-api"].endswith("/internal/metrics") and targets["shop-jobs"].endswith("/metrics")


def test_counter_per_request_by_store_and_code(rig: Rig) -> None:
    for _ in range(6):
        rig.api("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": "store_12"})
    sel = 'shop_requests_total{route="/v1/profile",code="200",storeId="store_12"}'
    rig.eventually(sel, lambda v: v == 6, "six requests of store_12")


def test_histogram_in_ms_with_a_latency_fault(rig: Rig) -> None:
    rig.faults({"kind": "latency", "operation": "render", "delay_ms": 1500})
    rig.api("/v1/widgets/cart", method="GET", headers={"X-Store-Id": "store_3"})
    rig.faults()
    base = 'shop_render_ms_bucket{surface="cart",storeId="store_3"'
    rig.eventually(f'{base},le="2000.0"}}', lambda v: v == 1, "1.5 s lands in the 2000 ms bucket")
    assert rig.value(f'{base},le="1000.0"}}') == 0


def test_gauges_in_flight_uptime_and_drawn_value(rig: Rig) -> None:
    assert rig.value("shop_in_flight") == 0
    rig.eventually("shop_uptime_seconds", lambda v: v > 1, "uptime grows")
    rig.eventually("shop_pool_utilization_percent", lambda v: 30 < v < 50, "a value around its mean of 40")


def test_events_counted_and_amounts_added_across_a_call_to_the_jobs_service(rig: Rig) -> None:
    for _ in range(10):
        assert rig.api("/v1/checkout", json={}, headers={"X-Store-Id": "store_1"}).status_code == 200
    rig.eventually("sum(shop_tool_calls_total{status='success'})", lambda v: v == 20, "two tool calls each")
    rig.eventually("shop_llm_cost_usd_total", lambda v: 0.1 <= v <= 0.2, "ten calls of $0.01..0.02")
    # The metric's own job label is renamed exported_job at scrape: it meets the target's job label.
    attempts = 'shop_job_attempts_total{job="shop-jobs",exported_job="sync",status="success",storeId="store_1"}'
    rig.eventually(attempts, lambda v: v == 10, "ten jobs run in the jobs service, labels carried by baggage")
    rig.eventually('shop_satisfaction_score{quantile="0.5"}', lambda v: 3.8 < v < 4.8, "median near 4.3")


def test_error_aimed_at_one_store_and_an_event_aimed_at_one_tool(rig: Rig) -> None:
    rig.faults({"kind": "error", "operation": "profile", "status": 429, "match": {"storeId": "store_7"}},
               {"kind": "error", "event": "tool_call", "match": {"tool": "billing"}, "status": 502})  # fmt: skip
    for store in ("store_7", "store_8"):
        for _ in range(3):
            rig.api("/v1/profile", json={"plan": "pro"}, headers={"X-Store-Id": store})
    for _ in range(10):
        rig.api("/v1/checkout", json={})
    rig.faults()
    rig.eventually('shop_requests_total{route="/v1/profile",code="429",storeId="store_7"}', lambda v: v == 3, "429s")
    assert rig.value('shop_requests_total{route="/v1/profile",code="429",storeId="store_8"}') in (None, 0)
    rig.eventually('shop_tool_calls_total{tool="billing",status="error"}', lambda v: v > 0, "billing failing")
    assert rig.value('shop_tool_calls_total{tool="search",status="error"}') == 0


def test_event_rate_set(rig: Rig) -> None:
    rig.faults({"kind": "event", "event": "guardrail_breach", "rate": 20})
    rig.eventually("rate(shop_guardrail_breach_total[5s])", lambda v: 10 < v < 40, "about 20 breaches/s")
    rig.faults()


def test_gauge_set_then_ramped_and_a_distribution_shifted(rig: Rig) -> None:
    rig.faults({"kind": "gauge", "metric": "shop_pool_utilization_percent", "set": 85})
    rig.eventually("shop_pool_utilization_percent", lambda v: v == 85, "held at 85")
    rig.faults({"kind": "gauge", "metric": "shop_pool_utilization_percent", "ramp_to": 95, "over_s": 3})
    rig.eventually("shop_pool_utilization_percent", lambda v: v == 95, "ramped to 95", timeout=20)
    rig.faults({"kind": "shift", "metric": "shop_pool_utilization_percent", "mean": 70})
    rig.eventually("shop_pool_utilization_percent", lambda v: 60 < v < 80, "drawn around 70")
    rig.faults()


def test_backlog_stops_the_jobs_worker(rig: Rig) -> None:
    rig.faults({"kind": "backlog", "queue": "jobs", "stop": True})
    answers = [rig.api("/v1/checkout", json={}) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers if a.status_code != 200]
    rig.eventually("shop_job_queue_size", lambda v: v == 8, "eight jobs waiting")
    rig.faults()
    rig.eventually("shop_job_queue_size", lambda v: v == 0, "drained")


def test_restart_resets_counters_and_uptime(rig: Rig) -> None:
    before = rig.eventually("shop_uptime_seconds", lambda v: v > 2, "some uptime")
    rig.faults({"kind": "restart", "service": "shop-api"})
    rig.eventually("shop_uptime_seconds", lambda v: v < before, "uptime back near zero")
    rig.eventually('sum(shop_requests_total{route="/v1/profile"})', lambda v: v == 0, "counters from zero")
    rig.faults()


def test_down_makes_its_job_down_only(rig: Rig) -> None:
    rig.faults({"kind": "down", "service": "shop-api"})
    rig.eventually('up{job="shop-api"}', lambda v: v == 0, "shop-api down")
    assert rig.value('up{job="shop-jobs"}') == 1
    rig.faults()
    rig.eventually('up{job="shop-api"}', lambda v: v == 1, "shop-api back")


def test_one_trace_across_both_services_in_jaeger(rig: Rig) -> None:
    trace_id = "5b8efff798038103d269b633813fc60c"
    began = time.time() - 2
    response = rig.api("/v1/checkout", json={}, headers={"traceparent": f"00-{trace_id}-eee19b7ec3c1b174-01"})
    assert response.status_code == 200

    def spans() -> list[Any]:
        found = rig.stack.jaeger.find_spans("shop-api", began, time.time() + 5, limit=50)
        return [s for s in found if s.trace_id == trace_id]

    wait_for(lambda: {s.service for s in spans()} == {"shop-api", "shop-jobs"} and len(spans()) >= 7, 20,
             "the checkout trace in both services")  # fmt: skip
    names = {s.name for s in spans()}
    assert {"checkout", "db.query orders", "POST shop-jobs", "enqueue", "process"} <= names
    assert any(name.startswith("tool ") for name in names)
