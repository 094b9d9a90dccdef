"""promtool's complaints as file:line."""

from __future__ import annotations

from harness.promql.promtool import promtool_problem


def test_promtool_complaint_becomes_file_and_line() -> None:
    output = (
        "Checking r.yml\n  FAILED:\n"
        'r.yml: 5:11: group "g", rule 1, "A": could not parse expression: 1:14: parse error: unexpected end of input\n'
    )
    assert promtool_problem("r.yml", output) == (
        'r.yml:5: invalid rule: group "g", rule 1, "A": could not parse expression: 1:14: parse error: '
        "unexpected end of input"
    )
    assert promtool_problem("r.yml", "Checking r.yml\n  FAILED:\nr.yml: yaml: line 1: bad\n") == (
        "r.yml: invalid rule file: yaml: line 1: bad"
    )
