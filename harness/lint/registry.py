"""Every lint check, listed once, in the order ``--list-checks`` and the README table show them.

Adding a check: one module in :mod:`harness.lint.checks` (``ID``, ``CHECK``), one line here, its fixtures, and
``firedrill lint --list-checks --format markdown`` pasted into the README (a test compares them).
"""

from __future__ import annotations

import difflib

from harness.errors import InputError
from harness.lint.checks import (
    alerts_bool,
    alerts_comparison,
    alerts_for,
    alerts_runbook,
    alerts_severity,
    alerts_summary,
    alerts_template,
    dashboard_datasource,
    dashboard_inputs,
    dashboard_variable,
    drill_fault_selector,
    drill_for_budget,
    drill_receiver,
    drill_resolved_budget,
    drill_window_fill,
    promql_counter,
    promql_histogram,
    promql_impossible,
    promql_label,
    promql_label_value,
    promql_normalised_label,
    promql_range,
    promql_rate,
    promql_rate_sum,
    promql_renamed,
    promql_series,
    promql_syntax,
    promql_vector_matching,
    routes_config,
    routes_default,
    routes_dropped,
    rules_duplicate,
    rules_promtool,
    rules_shape,
    smells_rate_units,
    smells_self_ratio,
    smells_unreachable,
)
from harness.lint.checks.base import Check

CHECKS: tuple[Check, ...] = (
    rules_shape.CHECK,
    promql_syntax.CHECK,
    rules_promtool.CHECK,
    rules_duplicate.CHECK,
    alerts_severity.CHECK,
    alerts_summary.CHECK,
    alerts_runbook.CHECK,
    alerts_template.CHECK,
    alerts_for.CHECK,
    alerts_comparison.CHECK,
    alerts_bool.CHECK,
    promql_range.CHECK,
    promql_series.CHECK,
    promql_label.CHECK,
    promql_label_value.CHECK,
    promql_rate.CHECK,
    promql_rate_sum.CHECK,
    promql_counter.CHECK,
    promql_histogram.CHECK,
    promql_vector_matching.CHECK,
    promql_impossible.CHECK,
    promql_renamed.CHECK,
    promql_normalised_label.CHECK,
    smells_rate_units.CHECK,
    smells_self_ratio.CHECK,
    smells_unreachable.CHECK,
    dashboard_variable.CHECK,
    dashboard_datasource.CHECK,
    dashboard_inputs.CHECK,
    routes_config.CHECK,
    routes_default.CHECK,
    routes_dropped.CHECK,
    drill_fault_selector.CHECK,
    drill_for_budget.CHECK,
    drill_window_fill.CHECK,
    drill_receiver.CHECK,
    drill_resolved_budget.CHECK,
)
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


def selected(disable: list[str], enable: list[str]) -> frozenset[str]:
    """The ids that run: the default ones, less ``disable``, plus ``enable``; an unknown id raises InputError.

    >>> "alerts/runbook" in selected([], ["alerts/runbook"]), "promql/series" in selected(["promql/series"], [])
    (True, False)
    """
    for given, option in [(i, "--disable") for i in disable] + [(i, "--enable") for i in enable]:
        if given not in BY_ID:
            close = difflib.get_close_matches(given, sorted(BY_ID), n=1)
            hint = f"did you mean {close[0]}?" if close else "firedrill lint --list-checks lists them"
            raise InputError(f"{option} {given}: no such check; {hint}")
    return frozenset(c.id for c in CHECKS if (c.default or c.id in enable) and c.id not in disable)


def table() -> str:
    """The checks as a Markdown table (the README's lint table).

    >>> table().splitlines()[0]
    '| check | finds |'
    """
    rows = ["| check | finds |", "|---|---|"]
    rows += [f"| `{c.id}` | {_cell(c.description)} |" for c in CHECKS]
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def listing() -> str:
    """One line per check: id and description."""
    width = max(len(c.id) for c in CHECKS)
    return "\n".join(f"{c.id:<{width}}  {c.description}" for c in CHECKS)
