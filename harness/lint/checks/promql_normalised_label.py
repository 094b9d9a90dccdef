r"""``promql/normalised-label``: a matcher on ``le`` or ``quantile`` whose value Prometheus 3 stores normalised as
a float (a Go service's ``le="1"`` is ``le="1.0"`` on 3): it matches nothing on 3 (an error) and stops matching
on the upgrade (a warning on 2, with a regex that matches both forms, ``le=~"1|1\\.0"``)."""

from __future__ import annotations

import re

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query
from harness.promql.v3 import FLOAT_LABELS, normalised_float
from harness.promql.walk import find_token, selections

ID = "promql/normalised-label"
_OPS = ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"), (pp.MatchOp.NotRe, "!~"))


def run(query: Query, ctx: LintContext) -> list[Finding]:
    r"""Matchers on ``le``/``quantile`` with a value Prometheus 3 stores in another form.

    >>> from harness.lint.model import TextSpan
    >>> text = 'sum(rate(x_bucket{le="1"}[5m]))'
    >>> query = Query("f", "alert A", text, TextSpan.at(1), pp.parse(text))
    >>> [(f.severity, f.suggestion) for f in run(query, LintContext()) + run(query, LintContext(prometheus_major=2))]
    [('error', 'write le="1.0"'), ('warning', 'le=~"1|1\\\\.0" matches on both')]
    """
    findings = []
    for sel in selections(query.node):
        for m in sel.matchers:
            if m.name not in FLOAT_LABELS:
                continue
            negated = m.op == pp.MatchOp.NotEqual or m.op == pp.MatchOp.NotRe
            regex = m.op == pp.MatchOp.Re or m.op == pp.MatchOp.NotRe
            written_values = m.value.split("|") if regex else [m.value]
            stored_values = [normalised_float(v) for v in written_values]
            if stored_values == written_values or any(v is None for v in stored_values):
                continue
            stored = [v or "" for v in stored_values]
            op = next(text for kind, text in _OPS if m.op == kind)  # MatchOp is not hashable
            written, as_stored = f'{m.name}{op}"{m.value}"', f'{m.name}{op}"{"|".join(stored)}"'
            offset = find_token(query.text, m.name, find_token(query.text, sel.name) if sel.name else 0)
            if ctx.prometheus_major >= 3:
                message = (f"{written} matches nothing on Prometheus 3, which the drills run: it stores {as_stored} "
                           f"({m.name} values are normalised as floats)")  # fmt: skip
                findings.append(query.finding(ID, "error", message, f"write {as_stored}", offset))
            else:
                # A regex of both forms works on 2 and 3; a PromQL string doubles the regex's backslashes.
                both = "|".join(dict.fromkeys(v for w, s in zip(written_values, stored, strict=True)
                                              for v in (w, re.escape(s).replace("\\", "\\\\"))))  # fmt: skip
                message = f"{written} stops matching on Prometheus 3, which stores {as_stored}"
                fix = f'{m.name}{"!~" if negated else "=~"}"{both}" matches on both'
                findings.append(query.finding(ID, "warning", message, fix, offset))
    return findings


CHECK = Check(
    ID,
    'an le/quantile matcher Prometheus 3 stores normalised (le="1" is le="1.0"): an error on 3, a warning on 2',
    on_query=run,
)
