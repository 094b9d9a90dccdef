"""``promql/label-value``: a matcher no exported value satisfies, or a ``job`` that is none of the targets'.

An error when the contract is complete, else a warning (a live exposition shows only the values seen so far).
"""

from __future__ import annotations

import difflib
import re

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.checks.promql_label import certainty
from harness.lint.contract import ALERT_SERIES, matches
from harness.lint.exposition import TARGET_LABELS
from harness.lint.model import Finding, Query
from harness.lint.names import matcher_text, matches_empty, names
from harness.promql.walk import find_token, selections

ID = "promql/label-value"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Matchers against the exported values of their label, and ``job`` matchers against the targets' jobs."""
    if ctx.contract is None:
        return []
    findings: list[Finding] = []
    for sel in selections(query.node):
        if sel.name in ALERT_SERIES or (sel.name and sel.name in ctx.recorded):
            continue
        view = ctx.contract.view(sel.selector)
        if view is None:
            jobs = [m for m in sel.matchers if m.name == "job"]
            complete = all(t.complete for t in ctx.contract.targets)
            findings.append(
                query.finding(
                    ID,
                    certainty(complete),
                    f"{', '.join(matcher_text(m) for m in jobs)} selects none of the targets' jobs "
                    f"({names(ctx.contract.jobs)}): {sel.name or 'the selector'} matches nothing",
                    "use the job the target is scraped as, or give --target JOB=... for it",
                    find_token(query.text, "job"),
                )
            )
            continue
        series = view.series(sel.name) if sel.name else None
        if series is None:
            continue
        for m in sel.matchers:
            seen = series.values.get(m.name)
            if not seen or m.name in TARGET_LABELS or m.op not in (pp.MatchOp.Equal, pp.MatchOp.Re):
                continue
            if matches_empty(m) or any(matches(m, v) for v in seen) or _unreadable(m):
                continue
            close = difflib.get_close_matches(m.value, sorted(seen), n=1, cutoff=0.5)
            findings.append(
                query.finding(
                    ID,
                    certainty(view.complete),
                    f"{series.name}{{{matcher_text(m)}}} matches none of the exported values {names(seen)}",
                    f'did you mean {m.name}="{close[0]}"?' if close else "check the label value",
                    find_token(query.text, m.name, find_token(query.text, series.name)),
                )
            )
    return findings


def _unreadable(m: pp.Matcher) -> bool:
    # RE2 syntax Python does not read: Prometheus would have said if it were invalid.
    try:
        re.compile(m.value)
    except re.error:
        return True
    return False


CHECK = Check(
    ID,
    "a label value no exported series has, or a job none of the targets is (an error when the contract is complete)",
    on_query=run,
)
