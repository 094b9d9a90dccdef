"""Contract: the official Grafana image agrees with firedrill's emulation of it, panel by panel.

The suites' dashboards are provisioned into a real Grafana (the pinned official image, or a local ``grafana``
binary); a real stub is scraped by a real Prometheus; then every PromQL target of every dashboard runs twice
over the same past window: through Grafana's ``/api/ds/query`` (Grafana's frontend request, Grafana's own
step, built-ins and ``timeInterval``) and straight to Prometheus with firedrill's emulation. Both must return
the same series with the same values, and every panel must have data.

The pre-release workflow runs it where the image can be pulled. Grafana cannot be installed on this project's
machines (no package, no registry): there it skips, saying why.
"""

from __future__ import annotations

import time

import httpx
import pytest

from harness.net import free_port
from harness.promql.dashboards import load
from harness.stack import Component, PrometheusSettings, ScrapeTarget, Stack, StackSpec
from harness.stack.launch import grafana_datasources
from harness.stack.panels import PanelRunner, disagreements
from harness.stub.process import StubProcess
from tests.live.dashboard_support import FAULTS, drive_mix, grafana_provider, suite_dashboards

pytestmark = pytest.mark.live


def test_grafana_answers_every_panel_as_firedrill_emulates_it() -> None:
    provider, why = grafana_provider()
    if provider is None:
        print(f"SKIP {why}")
        pytest.skip(why)
    port = free_port()
    paths = suite_dashboards("customerio")
    spec = StackSpec(
        components={Component.PROMETHEUS, Component.JAEGER, Component.GRAFANA},
        scrape_targets=[ScrapeTarget("customerio", f"127.0.0.1:{port}", {"lane": "a"})],
        dashboards=paths,
        prometheus=PrometheusSettings(scrape_interval_s=0.5, evaluation_interval_s=0.5),
        provider=provider,  # type: ignore[arg-type]
        network="host",  # the stub listens on loopback only
        quiet=True,
        ready_timeout_s=120,
    )
    with Stack(spec) as stack, StubProcess(profile="customerio", lane="a", port=port, seed=5) as stub:
        # Ready means provisioned: every dashboard answers by uid, and the datasources by uid (Stack waited).
        base, auth = stack.url(Component.GRAFANA), ("admin", stack.grafana_password or "")
        for path in paths:
            assert httpx.get(f"{base}/api/dashboards/uid/{load(path).uid}", auth=auth).status_code == 200
        stub.control.set(FAULTS, seed=5)
        start = time.time()
        assert drive_mix(stub.url, seconds=8) > 100
        time.sleep(2)
        end = time.time() - 1  # a window wholly in the past: both paths see the same samples
        datasources = grafana_datasources(stack.spec)
        through_grafana = PanelRunner(stack.prometheus, stack.grafana, datasources, scrape_s=0.5)
        emulated = PanelRunner(stack.prometheus, None, datasources, scrape_s=0.5)
        differences, without_data = [], []
        for path in paths:
            board = load(path, datasources)
            theirs, ours = through_grafana.run(board, start, end), emulated.run(board, start, end)
            assert [r.target for r in theirs] == [r.target for r in ours]
            for grafana_result, emulated_result in zip(theirs, ours, strict=True):
                differences += [f"{board.file}: {d}" for d in disagreements(grafana_result, emulated_result)]
                if not grafana_result.has_data:
                    without_data.append(f"{board.file}: {grafana_result.target.panel_title}: {grafana_result.error}")
        assert differences == []
        assert without_data == []
