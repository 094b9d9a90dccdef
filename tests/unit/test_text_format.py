"""The cached text format writes exactly what prometheus_client's generate_latest writes, scrape after scrape."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Enum, Gauge, Histogram, Info, Summary, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily
from prometheus_client.registry import Collector

from harness.stub.profile import load_profile
from harness.stub.runtime.metrics import ServiceMetrics
from harness.stub.runtime.text_format import TextFormat


class _Frozen(Collector):
    """One collection of a registry, kept: process metrics (CPU seconds) move between two reads of the live one."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.families = list(registry.collect())

    def collect(self):  # type: ignore[no-untyped-def]
        return iter(self.families)


def _same_text(text: TextFormat, registry: CollectorRegistry) -> bool:
    frozen = _Frozen(registry)
    return text.render(frozen) == generate_latest(frozen)


PROFILES = ["customerio", "cs-fte", "escalation-calls", "tokpulse", "tests/fixtures/profiles/shop.yaml"]


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_renders_as_generate_latest_before_and_after_traffic(name: str) -> None:
    profile = load_profile(name)
    for service in profile.services:
        metrics = ServiceMetrics(profile, service, values=lambda family, labels: 2.5, k=30.0)
        text = TextFormat()
        assert _same_text(text, metrics.registry)
        for round_ in range(2):  # the second render reuses every cached series and must still see new values
            for op in service.operations:
                labels = {"operation": op.name, "status": "success", "tenant": "t-new"}
                metrics.record_run(op.name, labels, 200 if round_ else 503, 0.25 * (round_ + 1), {"n": 3})
            for event in service.events:
                metrics.record_event(event, {"status": "success"}, 200, 0.5, 4.0)
            assert _same_text(text, metrics.registry)


class _OpenMetricsOnly(Collector):
    """Samples the text format moves or stamps: a counter's _created, a gauge histogram's _gsum, a timestamp."""

    def collect(self):  # type: ignore[no-untyped-def]
        counter = CounterMetricFamily("sent", "Sent.", labels=["to"], created=1700000000.0)
        counter.add_metric(["ops"], 3.0, created=1700000000.0, timestamp=1700000001.5)
        yield counter
        yield GaugeHistogramMetricFamily("queue_age", "Age.", buckets=[("1.0", 2.0), ("+Inf", 5.0)], gsum_value=7.0)


def test_escaping_every_type_and_openmetrics_samples_match_generate_latest() -> None:
    registry = CollectorRegistry()
    temperature = Gauge("temp", "Help with a \\ and a\nnewline.", ["where"], registry=registry)
    temperature.labels('a "quoted"\\\n label').set(1e21)
    Counter("calls", "Calls.", ["route"], registry=registry).labels("/v1/{id}").inc(0.1)
    Histogram("latency_seconds", "Latency.", ["op"], registry=registry).labels("send").observe(float("inf"))
    Summary("size_bytes", "Size.", registry=registry).observe(-3)
    Info("build", "Build.", registry=registry).info({"version": "1.2"})
    Enum("mode", "Mode.", states=["on", "off"], registry=registry).state("off")
    registry.register(_OpenMetricsOnly())
    text = TextFormat()
    first = text.render(registry)
    assert first == generate_latest(registry)
    assert text.render(registry) == first
