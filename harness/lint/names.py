"""Naming helpers shared by the contract checks: "did you mean", matcher text, short lists of names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import promql_parser as pp

from harness.lint.exposition import Exposition, Series
from harness.promql.expr import PromQLPrinter

_SYNONYMS = {"latency": "duration", "ms": "seconds", "milliseconds": "seconds", "msec": "seconds", "secs": "seconds"}
_ERROR_WORDS = frozenset({"errors", "error", "failures", "failed", "failure"})
_ERROR_VALUES = ("error", "errors", "failed", "failure", "fail", "5xx", "500")


def did_you_mean(name: str, expo: Exposition) -> str | None:
    """The exported series closest to ``name``, as PromQL (a label filter added when that is the difference).

    Names are compared after mapping synonyms (``latency``/``duration``, ``ms``/``seconds``); only series of
    the same kind are candidates (a ``_bucket`` for a ``_bucket``). A name about errors is also tried as the
    matching requests metric with its error label value, the usual way errors are exported.

    >>> from harness.lint.exposition import load_target
    >>> did_you_mean("customerio_api_errors_total", load_target("profile:customerio"))
    'customerio_requests_total{status="error"}'
    """
    suffix = next((s for s in ("_bucket", "_sum", "_count", "_total") if name.endswith(s)), "")
    candidates = [n for n in expo.series if n.endswith(suffix) and not n.endswith("_created")]
    if suffix == "":
        candidates = [n for n in candidates if not n.endswith(("_bucket", "_sum", "_count"))]
    normal = {_normal(c): c for c in candidates}
    tokens = name.split("_")
    if any(t in _ERROR_WORDS for t in tokens):
        as_requests = "_".join("requests" if t in _ERROR_WORDS else t for t in tokens)
        match = difflib.get_close_matches(_normal(as_requests), list(normal), n=1, cutoff=0.75)
        if match:
            found = normal[match[0]]
            label = _error_label(expo.series[found])
            if label is not None:
                return f'{found}{{{label[0]}="{label[1]}"}}'
    match = difflib.get_close_matches(_normal(name), list(normal), n=1, cutoff=0.6)
    return normal[match[0]] if match else None


def _normal(name: str) -> str:
    return "_".join(_SYNONYMS.get(t, t) for t in name.split("_"))


def _error_label(series: Series) -> tuple[str, str] | None:
    for key, values in sorted(series.values.items()):
        for wanted in _ERROR_VALUES:
            if wanted in values:
                return key, wanted
    return None


def matches_empty(m: pp.Matcher) -> bool:
    """A matcher that an absent label satisfies (absent labels have the empty value)."""
    if m.op in (pp.MatchOp.NotEqual, pp.MatchOp.NotRe):
        return m.value != ""
    if m.op == pp.MatchOp.Equal:
        return m.value == ""
    try:
        return re.fullmatch(m.value, "") is not None
    except re.error:
        return False


def matcher_text(m: pp.Matcher) -> str:
    """``name="value"`` as PromQL writes it."""
    return PromQLPrinter._matcher(m)


def names(items: Iterable[str] | None) -> str:
    """Up to eight names, sorted, for messages; ``none`` for none."""
    listed = sorted(items or [])
    return ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "") if listed else "none"
