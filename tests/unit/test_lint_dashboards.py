"""Dashboard checks: variables, parsing after substitution, metrics, windows and datasources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.lint.dashboards import load_dashboard
from harness.lint.source import InputError
from tests.unit.lint_support import CUSTOMERIO, LINT, ROOT, checks, run_lint


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_project_dashboard_lints_clean_against_the_stub() -> None:
    report = run_lint(dashboards=[CUSTOMERIO / "dashboard.json"], targets=["profile:customerio"])
    assert report.findings == []


def test_each_dashboard_check_reports_at_its_panel() -> None:
    path = LINT / "broken_dashboard.json"
    report = run_lint(dashboards=[path], targets=["profile:customerio"])
    file = str(path)
    # Target findings are on the target's line; datasource findings on the panel's "datasource" line above it.
    assert checks(report) == [
        (file, _line(path, "Undefined variable"), "dashboard/variable"),
        (file, _line(path, "Does not parse"), "promql/syntax"),
        (file, _line(path, "Missing metric"), "promql/series"),
        (file, _line(path, "Short window"), "promql/range"),
        (file, _line(path, "PromQL on Loki") - 1, "dashboard/datasource"),
        (file, _line(path, "Undeclared datasource variable") - 1, "dashboard/datasource"),
        (file, _line(path, "Another Prometheus") - 1, "dashboard/datasource"),
    ]
    severities = {f.message.split(":")[0]: f.severity for f in report.findings}
    assert severities['panel "Another Prometheus" queries datasource prom-b while other panels query prom'] == "warning"
    # $__rate_interval is substituted (4x scrape) before parsing, so the missing-metric panel parses.
    assert "customerio_requests_total" in (report.findings[2].suggestion or "")


def test_queries_point_into_the_json_text() -> None:
    board = load_dashboard(ROOT / CUSTOMERIO / "dashboard.json", 15.0)
    text = (ROOT / CUSTOMERIO / "dashboard.json").read_text().splitlines()
    for query in board.queries:
        line = text[query.span.line - 1]
        assert line[query.span.column - 2] == '"', (query.where, line)
    assert board.queries[0].text.endswith("[1m0s]))")  # $__rate_interval at a 15s scrape, printed as Grafana does


def test_invalid_json_is_an_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "d.json"
    broken.write_text('{"panels": [\n  {"title": "x",\n}')
    with pytest.raises(InputError, match=r"d.json:3: not valid JSON"):
        load_dashboard(broken, 15.0)


def _line(path: Path, title: str) -> int:
    """The line of the target of the panel titled ``title`` (the line after its title in these fixtures)."""
    lines = (ROOT / path).read_text().splitlines()
    index = next(i for i, s in enumerate(lines) if json.dumps(title) in s)
    return index + 2


def test_an_unresolvable_input_is_a_finding_at_its_use() -> None:
    path = ROOT / "tests/fixtures/dashboards/shared_export.json"
    board = load_dashboard(path, 15.0)
    inputs = [f for f in board.findings if f.check == "dashboard/inputs"]
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if '"${DS_LOKI}"' in s)
    assert [(f.line, f.severity) for f in inputs] == [(line, "error")]
    assert inputs[0].message.startswith("__inputs DS_LOKI needs a loki datasource")
    # The resolvable ones are not findings, and the Prometheus panel is linted with its inputs resolved.
    assert [q.where for q in board.queries] == ['panel "Requests" (A)']
    assert 'job="customerio"' in board.queries[0].text
