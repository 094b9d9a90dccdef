"""Live: a real stub process scraped by a real Prometheus and traced into a real Jaeger (from harness.stack).

One Prometheus serves the module. Each test gets its own stub on a port chosen
up front and scraped as its own target labelled ``scenario=<test>``, so no
test's traffic leaks into another's ``[1m]`` window and Prometheus never reloads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.net import free_port
from harness.stack import Component, PrometheusSettings, ScrapeTarget, SpanRecord, Stack, StackSpec
from harness.stub.process import StubProcess
from tests.live.conftest import wait_for

pytestmark = pytest.mark.live

SCENARIOS = ("error_rate", "latency", "bounce", "backlog", "down")


@dataclass
class Prometheus:
    """The module's stack (real Prometheus and Jaeger) as the stub tests use it."""

    stack: Stack
    ports: dict[str, int]

    @property
    def url(self) -> str:
        return self.stack.url(Component.PROMETHEUS)

    def value(self, expr: str) -> float | None:
        return self.stack.prometheus.query_value(expr)

    def stub(self, scenario: str, **kwargs: Any) -> StubProcess:
        return StubProcess(port=self.ports[scenario], lane=scenario, **kwargs)

    def wait_scraped(self, scenario: str) -> None:
        # The first successful scrape carries every counter at zero, so increase() sees all traffic.
        wait_for(lambda: self.value(f'up{{scenario="{scenario}"}}') == 1, 10, f"first scrape of {scenario}")


@pytest.fixture(scope="module")
def prometheus() -> Iterator[Prometheus]:
    ports = {name: free_port() for name in SCENARIOS}
    spec = StackSpec(
        components={Component.PROMETHEUS, Component.JAEGER},
        scrape_targets=[ScrapeTarget("stub", f"127.0.0.1:{port}", {"scenario": name}) for name, port in ports.items()],
        prometheus=PrometheusSettings(scrape_interval_s=1, evaluation_interval_s=1),
        provider="processes",
        quiet=True,
    )
    with Stack(spec) as stack:
        yield Prometheus(stack, ports)


def drive(url: str, path: str, body: dict[str, Any], total: int, threads: int, timeout_s: float = 30) -> list[int]:
    """Send ``total`` POSTs over keep-alive connections from ``threads`` threads, bounded in time."""
    deadline = time.monotonic() + timeout_s

    def worker(count: int) -> list[int]:
        codes = []
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(count):
                if time.monotonic() > deadline:
                    break
                codes.append(client.post(path, json=body).status_code)
        return codes

    shares = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return [code for codes in pool.map(worker, shares) for code in codes]


def test_error_rate_reads_back_through_promql(prometheus: Prometheus) -> None:
    with prometheus.stub("error_rate", seed=8) as stub:
        prometheus.wait_scraped("error_rate")
        stub.control.set([{"kind": "error", "rate": 0.08}], seed=8)
        codes = drive(stub.url, "/v1/track", {"event": "x"}, total=2000, threads=16)
        assert len(codes) == 2000
        sel = 'scenario="error_rate"'
        wait_for(lambda: prometheus.value(f"sum(customerio_requests_total{{{sel}}})") == 2000, 10, "final scrape")
        ratio = prometheus.value(
            f'sum(increase(customerio_requests_total{{status="error",{sel}}}[1m]))'
            f" / sum(increase(customerio_requests_total{{{sel}}}[1m]))"
        )
    assert ratio is not None and abs(ratio - 0.08) <= 0.02, ratio


def test_latency_fault_moves_p95(prometheus: Prometheus) -> None:
    with prometheus.stub("latency", seed=1) as stub:
        prometheus.wait_scraped("latency")
        stub.control.set([{"kind": "latency", "delay_ms": 300, "fraction": 1}])
        drive(stub.url, "/v1/identify", {"userId": "u"}, total=150, threads=30)
        sel = 'scenario="latency"'
        wait_for(
            lambda: prometheus.value(f"sum(customerio_request_duration_seconds_count{{{sel}}})") == 150,
            10,
            "final scrape",
        )
        p95 = prometheus.value(
            f"histogram_quantile(0.95, sum by (le) (rate(customerio_request_duration_seconds_bucket{{{sel}}}[1m])))"
        )
    assert p95 is not None and p95 > 0.25, p95


def test_bounce_fault_moves_bounce_ratio(prometheus: Prometheus) -> None:
    with prometheus.stub("bounce", seed=2) as stub:
        prometheus.wait_scraped("bounce")
        stub.control.set([{"kind": "event", "event": "email_bounced", "fraction": 0.5}], seed=2)
        drive(stub.url, "/v1/send/email", {"to": "x"}, total=400, threads=16)
        sel = 'scenario="bounce"'
        wait_for(lambda: prometheus.value(f"customerio_email_sent_total{{{sel}}}") == 400, 10, "final scrape")
        ratio = prometheus.value(
            f"sum(increase(customerio_email_bounced_total{{{sel}}}[1m]))"
            f" / sum(increase(customerio_email_sent_total{{{sel}}}[1m]))"
        )
    assert ratio is not None and abs(ratio - 0.5) <= 0.1, ratio


def test_backlog_stop_builds_queue_and_clearing_drains(prometheus: Prometheus) -> None:
    sel = 'scenario="backlog"'
    with prometheus.stub("backlog") as stub:
        prometheus.wait_scraped("backlog")
        stub.control.set([{"kind": "backlog", "stop": True}])
        drive(stub.url, "/v1/send/email", {"to": "x"}, total=1100, threads=32)
        wait_for(lambda: (prometheus.value(f"customerio_queue_depth{{{sel}}}") or 0) > 1000, 10, "depth > 1000")
        stub.control.clear()
        wait_for(lambda: prometheus.value(f"customerio_queue_depth{{{sel}}}") == 0, 10, "queue drained")


def test_down_makes_up_zero_and_clearing_restores(prometheus: Prometheus) -> None:
    sel = 'scenario="down"'
    with prometheus.stub("down") as stub:
        prometheus.wait_scraped("down")
        stub.control.add({"kind": "down"})
        assert httpx.get(stub.metrics_url).status_code == 503
        wait_for(lambda: prometheus.value(f"up{{{sel}}}") == 0, 10, "up == 0")
        stub.control.clear()
        wait_for(lambda: prometheus.value(f"up{{{sel}}}") == 1, 10, "up == 1")


def test_error_trace_reaches_jaeger(prometheus: Prometheus) -> None:
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    began = time.time() - 5
    with StubProcess(lane="jaeger", otlp_endpoint=prometheus.stack.otlp_http_url) as stub:
        stub.control.set([{"kind": "error", "rate": 1, "exception": True}])
        response = httpx.post(
            f"{stub.url}/v1/send/email",
            json={"to": "x"},
            headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"},
        )
        assert response.status_code == 500
    # Stopping the stub flushed its batch processor.
    jaeger = prometheus.stack.jaeger

    def error_spans() -> list[SpanRecord]:
        spans = jaeger.find_spans("customerio-stub", began, time.time() + 5, limit=20)
        return [s for s in spans if s.trace_id == trace_id and s.error and "exception" in s.event_names]

    wait_for(lambda: bool(error_spans()), 15, f"trace {trace_id} with an ERROR span in jaeger")
