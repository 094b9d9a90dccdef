"""Rule checks: each has a failing case at the line marked in the fixture; the project's own rules lint clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lint.model import LintReport, TextSpan
from harness.lint.source import YamlSource, scalar_span
from harness.lint.templates import scan_template
from harness.stack.spec import Component
from tests.conftest import MAJORS, programs_of_major
from tests.unit.lint_support import CUSTOMERIO, LINT, ROOT, at, checks, markers, run_lint


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_project_rules_lint_clean_against_the_stub() -> None:
    report = run_lint(rules=[CUSTOMERIO / "alerts.yml"], targets=["profile:customerio"])
    assert report.findings == []
    assert report.exit_code() == 0


@pytest.fixture(scope="module")
def broken_rules() -> Iterator[LintReport]:
    # One lint for the whole parametrised set: it runs promtool and builds the stub's exposition.
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield run_lint(rules=[LINT / "broken_rules.yml"], targets=["profile:customerio"])


@pytest.mark.parametrize(("line", "check"), markers(ROOT / LINT / "broken_rules.yml"))
def test_each_rule_check_reports_at_its_line(broken_rules: LintReport, line: int, check: str) -> None:
    assert at(broken_rules, LINT / "broken_rules.yml", line, check), (line, check, checks(broken_rules))


def test_broken_rules_report_nothing_unmarked(broken_rules: LintReport) -> None:
    expected = set(markers(ROOT / LINT / "broken_rules.yml"))
    assert {(f.line, f.check) for f in broken_rules.findings} == expected


def test_syntax_errors_have_line_and_column() -> None:
    report = run_lint(rules=[LINT / "broken_syntax.yml"])
    syntax = [(f.line, f.column) for f in report.findings if f.check == "promql/syntax"]
    # The unclosed "(" of a block scalar, and the second ">" of a one-line expression (column from promtool).
    assert syntax == [(6, 30), (11, 53)]
    assert "unexpected" in report.findings[-1].message


def test_shape_problems_name_the_key_and_line() -> None:
    report = run_lint(rules=[LINT / "broken_shape.yml"])
    shape = [(f.line, f.message.split(":")[0]) for f in report.findings if f.check == "rules/shape"]
    assert shape == [
        (4, "groups[0].rules[0].expr"),
        (8, "groups[0].rules[1].severity"),
        (9, "groups[0].rules[2]"),
        (14, "groups[0].rules[3].for"),
    ]
    # promtool's "not a valid duration" names no line; it is the same problem as line 14's, so it is dropped.
    assert not [f for f in report.findings if f.check == "rules/promtool"]


@pytest.mark.parametrize("major", MAJORS)
def test_promtool_complaints_the_linter_does_not_make_are_placed(tmp_path: Path, major: int) -> None:
    rules = tmp_path / "r.yml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"
        '        labels: {"bad-name": x, severity: warning}\n        annotations: {summary: s}\n'
        "  - name: g\n    rules:\n      - record: job:up\n        expr: up\n"
    )
    report = run_lint(rules=[rules], prometheus=programs_of_major(major)[Component.PROMETHEUS])
    found = [(f.line, f.check, f.message.split(":")[-1].strip()) for f in report.findings]
    # Prometheus 3 allows UTF-8 label names; its promtool names no line for the repeated group, the linter does.
    assert found == [(4, "rules/promtool", "bad-name")] * (major == 2) + [
        (8, "rules/promtool", '"g" is repeated in the same file')
    ]


def test_template_scanner() -> None:
    scan = scan_template('{{ range $i, $s := query "up" }}{{ $s.Labels.job }}{{ end }} {{ $labels.instance }}')
    assert scan.problems == [] and [r.name for r in scan.labels] == ["instance"]
    bad = scan_template("{{ $labels.job | tolower }} {{ if $value }} {{ $nope }} {{ .Labels.x")
    assert [p.message for p in bad.problems] == [
        'function "tolower" not defined',
        "undefined variable $nope",
        "unclosed action: {{ without }}",
        "{{ if }} is never closed with {{ end }}",
    ]
    assert bad.problems[0].suggestion == "did you mean toLower?"


def test_block_scalar_offsets_map_to_file_lines() -> None:
    source = YamlSource.load(CUSTOMERIO / "alerts.yml", "rule file")
    node = source.doc.find(("groups", 0, "rules", 0, "expr"))
    span = scalar_span(source.lines, node)  # type: ignore[arg-type]
    text = source.doc.data["groups"][0]["rules"][0]["expr"]
    second_line = text.index("/ sum")
    line, column = span.position(second_line)
    assert source.lines[line - 1][column - 1 :].startswith("/ sum")
    assert TextSpan.at(3, 5).position(2) == (3, 7)


def test_duplicate_alerts_across_files_are_reported(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yml"
    copy.write_text((CUSTOMERIO / "alerts.yml").read_text())
    report = run_lint(rules=[CUSTOMERIO / "alerts.yml", copy])
    duplicates = [f for f in report.findings if f.check == "rules/duplicate"]
    assert len(duplicates) == 6 and all(f.file == str(copy) for f in duplicates)
    assert "first at fixtures/customerio/alerts.yml:" in duplicates[0].message
