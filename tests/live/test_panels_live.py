"""Live: the suites' dashboards run straight against a real Prometheus scraping a real stub, with Grafana's query
emulated (what a drill without Grafana does): variables' options come from Prometheus, every built-in and step
is Grafana's, and the expressions Prometheus receives are valid and return data for every panel.
"""

from __future__ import annotations

import time

import pytest

from harness.net import free_port
from harness.promql.dashboards import PROVISIONED, load
from harness.stack import Component, PrometheusSettings, ScrapeTarget, Stack, StackSpec
from harness.stack.panels import PanelRunner
from harness.stub.process import StubProcess
from tests.live.dashboard_support import FAULTS, drive_mix, suite_dashboards

pytestmark = pytest.mark.live


def test_every_suite_panel_has_data_on_the_prometheus_path() -> None:
    port = free_port()
    spec = StackSpec(
        components={Component.PROMETHEUS},
        scrape_targets=[ScrapeTarget("customerio", f"127.0.0.1:{port}", {"lane": "a"})],
        prometheus=PrometheusSettings(scrape_interval_s=0.5, evaluation_interval_s=0.5),
        provider="processes",
        quiet=True,
    )
    boards = [load(path) for path in suite_dashboards("customerio")]
    assert boards, "the suites name no dashboard"
    with Stack(spec) as stack, StubProcess(profile="customerio", lane="a", port=port, seed=3) as stub:
        stub.control.set(FAULTS, seed=3)
        start = time.time()
        assert drive_mix(stub.url, seconds=6) > 100
        time.sleep(1.5)  # two more scrapes
        end = time.time()
        runner = PanelRunner(stack.prometheus, None, PROVISIONED, scrape_s=0.5)
        for board in boards:
            results = runner.run(board, start, end)
            assert results, board.file
            problems = [(r.target.panel_title, r.expr, r.error) for r in results if r.error or not r.has_data]
            assert problems == [], board.file
            variables = runner.variables(board, round(start * 1000), round(end * 1000))
            if "operation" in variables:  # the Customer.io dashboard's All: the operations Prometheus holds
                assert set(variables["operation"].resolved()) >= {"track", "identify"}
            assert all("$" not in r.expr for r in results), [r.expr for r in results]
