"""Rules judged for the Prometheus the drills run: which one (its major and its promtool), its exposition as it
stores it, and the findings the Prometheus 3 checks (``promql/renamed``, ``promql/normalised-label``) supersede.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from harness import programs
from harness.lint.checks import promql_label_value, promql_normalised_label, promql_renamed
from harness.lint.contract import Contract
from harness.lint.exposition import Exposition
from harness.lint.model import Finding, Rule
from harness.promql.promtool import find_promtool
from harness.promql.v3 import normalised_float, renamed_calls


@dataclass(frozen=True)
class PrometheusTarget:
    """The Prometheus the rules are judged for: its major and its promtool (None when none is installed).

    >>> PrometheusTarget(3, "/usr/local/bin/promtool-3.16.0", "3.16.0").describe()
    'Prometheus 3.16.0 (promtool-3.16.0)'
    """

    major: int
    promtool: str | None
    version: str | None = None

    def describe(self) -> str:
        tool = f"({Path(self.promtool).name})" if self.promtool else "(no promtool installed: `promtool check` skipped)"
        return f"Prometheus {self.version or self.major} {tool}"


def prometheus_target(explicit: str | None = None) -> PrometheusTarget:
    """The Prometheus the drills would run (``explicit``, FIREDRILL_PROMETHEUS_BIN or the newest), with its
    promtool; with no Prometheus installed, the newest promtool's major; with neither, 3 (current)."""
    server = programs.chosen("prometheus", explicit)
    if server is not None and server.major is not None:
        return PrometheusTarget(server.major, find_promtool(server.path), server.version)
    tool = programs.newest("promtool")
    if tool is not None and tool.major is not None:
        return PrometheusTarget(tool.major, tool.path, tool.version)
    return PrometheusTarget(3, None)


def without_superseded(findings: list[Finding], rule: Rule) -> list[Finding]:
    """``findings`` less the parsers' "unknown function" complaints about renamed calls in ``rule``
    (``promql/renamed`` says it better, and Prometheus 2 accepts the old name)."""
    names = [old for _, old, _ in renamed_calls(rule.expr)]
    if not names:
        return findings
    first, last = rule.expr_span.line, rule.expr_span.line + rule.expr.count("\n")

    def superseded(f: Finding) -> bool:
        unknown = any(f"name '{old}'" in f.message or f'name "{old}"' in f.message for old in names)
        return f.file == rule.file and first <= f.line <= last and f.check != promql_renamed.ID and unknown

    return [f for f in findings if not superseded(f)]


def without_restated(findings: list[Finding]) -> list[Finding]:
    """``findings`` less a ``promql/label-value`` finding where ``promql/normalised-label`` explains the same
    matcher."""
    normalised = {(f.file, f.line, f.column) for f in findings if f.check == promql_normalised_label.ID}
    return [f for f in findings if f.check != promql_label_value.ID or (f.file, f.line, f.column) not in normalised]


def as_stored(contract: Contract | None, major: int) -> Contract | None:
    """The contract as Prometheus ``major`` stores what it scrapes: on 3, histogram ``le`` and summary
    ``quantile`` values normalised (a Go service's ``le="1"`` is ``le="1.0"``)."""
    if contract is None or major < 3:
        return contract
    return Contract(tuple(replace(t, expo=_normalised(t.expo)) for t in contract.targets))


def _normalised(expo: Exposition) -> Exposition:
    series = {}
    for name, s in expo.series.items():
        label = "le" if s.type == "histogram" and s.role == "bucket" else "quantile" if s.type == "summary" else None
        if label is not None and label in s.values:
            values = dict(s.values)
            values[label] = frozenset(normalised_float(v) or v for v in s.values[label])
            s = replace(s, values=values)
        series[name] = s
    return replace(expo, series=series)
