"""The golden precision test: a compressed rule keeps its production timing and meaning, on both Prometheus majors.

Rules are compressed x30 by firedrill's own compressor and evaluated by real Prometheus (3 and Debian's 2.42)
with the plan's compressed scrape and evaluation intervals, against a gauge this test flips. Production times are
wall times x30. Prometheus 3 made range selectors left-open; the compressed drill must show each major's own
behaviour, exactly as production would:

* ``avg_over_time(g[3m]) > 0.5`` with ``for: 2m``: after g goes 0 -> 1, the window holds a majority of 1s once 7
  of its 12 samples (15s apart) are 1s, i.e. 90-105s after the first 1-sample (plus up to one evaluation):
  pending 90s-120s after the flip, firing exactly ``for`` later (one evaluation interval of slack). Both are read
  from the timestamps of Prometheus's ``ALERTS`` samples, its evaluations' own: polled times moved with the
  machine's load (a poll 0.5 s late beside ``make test``'s batch made ``for`` look 105 s long);
* ``count_over_time(tick[1m]) >= 5`` over a recording rule evaluated every 15s in the same group: the samples
  sit exactly on the window's edges, so a closed window ([t-1m, t], Prometheus 2) holds 5 and fires, a
  left-open one ((t-1m, t], Prometheus 3) holds 4 and never does.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from harness.drill.compress import compress_rule_file
from harness.drill.evaluations import alert_samples
from harness.drill.plan import CompressionPlan
from harness.stack import ScrapeTarget, Stack, StackSpec
from harness.stack.clients import PrometheusClient
from harness.stack.ports import free_port
from harness.stack.spec import Component
from tests.conftest import MAJORS, programs_of_major

pytestmark = pytest.mark.live

K = 30.0
RULES = """\
groups:
  - name: golden
    rules:
      - record: firedrill:tick
        expr: vector(1)
      - alert: WindowFill
        expr: avg_over_time(firedrill_selftest_up[3m]) > 0.5
        for: 2m
      - alert: ClosedWindow
        expr: count_over_time(firedrill:tick[1m]) >= 5
"""


@dataclass
class Measured:
    """What one major did: each alert state's first evaluation (production seconds after the flip), and the
    alerts' states at the end."""

    version: str
    first: dict[tuple[str, str], float]
    states: dict[str, str]


def first_evaluations(prometheus: PrometheusClient, flipped_wall: float) -> dict[tuple[str, str], float]:
    """(alert, state) -> production seconds from the flip to the first rule evaluation that found it, from the
    timestamps of Prometheus's own ``ALERTS`` samples (as every drill reads them): a poll that a busy machine
    delays cannot move them."""
    first: dict[tuple[str, str], float] = {}
    for (alert, _, state), times in alert_samples(prometheus, flipped_wall, time.time()).items():
        first[alert, state] = min(first.get((alert, state), times[0]), times[0])
    return {key: t * K for key, t in first.items()}


def measure(major: int, tmp_path: Path) -> Measured:
    registry = CollectorRegistry()
    gauge = Gauge("firedrill_selftest_up", "the golden test's gauge", registry=registry)
    port = free_port()
    server, _ = start_http_server(port, addr="127.0.0.1", registry=registry)
    production = tmp_path / f"golden-{major}.yml"
    production.write_text(RULES)
    compressed = tmp_path / f"golden-{major}-x30.yml"
    compressed.write_text(compress_rule_file(production, K).yaml_text)
    spec = StackSpec(
        components={Component.PROMETHEUS},
        provider="processes",
        scrape_targets=[ScrapeTarget(job="golden", address=f"127.0.0.1:{port}")],
        rule_files=[compressed],
        prometheus=CompressionPlan.for_k(K).prometheus_settings(),
        binaries=programs_of_major(major),
        quiet=True,
    )
    try:
        with Stack(spec) as stack:
            prometheus = stack.prometheus
            deadline = time.monotonic() + 10
            while not prometheus.query('up{job="golden"} == 1') and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(180 / K + 1)  # the 3m window fills with zeros
            gauge.set(1)
            flipped, flipped_wall = time.monotonic(), time.time()
            firing = False
            while time.monotonic() - flipped < 240 / K + 6 and not firing:
                firing = any(a.name == "WindowFill" and a.state == "firing" for a in prometheus.alerts())
                time.sleep(0.05)
            states = {alert.name: alert.state for alert in prometheus.alerts()}
            return Measured(stack.versions["prometheus"], first_evaluations(prometheus, flipped_wall), states)
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Measured]:
    """Both majors at once, each on its own Prometheus (the test is about timing within each, not between)."""
    with ThreadPoolExecutor(max_workers=len(MAJORS)) as pool:
        runs = pool.map(lambda major: measure(major, tmp_path_factory.mktemp(f"golden{major}")), MAJORS)
        return dict(zip(MAJORS, runs, strict=True))


@pytest.mark.parametrize("major", MAJORS)
def test_compressed_timing_and_window_edges_match_production(major: int, measured: dict[int, Measured]) -> None:
    run = measured[major]
    assert run.version.startswith(f"{major}.")
    evaluation_prod = CompressionPlan.for_k(K).evaluation_interval_s * K
    pending, firing = run.first.get(("WindowFill", "pending")), run.first.get(("WindowFill", "firing"))
    assert pending is not None and firing is not None, f"WindowFill never fired on Prometheus {major}: {run.first}"
    print(f"Prometheus {run.version}: pending {pending:.1f}s, firing - pending {firing - pending:.1f}s (production)")
    assert 90 - evaluation_prod / 4 <= pending <= 120 + evaluation_prod, pending
    assert 120 - evaluation_prod / 4 <= firing - pending <= 120 + evaluation_prod, firing - pending
    if major >= 3:
        assert "ClosedWindow" not in run.states and ("ClosedWindow", "pending") not in run.first, "left-open: 4"
    else:
        assert run.states.get("ClosedWindow") == "firing", "closed: 5 samples"
