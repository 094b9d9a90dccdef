"""Prometheus metric families of a stub, built from its profile, on a private registry.

Every (operation, status) series is created at zero up front so that
``increase()`` sees the first request and alerts see a series before traffic.

Usage::

    >>> from harness.stub.profile import load_profile
    >>> m = StubMetrics(load_profile("customerio"))
    >>> m.observe_request("track", "success", 0.012)
    >>> b"customerio_requests_total" in m.exposition()
    True
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from harness.stub.profile import Profile

STATUSES = ("success", "error")
CONTENT_TYPE = CONTENT_TYPE_LATEST


class StubMetrics:
    """The stub's metric families; one instance per app."""

    def __init__(self, profile: Profile) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # The same standard collectors the default registry carries, on our own registry.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        spec = profile.metrics
        self.requests = Counter(
            spec.requests_total,
            "Requests handled, by operation and outcome (error = 5xx).",
            ["operation", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            spec.request_duration_seconds,
            "Request duration in seconds, including simulated and injected latency.",
            ["operation"],
            buckets=spec.duration_buckets,
            registry=self.registry,
        )
        self.counters = {key: Counter(c.name, c.help, registry=self.registry) for key, c in spec.counters.items()}
        self.queue_depth = {
            key: Gauge(q.depth_metric, q.help, registry=self.registry) for key, q in profile.queues.items()
        }
        for op in profile.operation_names:
            self.duration.labels(op)
            for status in STATUSES:
                self.requests.labels(op, status)

    def observe_request(self, operation: str, status: str, seconds: float) -> None:
        """Count one finished request and record its duration."""
        self.requests.labels(operation, status).inc()
        self.duration.labels(operation).observe(seconds)

    def inc(self, counter: str) -> None:
        """Increment the profile counter keyed ``counter`` (e.g. ``email_sent``)."""
        self.counters[counter].inc()

    def set_queue_depth(self, queue: str, depth: int) -> None:
        """Publish the current depth of ``queue``."""
        self.queue_depth[queue].set(depth)

    def exposition(self) -> bytes:
        """The text exposition served on ``/metrics``."""
        return generate_latest(self.registry)
