"""The check registry and the v2 checks: every check has a failing and a passing case, ids can be turned off
(options, inline comments), the README table is the registry's, targets per job, severity by certainty, the
drill checks, and SARIF."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.drill.model import load_scenario
from harness.lint import registry
from harness.lint.cli import add_arguments, inputs_from
from harness.lint.engine import lint
from harness.lint.exposition import _profile_metrics
from tests.unit.lint_support import CUSTOMERIO, LINT, ROOT, checks, markers, run_lint
from tests.unit.test_lint_contract import _serve

DRILLS = LINT / "drills"
ALL = [c.id for c in registry.CHECKS]
# Fixtures whose "# <- CHECK" markers are each check's failing case, and how each is linted.
FAILING = {
    LINT / "broken_rules.yml": {"targets": ["profile:customerio"]},
    LINT / "expressions_bad.yml": {"targets": ["profile:customerio"], "enable": ["alerts/runbook"]},
    LINT / "jobs_alerts.yml": {"targets": [f"app={LINT / 'seed003.prom'}", f"node={LINT / 'node.prom'}"]},
}
# Checks reported while inputs are read, or about routes: their failing cases are in their own tests.
ELSEWHERE = {
    "rules/shape": "test_lint_rules.py::test_shape_problems_name_the_key_and_line",
    "promql/syntax": "test_lint_rules.py::test_syntax_errors_have_line_and_column",
    "rules/promtool": "test_lint_rules.py::test_promtool_complaints_the_linter_does_not_make_are_placed",
    "dashboard/variable": "test_lint_dashboards.py::test_each_dashboard_check_reports_at_its_panel",
    "dashboard/datasource": "test_lint_dashboards.py::test_each_dashboard_check_reports_at_its_panel",
    "dashboard/inputs": "test_lint_dashboards.py::test_an_unresolvable_input_is_a_finding_at_its_use",
    "routes/config": "test_lint_routes.py::test_invalid_config_is_reported_at_the_line_amtool_points_to",
    "routes/default": "test_lint_routes.py::test_alerts_that_fall_to_the_default_or_reach_a_null_receiver",
    "routes/dropped": "test_lint_routes.py::test_alerts_that_fall_to_the_default_or_reach_a_null_receiver",
    # Errors on Prometheus 3, warnings on 2: judged on both majors there.
    "promql/renamed": "test_lint_prom3.py::test_on_3_the_old_function_name_is_an_error_naming_the_new_one",
    "promql/normalised-label": "test_lint_prom3.py::test_on_3_le_values_are_read_as_prometheus_3_stores_them",
}


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_every_check_has_a_failing_case() -> None:
    marked = {check for path in [*FAILING, DRILLS / "drill_bad.yaml"] for _, check in markers(ROOT / path)}
    assert marked | set(ELSEWHERE) == set(ALL), set(ALL) - marked - set(ELSEWHERE)
    assert len(ALL) == len(set(ALL))


def test_every_finding_of_the_fixtures_is_a_registered_check() -> None:
    report = run_lint(
        rules=[*FAILING, LINT / "broken_shape.yml", LINT / "broken_syntax.yml", LINT / "seed003_alerts.yml"],
        dashboards=[LINT / "broken_dashboard.json", LINT / "seed003_dashboard.json"],
        alertmanager=LINT / "routes_alertmanager.yml",
        targets=["profile:customerio"],
        scenarios=[load_scenario(ROOT / DRILLS / "drill_bad.yaml", aim_faults=False)],
        enable=ALL,
    )
    assert {f.check for f in report.findings} <= set(ALL)
    assert len({f.check for f in report.findings}) >= 25


@pytest.mark.parametrize("path", list(FAILING), ids=str)
def test_failing_fixtures_report_exactly_their_markers(path: Path) -> None:
    report = run_lint(rules=[path], **FAILING[path])  # type: ignore[arg-type]
    assert {(f.line, f.check) for f in report.findings} == set(markers(ROOT / path)), checks(report)


def test_passing_fixtures_are_clean_with_every_check_on() -> None:
    # The project's own rules, dashboard and routes, and the near misses of expressions_bad.yml.
    report = run_lint(
        rules=[CUSTOMERIO / "alerts.yml", LINT / "expressions_good.yml"],
        dashboards=[CUSTOMERIO / "dashboard.json"],
        alertmanager=CUSTOMERIO / "alertmanager.yml",
        targets=["profile:customerio"],
        enable=ALL,
    )
    assert report.findings == []
    assert (
        main(["lint", "--enable", ",".join(ALL), *map(str, sorted((ROOT / "scenarios/customerio").glob("*.yaml")))])
        == 0
    )


def test_drill_checks_at_the_expectation_lines(capsys: pytest.CaptureFixture[str]) -> None:
    bad = DRILLS / "drill_bad.yaml"
    assert main(["lint", str(bad), "--format", "json"]) == 1
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["file"] == str(bad)]
    assert {(f["line"], f["check"]) for f in findings} == set(markers(ROOT / bad))
    fill = next(f for f in findings if f["check"] == "drill/window-fill")
    # The README's arithmetic, shown: 5/8 of a 5m window, then for, a scrape and an evaluation.
    assert "8% against > 0.05 crosses it once 5/8 of the 5m window holds the faulty traffic (3m8s)" in fill["message"]
    assert fill["message"].endswith("for: 5m, one scrape (15s) and one evaluation (15s): 8m38s")
    receiver = next(f for f in findings if f["check"] == "drill/receiver")
    assert "to team-customerio" in receiver["message"] and receiver["suggestion"].startswith("expect receiver: team-")
    assert main(["lint", str(DRILLS / "drill_good.yaml")]) == 0


def test_inline_comments_disable_checks_on_one_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / LINT / "expressions_bad.yml").read_text()
    text = text.replace("      - alert: NoComparison\n", "      # firedrill: disable=alerts/comparison\n"
                        "      - alert: NoComparison\n")  # fmt: skip
    text = text.replace("> bool 100  # <- alerts/bool", "> bool 100  # firedrill: disable=alerts/bool")
    rules = tmp_path / "rules.yml"
    rules.write_text(text)
    report = run_lint(rules=[rules], targets=["profile:customerio"])
    found = {f.check for f in report.findings}
    assert not found & {"alerts/comparison", "alerts/bool"} and "promql/vector-matching" in found
    # On a scenario expectation: without the comment, the same drill warns.
    assert main(["lint", "--strict", str(DRILLS / "drill_disabled.yaml")]) == 0
    uncommented = tmp_path / "drill.yaml"
    text = (ROOT / DRILLS / "drill_disabled.yaml").read_text().replace("../../../../", f"{ROOT}/")
    uncommented.write_text(re.sub(r"\n\s*# firedrill: disable=.*", "", text))
    assert main(["lint", "--strict", str(uncommented)]) == 1
    assert "drill/window-fill" in capsys.readouterr().out


def test_unknown_ids_are_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--rules", str(CUSTOMERIO / "alerts.yml"), "--disable", "promql/serie"]) == 2
    assert "--disable promql/serie: no such check; did you mean promql/series?" in capsys.readouterr().err
    rules = tmp_path / "rules.yml"
    rules.write_text("groups:\n  - name: g\n    rules:\n      - alert: A  # firedrill: disable=alerts/sumary\n"
                     "        expr: up == 0\n        labels: {severity: warning}\n")  # fmt: skip
    assert main(["lint", "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"{rules}:4: unknown check 'alerts/sumary' in a firedrill: disable comment; "
                        "did you mean alerts/summary?")  # fmt: skip


def test_disable_and_enable_options() -> None:
    path = LINT / "expressions_bad.yml"
    default = {f.check for f in run_lint(rules=[path], targets=["profile:customerio"]).findings}
    assert "alerts/runbook" not in default and "promql/rate-sum" in default  # runbook is off by default
    less = run_lint(
        rules=[path], targets=["profile:customerio"], disable=["promql/rate-sum"], enable=["alerts/runbook"]
    )
    assert {f.check for f in less.findings} == default - {"promql/rate-sum"} | {"alerts/runbook"}


def test_list_checks_and_the_readme_table_are_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--list-checks"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ALL
    assert main(["lint", "--list-checks", "--format", "markdown"]) == 0
    table = capsys.readouterr().out.strip()
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- lint-checks:begin -->\n(.*?)\n<!-- lint-checks:end -->", readme, re.S)
    assert block is not None and block.group(1) == table, (
        "README's lint table differs from the registry: paste `firedrill lint --list-checks --format markdown` "
        "between the lint-checks markers"
    )


def test_severity_follows_the_certainty_of_the_contract(tmp_path: Path) -> None:
    saved = tmp_path / "customerio.prom"
    saved.write_text(_profile_metrics("customerio"))
    marked = tmp_path / "customerio-complete.prom"
    marked.write_text("# firedrill: complete\n" + saved.read_text())
    rules = LINT / "broken_rules.yml"

    def severities(**kwargs: object) -> set[tuple[str, str]]:
        report = run_lint(rules=[rules], **kwargs)  # type: ignore[arg-type]
        return {(f.check, f.severity) for f in report.findings if f.check in ("promql/label", "promql/label-value")}

    assert severities(targets=[str(saved)]) == {("promql/label", "warning"), ("promql/label-value", "warning")}
    certain = {("promql/label", "error"), ("promql/label-value", "error")}
    assert severities(targets=[str(marked)]) == certain
    assert severities(targets=[str(saved)], complete=True) == certain
    assert severities(targets=["profile:customerio"]) == certain


def test_seed003_with_the_node_target_suggests_node_exporters_name() -> None:
    targets = [f"app={LINT / 'seed003.prom'}", f"node={LINT / 'node.prom'}"]
    report = run_lint(rules=[LINT / "seed003_alerts.yml"], targets=targets, scrape_s=10)
    (memory,) = [f for f in report.findings if f.line == 204]
    assert memory.check == "promql/series" and memory.suggestion == "did you mean node_memory_MemTotal_bytes?"
    # ServiceDown selects job="client-escalation-calls", which is neither target's job.
    (down,) = [f for f in report.findings if f.line == 30]
    assert down.check == "promql/label-value" and "selects none of the targets' jobs (app, node)" in down.message


def test_sarif_is_code_scanning_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--rules", str(LINT / "seed001_alerts.yml"), "--target", "profile:customerio",
                 "--format", "sarif"]) == 1  # fmt: skip
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ALL
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "promql/series"
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/fixtures/lint/seed001_alerts.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 11, "startColumn": 24},
    }
    assert len(run["results"]) == 4


def test_every_scenarios_alertmanager_routes_its_own_rules(tmp_path: Path) -> None:
    for name, rules, config in (
        ("a", CUSTOMERIO / "alerts.yml", CUSTOMERIO / "alertmanager.yml"),
        ("b", LINT / "routes_alerts.yml", LINT / "routes_alertmanager.yml"),
    ):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\ntarget: {{profile: customerio}}\nrules: [{ROOT / rules}]\n"
            f"alertmanager: {ROOT / config}\nphases: [{{name: p, duration: 1m}}]\n"
        )
    report = lint(inputs_from(_args(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))))
    assert report.alertmanagers == [str(CUSTOMERIO / "alertmanager.yml"), str(LINT / "routes_alertmanager.yml")]
    by_config = {(row.config, row.alert) for row in report.routes}
    assert (str(LINT / "routes_alertmanager.yml"), "ForgotTeam") in by_config
    assert (str(CUSTOMERIO / "alertmanager.yml"), "CioQueueBacklog") in by_config
    assert (str(CUSTOMERIO / "alertmanager.yml"), "ForgotTeam") not in by_config


def test_a_url_target_is_linted_at_the_metrics_endpoint_the_drill_scrapes(tmp_path: Path) -> None:
    with _serve(ROOT / LINT / "seed003.prom") as url:
        scenario = tmp_path / "s.yaml"
        rules = ROOT / LINT / "seed003_alerts.yml"
        scenario.write_text(f"name: s\ntarget: {{url: '{url.removesuffix('/metrics')}'}}\nrules: [{rules}]\n"
                            "phases: [{name: p, duration: 1m}]\n")  # fmt: skip
        report = lint(inputs_from(_args(str(scenario))))
    assert report.targets == [f"target={url}"]  # {url}/metrics, under the job the drill scrapes it as
    assert any(f.check == "smells/rate-units" for f in report.findings)  # the exposition was read


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))
