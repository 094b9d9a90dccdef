"""Lint judges rules for the Prometheus the drills run, with that Prometheus's own promtool: what Prometheus 3
reads differently is an error on 3 and a warning (it breaks on upgrade) on 2. Both majors are real programs here."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lint.model import LintReport
from harness.stack.spec import Component
from tests.conftest import programs_of_major
from tests.unit.lint_support import LINT, ROOT, run_lint

RULES = LINT / "prom3_alerts.yml"
GO_SERVICE = str(LINT / "prom3_go.prom")


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def lint_for(major: int, rules: Path = RULES) -> LintReport:
    return run_lint(rules=[rules], targets=[GO_SERVICE], prometheus=programs_of_major(major)[Component.PROMETHEUS])


def found(report: LintReport) -> list[tuple[int, str, str]]:
    return [(f.line, f.check, f.severity) for f in report.findings]


def test_on_3_the_old_function_name_is_an_error_naming_the_new_one() -> None:
    report = lint_for(3)
    (renamed,) = [f for f in report.findings if f.check == "promql/renamed"]
    assert (renamed.line, renamed.column, renamed.severity) == (7, 15, "error")
    assert "double_exponential_smoothing" in renamed.message
    assert "promql-experimental-functions" in (renamed.suggestion or "")
    # One finding for it: neither parser's "unknown function" complaint is repeated beside it.
    assert not [f for f in report.findings if f.check in ("promql/syntax", "rules/promtool")]
    assert report.notes[-1].startswith("rules judged for Prometheus 3.")


def test_on_2_the_old_name_is_valid_and_warned_about() -> None:
    report = lint_for(2)
    assert found(report) == [(7, "promql/renamed", "warning"), (12, "promql/normalised-label", "warning")]
    assert report.exit_code() == 0
    assert report.notes[-1].startswith("rules judged for Prometheus 2.")


def test_on_3_le_values_are_read_as_prometheus_3_stores_them() -> None:
    report = lint_for(3)
    (normalised,) = [f for f in report.findings if f.check == "promql/normalised-label"]
    assert normalised.line == 12 and normalised.severity == "error"
    assert normalised.suggestion == 'write le="1.0"'
    # The Go service exports le="1"; on 3 the stored le="1.0" is what rules must match, so the contract check
    # neither repeats the finding nor complains about the portable rule on line 18.
    assert not [f for f in report.findings if f.check.startswith("promql/label")]


def test_on_2_the_portable_fix_is_offered_and_holds() -> None:
    (normalised,) = [f for f in lint_for(2).findings if f.check == "promql/normalised-label"]
    assert normalised.suggestion == 'le=~"1|1\\\\.0" matches on both'


def test_a_rule_the_fix_applied_to_lints_clean_on_both(tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.yml"
    text = RULES.read_text().replace('le="1"', 'le=~"1|1\\\\.0"')
    fixed.write_text(text.replace("holt_winters(app_queue_depth[10m], 0.5, 0.5)", "deriv(app_queue_depth[10m])"))
    for major in (2, 3):
        assert lint_for(major, fixed).findings == [], major
