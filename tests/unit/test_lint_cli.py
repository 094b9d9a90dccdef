"""`firedrill lint` end to end: exit codes 0/1/2, --strict, scenario files, and the three output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from tests.unit.lint_support import LINT, ROOT


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_clean_scenarios_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "scenarios/customerio/error-burst.yaml", "scenarios/customerio/backlog.yaml"]) == 0
    out = capsys.readouterr().out
    # The drill scrapes the profile's stub as job customerio; lint checks job selectors against that.
    assert out.rstrip().endswith("0 errors, 0 warnings against customerio=profile:customerio")
    assert "CioQueueBacklog" in out and "pager-customerio" in out  # the routing table


def test_errors_exit_1_grouped_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", "--rules", str(LINT / "seed003_alerts.yml"), "--target", str(LINT / "seed003.prom"),
                 "--scrape-interval", "10s"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    # An annotation that claims what the expression does not compute is an error, not a warning.
    assert out.startswith("tests/fixtures/lint/seed003_alerts.yml\n  10:15   error  smells/rate-units")
    assert "6 errors, 0 warnings" in out


def test_warnings_fail_only_under_strict(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["lint", "--rules", str(LINT / "routes_alerts.yml"), "--alertmanager", str(LINT / "routes_alertmanager.yml")]
    assert main(args) == 0
    assert main([*args, "--strict"]) == 1
    assert "(--strict: warnings fail)" in capsys.readouterr().out


def test_github_format_is_workflow_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", "--rules", str(LINT / "seed001_alerts.yml"), "--target", "profile:customerio",
                 "--format", "github"])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0] == (
        "::error file=tests/fixtures/lint/seed001_alerts.yml,line=11,col=24,title=promql/series::alert "
        "CioHighErrorRate: customerio_api_errors_total is not exported by profile:customerio "
        '(fix: did you mean customerio_requests_total{status="error"}?)'
    )
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert len(lines) == 4


def test_github_format_escapes_percent_and_newlines() -> None:
    from harness.lint.model import Finding, LintReport
    from harness.lint.output import github

    finding = Finding(file="a,b.yml", line=2, check="smells/rate-units", severity="warning", message="5%\nx")
    assert github(LintReport(findings=[finding])) == "::warning file=a%2Cb.yml,line=2,title=smells/rate-units::5%25%0Ax"


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--rules", str(LINT / "seed000_alerts.yml"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["exit_code"] == 1 and data["errors"] == 1
    assert data["findings"][0] | {"message": "", "suggestion": ""} == {
        "file": "tests/fixtures/lint/seed000_alerts.yml",
        "line": 7,
        "column": 16,
        "check": "smells/self-ratio",
        "severity": "error",
        "message": "",
        "suggestion": "",
    }
    assert data["notes"][0].startswith("metric contract not checked")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "rule file not found; check the path"),
        ("groups:\n  - name: g\n    rules: [\n", ":4: YAML syntax error"),
    ],
)
def test_unreadable_inputs_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, fragment: str
) -> None:
    rules = tmp_path / "alerts.yml"
    if content is not None:
        rules.write_text(content)
    assert main(["lint", "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"firedrill: error: {rules}:") and fragment in err


def test_bad_scenario_and_nothing_to_lint_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "drill.yaml"
    scenario.write_text("name: x\ntarget: {profile: customerio}\nrules: [missing.yml]\nphases: []\n")
    assert main(["lint", str(scenario)]) == 2
    assert f"{scenario}:3: rule file missing.yml does not exist" in capsys.readouterr().err
    assert main(["lint"]) == 2
    assert "nothing to lint" in capsys.readouterr().err
    assert main(["lint", "--rules", str(LINT / "seed000_alerts.yml"), "--target", "profile:nope"]) == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err
