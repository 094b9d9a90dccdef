"""Routes: amtool validates the config, and every alert's labels are routed through it."""

from __future__ import annotations

import pytest

from tests.unit.lint_support import CUSTOMERIO, LINT, ROOT, checks, run_lint


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_project_routes_send_warnings_to_the_team_and_criticals_to_the_pager() -> None:
    report = run_lint(rules=[CUSTOMERIO / "alerts.yml"], alertmanager=CUSTOMERIO / "alertmanager.yml")
    assert report.findings == []
    table = {row.alert: (row.receivers, row.default_only) for row in report.routes}
    assert table == {
        "CioHighErrorRate": (["team-customerio"], True),
        "CioHighLatency": (["team-customerio"], True),
        "CioHighLatencyP99": (["pager-customerio"], False),
        "CioQueueBacklog": (["pager-customerio"], False),
        "CioHighBounceRate": (["team-customerio"], True),
        "CioWebhookProcessingFailures": (["team-customerio"], True),
    }


def test_alerts_that_fall_to_the_default_or_reach_a_null_receiver() -> None:
    rules = LINT / "routes_alerts.yml"
    report = run_lint(rules=[rules], alertmanager=LINT / "routes_alertmanager.yml")
    assert checks(report) == [(str(rules), 9, "routes/default"), (str(rules), 13, "routes/dropped")]
    assert "no team label" in report.findings[0].message
    assert {row.alert: row.receivers for row in report.routes} == {
        "RoutedToTeam": ["team-payments"],
        "ForgotTeam": ["default"],
        "Paged": ["pager", "blackhole"],
    }


def test_invalid_config_is_reported_at_the_line_amtool_points_to() -> None:
    config = LINT / "broken_alertmanager.yml"
    report = run_lint(rules=[CUSTOMERIO / "alerts.yml"], alertmanager=config)
    assert checks(report) == [(str(config), 5, "routes/config")]
    assert 'undefined receiver "pagerduty-oncall"' in report.findings[0].message
    assert report.routes == []
