"""The metric contract: every metric and label a rule or panel selects exists in the target's exposition,
and is used as its type allows (``rate`` on counters, ``histogram_quantile`` on ``_bucket`` series with ``le``).

Names that exist because Prometheus makes them (``up``, ``scrape_*``, ``ALERTS``) or because a recording rule
records them are accepted without label checks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import promql_parser as pp

from harness.lint.exposition import TARGET_LABELS, Exposition, Series
from harness.lint.model import Finding, Query
from harness.lint.walk import LabelsOf, Selection, calls, descendants, find_token, output_labels, selections
from harness.promql.expr import PromQLPrinter

ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
_COUNTER_ONLY = frozenset({"rate", "irate", "increase"})
_GAUGE_ONLY = frozenset({"delta", "idelta", "deriv", "predict_linear"})
# Calls and aggregations under which a raw counter is fine: they do not compare its ever-growing value.
_RAW_COUNTER_OK_CALLS = frozenset({"absent", "absent_over_time", "timestamp", "changes", "resets"})
_RAW_COUNTER_OK_AGGS = frozenset({"count", "group", "count_values"})
_SYNONYMS = {"latency": "duration", "ms": "seconds", "milliseconds": "seconds", "msec": "seconds", "secs": "seconds"}
_ERROR_WORDS = frozenset({"errors", "error", "failures", "failed", "failure"})
_ERROR_VALUES = ("error", "errors", "failed", "failure", "fail", "5xx", "500")
_UNITS = frozenset({"seconds", "ms", "milliseconds", "bytes", "kilobytes", "megabytes", "percent", "ratio"})


def labels_function(expo: Exposition | None, recorded: Iterable[str] = ()) -> LabelsOf:
    """A ``labels_of`` for :func:`output_labels`: label names from the exposition, None when unknown."""
    skip = set(recorded) | ALERT_SERIES

    def labels_of(sel: pp.VectorSelector) -> frozenset[str] | None:
        if expo is None or not sel.name or sel.name in skip:
            return None
        return expo.labels_of(sel.name)

    return labels_of


def check_contract(query: Query, expo: Exposition, recorded: set[str]) -> list[Finding]:
    """Missing metrics (with did-you-mean), missing labels and values, and type misuse in one query.

    >>> from harness.lint.exposition import load_target
    >>> from harness.lint.model import TextSpan
    >>> q = Query("r.yml", "alert A", "rate(customerio_api_requests_total[5m]) > 1", TextSpan.at(1), pp.parse(
    ...     "rate(customerio_api_requests_total[5m]) > 1"))
    >>> check_contract(q, load_target("profile:customerio"), set())[0].suggestion
    'did you mean customerio_requests_total?'
    """
    findings: list[Finding] = []
    reported: set[str] = set()
    for sel in selections(query.node):
        name = sel.name
        if name is None or name in ALERT_SERIES or name in recorded:
            continue
        series = expo.series.get(name)
        if series is None:
            if name not in reported:
                reported.add(name)
                findings.append(_missing(query, name, expo))
            continue
        findings += _check_labels(query, sel, series)
        findings += _check_type(query, sel, series)
    findings += _check_grouping(query, labels_function(expo, recorded))
    return findings


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
    error_words = [t for t in tokens if t in _ERROR_WORDS]
    if error_words:
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


def _missing(query: Query, name: str, expo: Exposition) -> Finding:
    where = ", ".join(expo.sources)
    offset = find_token(query.text, name)
    family = [s for s in (f"{name}_bucket", f"{name}_total") if s in expo.series]
    if family:
        kind = "a histogram" if family[0].endswith("_bucket") else "a counter"
        exposed = f"{name}_bucket, {name}_sum or {name}_count" if kind == "a histogram" else family[0]
        return query.finding(
            "promql/series", "error", f"{name} is {kind} family: no series is named {name}", f"select {exposed}", offset
        )
    suggestion = did_you_mean(name, expo)
    hint = f"did you mean {suggestion}?" if suggestion else "check the metric name against the exposition"
    if suggestion:
        units = {t for t in name.split("_") if t in _UNITS}, {t for t in suggestion.split("_") if t in _UNITS}
        if units[0] and units[1] and units[0] != units[1]:
            hint += f" (its unit is {'/'.join(sorted(units[1]))}, not {'/'.join(sorted(units[0]))}: check thresholds)"
    return query.finding("promql/series", "error", f"{name} is not exported by {where}", hint, offset)


def _check_labels(query: Query, sel: Selection, series: Series) -> list[Finding]:
    findings = []
    known = series.labels | TARGET_LABELS | {"__name__"}
    for m in sel.matchers:
        offset = find_token(query.text, m.name, find_token(query.text, series.name))
        if m.name not in known:
            if _matches_empty(m):
                continue
            close = difflib.get_close_matches(m.name, sorted(series.labels), n=1)
            hint = f"did you mean {close[0]}?" if close else f"{series.name} has labels {_names(series.labels)}"
            findings.append(
                query.finding(
                    "promql/label",
                    "warning",
                    f"{series.name} has no label {m.name}: {_matcher(m)} matches nothing",
                    hint,
                    offset,
                )
            )
            continue
        seen = series.values.get(m.name)
        if not seen or m.name in TARGET_LABELS or m.op not in (pp.MatchOp.Equal, pp.MatchOp.Re) or _matches_empty(m):
            continue
        try:
            pattern = re.compile(m.value if m.op == pp.MatchOp.Re else re.escape(m.value))
        except re.error:
            continue  # RE2 syntax Python does not read; Prometheus would have said if it were invalid
        if not any(pattern.fullmatch(v) for v in seen):
            close = difflib.get_close_matches(m.value, sorted(seen), n=1, cutoff=0.5)
            hint = f'did you mean {m.name}="{close[0]}"?' if close else "check the label value"
            findings.append(
                query.finding(
                    "promql/label-value",
                    "warning",
                    f"{series.name}{{{_matcher(m)}}} matches none of the exported values {_names(seen)}",
                    hint,
                    offset,
                )
            )
    return findings


def _matches_empty(m: pp.Matcher) -> bool:
    """A matcher that an absent label satisfies (absent labels have the empty value)."""
    if m.op in (pp.MatchOp.NotEqual, pp.MatchOp.NotRe):
        return m.value != ""
    if m.op == pp.MatchOp.Equal:
        return m.value == ""
    try:
        return re.fullmatch(m.value, "") is not None
    except re.error:
        return False


def _matcher(m: pp.Matcher) -> str:
    return PromQLPrinter._matcher(m)


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "") if listed else "none"


def _check_type(query: Query, sel: Selection, series: Series) -> list[Finding]:
    call = sel.direct_call if sel.range_s is not None else None
    offset = find_token(query.text, series.name)
    if call in _COUNTER_ONLY and series.is_gauge:
        return [
            query.finding(
                "promql/rate",
                "error",
                f"{call}() on {series.name}, which is a {series.type}: "
                f"{call}() treats every decrease as a counter reset",
                "use deriv() or delta() for a gauge, or max_over_time()/avg_over_time()",
                find_token(query.text, call),
            )
        ]
    if call in _GAUGE_ONLY and series.is_counter:
        return [
            query.finding(
                "promql/rate",
                "warning",
                f"{call}() on counter {series.name} ignores counter resets (restarts)",
                "use rate() or increase()",
                find_token(query.text, call),
            )
        ]
    raw = sel.range_s is None and not sel.in_subquery
    raw = raw and not set(sel.calls) & _RAW_COUNTER_OK_CALLS and not set(sel.aggregations) & _RAW_COUNTER_OK_AGGS
    if raw and query.rule is not None and query.rule.kind == "alert" and series.is_counter:
        return [
            query.finding(
                "promql/counter",
                "warning",
                f"counter {series.name} is compared without rate(): "
                "its value only grows from the last restart, so the alert depends on uptime",
                f"compare rate({series.name}[5m]) or increase({series.name}[1h])",
                offset,
            )
        ]
    return []


def _check_grouping(query: Query, labels_of: LabelsOf) -> list[Finding]:
    findings = []
    for node in descendants(query.node):
        if not isinstance(node, pp.AggregateExpr) or node.modifier is None:
            continue
        if node.modifier.type != pp.AggModifierType.By:
            continue
        inner = output_labels(node.expr, labels_of)
        if inner is None:
            continue
        for label in node.modifier.labels:
            if label not in inner:
                findings.append(
                    query.finding(
                        "promql/label",
                        "warning",
                        f"{node.op} by ({label}): no series of the aggregated expression has label {label}",
                        f"its labels are {_names(inner)}",
                        find_token(query.text, label),
                    )
                )
    return findings


def check_histograms(query: Query, expo: Exposition | None, recorded: set[str]) -> list[Finding]:
    """``histogram_quantile`` over something that is not a classic histogram's ``_bucket`` series, or with
    ``le`` aggregated away (it then returns nothing). Needs no exposition for the ``le`` check.

    >>> from harness.lint.model import TextSpan
    >>> text = "histogram_quantile(0.9, sum by (op) (rate(x_bucket[5m])))"
    >>> [f.check for f in check_histograms(Query("f", "w", text, TextSpan.at(1), pp.parse(text)), None, set())]
    ['promql/histogram']
    """
    findings = []
    base = labels_function(expo, recorded)

    def with_le(sel: pp.VectorSelector) -> frozenset[str] | None:
        known = base(sel)
        if known is None and sel.name and sel.name.endswith("_bucket"):
            return frozenset({"le"})  # at least le; other labels unknown but irrelevant here
        return known

    for call in calls(query.node, "histogram_quantile"):
        if len(call.args) < 2:
            continue
        arg = call.args[1]
        for sel in selections(arg):
            findings += _histogram_source(query, sel, expo, recorded)
        labels = output_labels(arg, with_le)
        if labels is not None and "le" not in labels and _classic(arg, expo):
            findings.append(
                query.finding(
                    "promql/histogram",
                    "error",
                    "histogram_quantile() argument has no le label (the aggregation drops it), so it returns nothing",
                    "keep le in the aggregation: sum by (le, ...) (rate(x_bucket[5m]))",
                    find_token(query.text, "histogram_quantile"),
                )
            )
    return findings


def _classic(arg: pp.Expr, expo: Exposition | None) -> bool:
    """Whether the histogram in ``arg`` is a classic one (native histograms have no ``le``)."""
    names = [s.name for s in selections(arg) if s.name]
    return any(n.endswith("_bucket") or (expo is not None and n in expo.buckets) for n in names)


def _bucket_hint(name: str, expo: Exposition | None) -> str:
    buckets = sorted(expo.buckets) if expo is not None else []
    close = difflib.get_close_matches(name, buckets, n=1, cutoff=0.3)
    return f"select a histogram's _bucket series{f' (e.g. {close[0]})' if close else ''}"


def _histogram_source(query: Query, sel: Selection, expo: Exposition | None, recorded: set[str]) -> list[Finding]:
    name = sel.name
    if name is None or name.endswith("_bucket") or ":" in name or name in recorded:
        return []
    offset = find_token(query.text, name)
    series = expo.series.get(name) if expo is not None else None
    if series is not None and series.type == "summary":
        return [
            query.finding(
                "promql/histogram",
                "error",
                f"histogram_quantile() on {name}, which is a summary: summaries have no buckets",
                f'read its quantile series: {name}{{quantile="0.95"}}',
                offset,
            )
        ]
    if series is not None:
        return [
            query.finding(
                "promql/histogram",
                "error",
                f"histogram_quantile() on {name}, which is a {series.type}, not a histogram's _bucket series",
                _bucket_hint(name, expo),
                offset,
            )
        ]
    if expo is None:
        return [
            query.finding(
                "promql/histogram",
                "warning",
                f"histogram_quantile() on {name}, which is not a _bucket series (fine only for a native histogram)",
                f"select {name}_bucket if it is a classic histogram",
                offset,
            )
        ]
    return []
