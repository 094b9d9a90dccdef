"""promtool's complaints as file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import programs
from harness.errors import InputError
from harness.promql.promtool import check_rule_files, find_promtool, promtool_problem
from harness.stack.spec import Component
from tests.conftest import MAJORS, programs_of_major


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


@pytest.mark.parametrize("major", MAJORS)
def test_a_drill_checks_rules_with_the_promtool_of_its_prometheus(tmp_path: Path, major: int) -> None:
    rules = tmp_path / "trend.yml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: Trend\n    expr: holt_winters(x[10m], 0.5, 0.5) > 1\n")
    promtool = find_promtool(programs_of_major(major)[Component.PROMETHEUS])
    assert promtool is not None and programs.identify(promtool)[1].startswith(f"{major}.")  # type: ignore[index]
    if major == 2:
        check_rule_files([rules], promtool)  # Prometheus 2 knows holt_winters
        return
    with pytest.raises(InputError) as error:
        check_rule_files([rules], promtool)
    assert str(error.value).startswith(f"{rules}:5: invalid rule: ")
    assert "holt_winters" in str(error.value) and "call double_exponential_smoothing" in str(error.value)
