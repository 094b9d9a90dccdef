"""Grafana dashboards: every PromQL target parses once its variables are substituted, names only variables the
dashboard defines, points at a consistent Prometheus datasource, and every ``__inputs`` placeholder of a shared
export can be resolved to a datasource firedrill provisions (``dashboard/inputs``).

Targets come from :func:`harness.promql.dashboards.panel_queries` (the same substitution the drills run); their
lines are found in the JSON text, since ``json`` keeps no positions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import promql_parser as pp

from harness.errors import InputError
from harness.lint.checks import dashboard_datasource, dashboard_inputs, dashboard_variable, promql_syntax
from harness.lint.model import Finding, Query, Severity, TextSpan
from harness.lint.source import display_path, read_text
from harness.promql.dashboards import (
    Dashboard,
    builtin_variables,
    input_problems,
    panel_queries,
    substitute,
    template_defaults,
)
from harness.promql.walk import locate_parse_error

_EXPR = re.compile(r'"expr"\s*:\s*("(?:[^"\\]|\\.)*")')
_LEFTOVER_VAR = re.compile(r"\$\{(\w+)[^}]*\}|\[\[(\w+)[^\]]*\]\]|\$(\w+)")
_PROMETHEUS_TYPES = frozenset({"prometheus"})
_MIXED = "-- Mixed --"


@dataclass
class DashboardFile:
    """A loaded dashboard: its PromQL targets as queries, and what was wrong with them."""

    file: str
    queries: list[Query] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def load_dashboard(path: Path, scrape_s: float) -> DashboardFile:
    """Read a dashboard JSON and check its targets and datasources; unreadable JSON raises InputError.

    Variables are substituted as Grafana would for a one-hour view: ``$__rate_interval`` is 4x ``scrape_s``.

    >>> board = load_dashboard(Path("fixtures/customerio/dashboard.json"), 15.0)
    >>> len(board.queries), board.findings
    (9, [])
    """
    file = display_path(path)
    text = read_text(path, "dashboard")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{file}:{exc.lineno}: not valid JSON: {exc.msg}; fix the dashboard") from None
    if not isinstance(data, dict):
        raise InputError(f"{file}:1: not a dashboard (expected a JSON object with panels); fix the dashboard")
    model = data["dashboard"] if "dashboard" in data and "panels" not in data else data
    values = {**builtin_variables(scrape_s, 3600.0, scrape_s), **template_defaults(model)}
    out = DashboardFile(file)
    positions = _expr_positions(text, values)
    for pq in panel_queries(model, step_s=scrape_s, range_s=3600.0, scrape_s=scrape_s):
        spots = positions.get(pq.expr) or [(1, 1)]
        line, column = spots.pop(0) if len(spots) > 1 else spots[0]
        span = TextSpan.at(line, column)
        where = f'panel "{pq.panel_title}" ({pq.ref_id})'
        leftover = [m.group(1) or m.group(2) or m.group(3) for m in _LEFTOVER_VAR.finditer(pq.expr)]
        if leftover:
            out.findings.append(
                _finding(
                    file,
                    span,
                    dashboard_variable.ID,
                    "error",
                    f"{where}: ${leftover[0]} is not a variable of this dashboard",
                    f"define it under templating.list, or use one of "
                    f"{', '.join('$' + v for v in sorted(values)) or 'none'}",
                )
            )
            continue
        try:
            node = pp.parse(pq.expr)
        except (ValueError, TypeError) as exc:
            line, column = span.position(locate_parse_error(pq.expr, str(exc)))
            out.findings.append(
                _finding(
                    file,
                    TextSpan.at(line, column),
                    promql_syntax.ID,
                    "error",
                    f"{where}: expression does not parse (variables substituted): {exc}",
                    "fix the PromQL of this target",
                )
            )
            continue
        out.queries.append(Query(file, where, pq.expr, span, node))
    out.findings += _check_datasources(file, text, model)
    out.findings += _check_inputs(file, text, model)
    return out


def _check_inputs(file: str, text: str, model: dict[str, Any]) -> list[Finding]:
    """``__inputs`` entries a drill could not resolve (it would stop with the same message)."""
    findings = []
    for problem in input_problems(Dashboard(file, model, text)):
        message, _, fix = problem.message.partition("; ")
        findings.append(_finding(file, TextSpan.at(problem.line, 0), dashboard_inputs.ID, "error", message, fix))
    return findings


def _finding(file: str, span: TextSpan, check: str, severity: Severity, message: str, suggestion: str) -> Finding:
    return Finding(
        file=file,
        line=span.line,
        column=span.column or None,  # column 0: the whole line (datasource references)
        check=check,
        severity=severity,
        message=message,
        suggestion=suggestion,
    )


def _expr_positions(text: str, values: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
    """Substituted expression -> (line, column) of each ``"expr"`` string holding it, in file order."""
    found: dict[str, list[tuple[int, int]]] = {}
    for match in _EXPR.finditer(text):
        start = match.start(1)
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 2  # after the opening quote, 1-based
        found.setdefault(substitute(json.loads(match.group(1)), values), []).append((line, column))
    return found


def _panels(panels: list[Any]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel.get("panels") or [])


@dataclass(frozen=True)
class _DatasourceRef:
    key: str  # the uid, name or variable, as written
    type: str | None
    variable: str | None
    panel: str


def _ref(value: Any, panel: str) -> _DatasourceRef | None:
    if isinstance(value, str):
        key, kind = value, None
    elif isinstance(value, dict) and (value.get("uid") or value.get("type")):
        key, kind = str(value.get("uid") or value.get("type")), value.get("type")
    else:
        return None
    var = _LEFTOVER_VAR.fullmatch(key)
    return _DatasourceRef(key, kind, (var.group(1) or var.group(2) or var.group(3)) if var else None, panel)


def _check_datasources(file: str, text: str, model: dict[str, Any]) -> list[Finding]:
    """Undeclared datasource variables, PromQL on non-Prometheus datasources, more than one Prometheus."""
    declared = {
        str(v.get("name"))
        for v in (model.get("templating") or {}).get("list") or []
        if isinstance(v, dict) and v.get("type") == "datasource"
    }
    declared |= {str(i.get("name")) for i in model.get("__inputs") or [] if isinstance(i, dict)}
    findings: list[Finding] = []
    prometheus: list[_DatasourceRef] = []
    for panel in _panels(model.get("panels") or []):
        title = str(panel.get("title", ""))
        panel_ref = _ref(panel.get("datasource"), title)
        for target in panel.get("targets") or []:
            if not isinstance(target, dict) or not target.get("expr"):
                continue
            ref = _ref(target.get("datasource"), title) or panel_ref
            if ref is None or ref.key == _MIXED:
                continue
            span = TextSpan.at(_line_of(text, ref.key, _line_of(text, title)), 0)
            if ref.variable is not None and ref.variable not in declared:
                findings.append(
                    _finding(
                        file,
                        span,
                        dashboard_datasource.ID,
                        "error",
                        f'panel "{title}": datasource {ref.key} is not a datasource variable of this dashboard',
                        "declare it (templating.list, type datasource) or name the datasource",
                    )
                )
            elif ref.type is not None and ref.type not in _PROMETHEUS_TYPES:
                findings.append(
                    _finding(
                        file,
                        span,
                        dashboard_datasource.ID,
                        "error",
                        f'panel "{title}": PromQL target on a {ref.type} datasource ({ref.key})',
                        "point the target at the Prometheus datasource",
                    )
                )
            else:
                prometheus.append(ref)
    keys = list(dict.fromkeys(r.key for r in prometheus))
    if len(keys) > 1:
        odd = next(r for r in prometheus if r.key != keys[0])
        span = TextSpan.at(_line_of(text, odd.key, _line_of(text, odd.panel)), 0)
        findings.append(
            _finding(
                file,
                span,
                dashboard_datasource.ID,
                "warning",
                f'panel "{odd.panel}" queries datasource {odd.key} while other panels query {keys[0]}',
                "use one datasource variable (e.g. ${datasource}) for every panel",
            )
        )
    return findings


def _line_of(text: str, value: str, after_line: int = 1) -> int:
    """Line of the JSON string ``value`` at or after ``after_line`` (``after_line`` when absent)."""
    start = sum(len(line) + 1 for line in text.split("\n")[: max(after_line - 1, 0)])
    index = text.find(json.dumps(value), start)
    return text.count("\n", 0, index) + 1 if index >= 0 else after_line
