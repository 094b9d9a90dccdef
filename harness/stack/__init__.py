"""The observability stack: real Prometheus, Alertmanager, Jaeger and Grafana as processes or containers.

Example:
    >>> from harness.stack import Stack, StackSpec, ScrapeTarget, Component
    >>> spec = StackSpec(scrape_targets=[ScrapeTarget(job="stub", address="127.0.0.1:8000")])
    >>> with Stack(spec) as stack:  # doctest: +SKIP
    ...     stack.prometheus.query("up")
"""

from harness.stack.clients import AlertmanagerClient, JaegerClient, PrometheusClient, SpanRecord
from harness.stack.sink import NotificationSink, WebhookDelivery
from harness.stack.spec import Component, PrometheusSettings, ScrapeTarget, StackSpec
from harness.stack.stack import Stack

__all__ = [
    "AlertmanagerClient",
    "Component",
    "JaegerClient",
    "NotificationSink",
    "PrometheusClient",
    "PrometheusSettings",
    "ScrapeTarget",
    "SpanRecord",
    "Stack",
    "StackSpec",
    "WebhookDelivery",
]
