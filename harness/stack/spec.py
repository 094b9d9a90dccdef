"""What a stack should be: typed inputs that the providers and config renderers read.

Times here are wall-clock seconds: time compression (harness.drill.compress) has already been applied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal


class Component(StrEnum):
    PROMETHEUS = "prometheus"
    ALERTMANAGER = "alertmanager"
    JAEGER = "jaeger"
    GRAFANA = "grafana"
    # The Prometheus blackbox exporter: uptime probes (harness.stack.blackbox).
    BLACKBOX = "blackbox"


ProviderName = Literal["auto", "containers", "processes"]
NetworkMode = Literal["bridge", "host"]

# Pinned official images; each can be overridden by option or by FIREDRILL_IMAGE_<COMPONENT>.
DEFAULT_IMAGES: dict[Component, str] = {
    Component.PROMETHEUS: "prom/prometheus:v3.5.0",
    Component.ALERTMANAGER: "prom/alertmanager:v0.28.1",
    Component.JAEGER: "jaegertracing/jaeger:2.13.0",
    Component.GRAFANA: "grafana/grafana:12.3.0",
    Component.BLACKBOX: "prom/blackbox-exporter:v0.27.0",
}


def image_for(component: Component, overrides: dict[Component, str] | None = None) -> str:
    """The image for `component`: explicit override, then env var, then the pinned default.

    Example:
        >>> image_for(Component.PROMETHEUS, {Component.PROMETHEUS: "firedrill/prometheus:offline"})
        'firedrill/prometheus:offline'
    """
    if overrides and component in overrides:
        return overrides[component]
    return os.environ.get(f"FIREDRILL_IMAGE_{component.name}", DEFAULT_IMAGES[component])


@dataclass(frozen=True)
class ScrapeTarget:
    """One endpoint Prometheus scrapes, with the target labels (e.g. lane) it adds to every series."""

    job: str
    address: str  # host:port
    labels: dict[str, str] = field(default_factory=dict)
    metrics_path: str = "/metrics"


@dataclass(frozen=True)
class Probe:
    """One URL the blackbox exporter probes (job ``blackbox``), with the target labels (e.g. lane) it adds."""

    url: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PrometheusSettings:
    """Prometheus knobs that time compression scales (all wall-clock seconds)."""

    scrape_interval_s: float = 15.0
    evaluation_interval_s: float = 15.0
    scrape_timeout_s: float | None = None
    lookback_delta_s: float = 300.0
    resend_delay_s: float = 60.0
    for_grace_period_s: float = 600.0


@dataclass
class StackSpec:
    """Everything needed to bring a stack up.

    Example:
        >>> spec = StackSpec(components={Component.PROMETHEUS},
        ...                  scrape_targets=[ScrapeTarget(job="stub", address="127.0.0.1:8000")])
        >>> spec.wants(Component.JAEGER)
        False
    """

    components: set[Component] = field(
        default_factory=lambda: {Component.PROMETHEUS, Component.ALERTMANAGER, Component.JAEGER}
    )
    scrape_targets: list[ScrapeTarget] = field(default_factory=list)
    # URLs the blackbox exporter probes; used when the stack has Component.BLACKBOX.
    probes: list[Probe] = field(default_factory=list)
    rule_files: list[Path] = field(default_factory=list)
    # The user's alertmanager.yml text; None means a default single-receiver route.
    alertmanager_config: str | None = None
    dashboards: list[Path] = field(default_factory=list)
    prometheus: PrometheusSettings = field(default_factory=PrometheusSettings)
    provider: ProviderName = "auto"
    network: NetworkMode = "bridge"
    images: dict[Component, str] = field(default_factory=dict)
    # Local programs to run (processes provider), e.g. Debian's /usr/bin/prometheus; unset: the newest installed.
    binaries: dict[Component, str] = field(default_factory=dict)
    # Fixed web ports (processes and host networking); unset components get free ports.
    ports: dict[Component, int] = field(default_factory=dict)
    # Where Alertmanager's webhooks go; set by Stack when it starts its notification sink.
    sink_url: str | None = None
    ready_timeout_s: float = 60.0
    quiet: bool = False
    # Bumped each time a running stack is reconfigured for another drill (see Stack.reconfigure).
    generation: int = 0

    def wants(self, component: Component) -> bool:
        return component in self.components
