"""The blackbox exporter as a stack component, both providers: it probes a real stub's /health on loopback and
Prometheus sees ``probe_success`` go from 1 to 0 when the stub's ``down`` fault is on, and back."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.stack import Component, PrometheusSettings, Stack, StackSpec
from harness.stack.spec import Probe
from harness.stub.process import StubProcess
from tests.live.conftest import wait_for

pytestmark = pytest.mark.live

# As a drill compressed x30 scrapes: every 0.5 s, with a 0.5 s scrape timeout the exporter must leave room in.
FAST = PrometheusSettings(scrape_interval_s=0.5, evaluation_interval_s=0.5, lookback_delta_s=5)


def test_probe_success_follows_the_down_fault(provider: str, tmp_path: Path, no_leaks: None) -> None:
    with StubProcess("customerio", workdir=tmp_path / "stub") as stub:
        spec = StackSpec(
            components={Component.PROMETHEUS, Component.BLACKBOX},
            probes=[Probe(f"{stub.url}/health", {"lane": "a"})],
            provider=provider,  # type: ignore[arg-type]
            prometheus=FAST,
            quiet=True,
        )
        with Stack(spec) as stack:
            prometheus = stack.prometheus
            up = f'probe_success{{job="blackbox",lane="a",instance="{stub.url}/health"}}'
            wait_for(lambda: prometheus.query_value(up) == 1, 20, "probe_success 1 while the stub is up")
            assert prometheus.query_value('probe_http_status_code{job="blackbox"}') == 200
            stub.control.set([{"kind": "down"}])
            wait_for(lambda: prometheus.query_value(up) == 0, 20, "probe_success 0 under the down fault")
            assert prometheus.query_value('probe_http_status_code{job="blackbox"}') == 503
            # The exporter itself stays up: it is the probe that fails, not the scrape.
            assert prometheus.query_value('up{job="blackbox"}') == 1
            stub.control.set([])
            wait_for(lambda: prometheus.query_value(up) == 1, 20, "probe_success 1 again after the fault")
