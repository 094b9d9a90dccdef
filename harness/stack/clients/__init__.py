"""Thin typed clients for the HTTP APIs firedrill reads, one module each: Prometheus, Alertmanager v2, Jaeger
/api/v3, Grafana and the blackbox exporter. ``base`` holds what they share."""

from __future__ import annotations

from harness.stack.clients.alertmanager import AlertmanagerClient
from harness.stack.clients.base import QueryRejected, SeriesData
from harness.stack.clients.blackbox import BlackboxClient, blackbox_version
from harness.stack.clients.grafana import GrafanaClient
from harness.stack.clients.jaeger import JaegerClient, SpanRecord
from harness.stack.clients.prometheus import ActiveAlert, PrometheusClient, Sample, TargetHealth

__all__ = [
    "ActiveAlert",
    "AlertmanagerClient",
    "BlackboxClient",
    "Client",
    "GrafanaClient",
    "JaegerClient",
    "PrometheusClient",
    "QueryRejected",
    "Sample",
    "SeriesData",
    "SpanRecord",
    "TargetHealth",
    "blackbox_version",
]

# Any of the clients above, as a stack holds them (one per running component).
Client = PrometheusClient | AlertmanagerClient | JaegerClient | GrafanaClient | BlackboxClient
