"""Time compression of alert rules: every duration divided by k, with notes where meaning changes.

The model: a drill's load runs at production *per-second* rates in wall-clock time, and only windows and
waits are shortened. Hence
- per-second functions (``rate``, ``irate``, ``deriv``, ``avg/min/max/quantile_over_time``, histograms of
  rates) return the same values over a k-times shorter window: rewritten, no note;
- window sums (``increase``, ``delta``) over a k-times shorter window are k times smaller, so an absolute
  threshold changes meaning; with ``scale_window_sums`` they are multiplied back by k;
- sample sums (``sum_over_time``, ``count_over_time``) scale with the number of samples in the window, which
  is k only while the scrape interval is exactly 15s/k (the plan floors it), so the factor is computed;
- ``predict_linear``'s horizon multiplies the per-second slope; with the slope preserved, the horizon is kept
  (``scale_horizons`` divides it by k, for stubs that replay production dynamics sped up);
- event counts (``changes``, ``resets``) and clock readings (``time``, ``timestamp``) cannot be rescaled:
  noted, k=1 recommended.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import promql_parser as pp
import yaml
from pydantic import BaseModel

from harness.drill.plan import DEFAULT_SCRAPE_S, MIN_INTERVAL_S, TimeScale
from harness.errors import InputError
from harness.promql.duration import format_duration, parse_duration_s
from harness.promql.expr import DurationRole, PromQLPrinter, format_number, top_level_comparison, unparen

if TYPE_CHECKING:
    from harness.drill.model import Scenario

Severity = Literal["info", "warning", "scaled", "changes-meaning"]

MIN_RANGE_S = 1.0
_WINDOW_SUMS = frozenset({"increase", "delta"})
_SAMPLE_SUMS = frozenset({"sum_over_time", "count_over_time"})
_EVENT_COUNTS = frozenset({"changes", "resets", "idelta"})
_CLOCK = frozenset({"time", "timestamp"})
_CALENDAR = frozenset(
    {"minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year"}
)


class CompressionNote(BaseModel):
    """Something the user should know about how a rule was compressed."""

    rule: str = ""
    severity: Severity
    message: str
    recommend_k1: bool = False


class CompressedExpr(BaseModel):
    """A rewritten expression and the notes produced while rewriting it."""

    expr: str
    notes: list[CompressionNote]


class _Compressor(PromQLPrinter):
    def __init__(
        self, k: float, scrape_prod_s: float, scale_window_sums: bool, scale_horizons: bool, min_range_s: float
    ) -> None:
        self.ts = TimeScale(k)
        self.scrape_prod_s = scrape_prod_s
        self.scrape_wall_s = self.ts.interval(scrape_prod_s)
        self.scale_window_sums = scale_window_sums
        self.scale_horizons = scale_horizons
        self.min_range_s = min_range_s
        self.notes: list[CompressionNote] = []

    def note(self, severity: Severity, message: str, recommend_k1: bool = False) -> None:
        self.notes.append(CompressionNote(severity=severity, message=message, recommend_k1=recommend_k1))

    def duration(self, seconds: float, role: DurationRole) -> float:
        if self.ts.k == 1:
            return seconds
        wall = round(self.ts.to_wall(seconds), 3)
        if role == "offset":
            self.note("info", f"offset {format_duration(seconds)} compressed to {format_duration(wall)}")
            return wall
        floor = self.min_range_s if role in ("range", "subquery_range") else MIN_INTERVAL_S
        if wall < floor:
            self.note(
                "warning",
                f"[{format_duration(seconds)}] would compress to {format_duration(wall)}; "
                f"floored at {format_duration(floor)}",
            )
            wall = floor
        if role == "range" and wall < 4 * self.scrape_wall_s:
            self.note(
                "warning",
                f"[{format_duration(seconds)}] compresses to {format_duration(wall)}, fewer than 4 scrapes at "
                f"{format_duration(self.scrape_wall_s)}; rate() may return nothing or jump",
            )
        return wall

    def _modifiers(self, offset: Any, at: pp.AtModifier | None) -> str:
        if at is not None and at.type == pp.AtModifierType.At and self.ts.k != 1:
            self.note("info", "@ <timestamp> is an absolute time and is left alone; the drill will not reach it")
        return super()._modifiers(offset, at)

    def call(self, node: pp.Call, args: list[str]) -> str:
        name = node.func.name
        k = self.ts.k
        text = super().call(node, args)
        if k == 1:
            return text
        if name in _WINDOW_SUMS:
            return self._scaled(text, name, k, "the window is k times shorter at the same per-second rate")
        if name in _SAMPLE_SUMS:
            factor = round(k * self.scrape_wall_s / self.scrape_prod_s, 6)
            why = (
                f"the window holds {format_number(factor)}x fewer samples "
                f"(scrape {format_duration(self.scrape_wall_s)} vs {format_duration(self.scrape_prod_s)})"
            )
            return text if factor == 1 else self._scaled(text, name, factor, why)
        if name == "predict_linear" and len(args) == 2:
            return self._horizon(node, args)
        if name in _EVENT_COUNTS:
            self.note(
                "changes-meaning",
                f"{name}() counts events in a window that is now {format_number(k)}x shorter; thresholds on it "
                "cannot be rescaled; verify with compress: 1",
                recommend_k1=True,
            )
        elif name in _CLOCK:
            self.note(
                "changes-meaning",
                f"{name}() reads the wall clock, which compression does not speed up; comparisons with it keep "
                "production seconds; verify with compress: 1",
                recommend_k1=True,
            )
        elif name in _CALENDAR:
            self.note("info", f"{name}() reads the wall-clock calendar; compression does not move it")
        return text

    def _scaled(self, text: str, name: str, factor: float, why: str) -> str:
        if not self.scale_window_sums:
            self.note(
                "changes-meaning",
                f"{name}() over a compressed window is smaller ({why}); its threshold changes meaning; "
                "enable scale_window_sums or verify with compress: 1",
                recommend_k1=True,
            )
            return text
        self.note(
            "scaled",
            f"{name}() multiplied by {format_number(factor)} ({why}); exact only for a steady rate over the window",
        )
        return f"({text} * {format_number(factor)})"

    def _horizon(self, node: pp.Call, args: list[str]) -> str:
        if not self.scale_horizons:
            self.note(
                "info",
                "predict_linear() horizon kept: it multiplies a per-second slope, which the drill preserves",
            )
            return f"predict_linear({args[0]}, {args[1]})"
        horizon = unparen(node.args[1])
        if isinstance(horizon, pp.NumberLiteral):
            new = format_number(round(horizon.val / self.ts.k, 3))
        else:
            new = f"({args[1]}) / {format_number(self.ts.k)}"
        self.note("info", f"predict_linear() horizon {args[1]} divided by {format_number(self.ts.k)}")
        return f"predict_linear({args[0]}, {new})"


def compress_expr(
    expr: str,
    k: float,
    *,
    scrape_interval_s: float = DEFAULT_SCRAPE_S,
    scale_window_sums: bool = True,
    scale_horizons: bool = False,
    min_range_s: float = MIN_RANGE_S,
) -> CompressedExpr:
    """Rewrite a PromQL expression for compression factor ``k``; the result is re-parsed to verify it.

    ``scrape_interval_s`` is the production scrape interval; label values are never touched.

    >>> compress_expr('rate(x{path="/a[5m]"}[5m]) > 1', 30).expr
    'rate(x{path="/a[5m]"}[10s]) > 1'
    """
    printer = _Compressor(k, scrape_interval_s, scale_window_sums, scale_horizons, min_range_s)
    text = printer.print(pp.parse(expr))
    pp.parse(text)  # a printer bug must fail here, not inside Prometheus
    return CompressedExpr(expr=text, notes=printer.notes)


class AlertRuleInfo(BaseModel):
    """What the judge needs to know about one alerting rule, in production and wall-clock terms."""

    alert: str
    group: str
    labels: dict[str, str] = {}
    expr: str
    original_expr: str
    for_s_prod: float
    for_s_wall: float
    keep_firing_for_s_prod: float = 0.0
    op: str | None = None
    threshold: float | None = None
    value_expr: str | None = None
    notes: list[str] = []


class CompressedRules(BaseModel):
    """A rewritten rule file: YAML text, notes per rule, and per-alert timing/threshold info."""

    yaml_text: str
    notes: list[CompressionNote]
    alerts: list[AlertRuleInfo]

    def alert(self, name: str, labels: dict[str, str] | None = None) -> AlertRuleInfo | None:
        """The first rule named ``name`` whose static labels agree with ``labels``."""
        return find_rule(self.alerts, name, labels)


def find_rule(rules: list[AlertRuleInfo], name: str, labels: dict[str, str] | None = None) -> AlertRuleInfo | None:
    """The first rule named ``name`` whose static labels do not contradict ``labels``."""
    for rule in rules:
        if rule.alert == name and all(rule.labels.get(key, v) == v for key, v in (labels or {}).items()):
            return rule
    return None


def _scale_field(rule: dict[str, Any], key: str, ts: TimeScale) -> tuple[float, float]:
    if key not in rule:
        return 0.0, 0.0
    prod = parse_duration_s(str(rule[key]))
    wall = round(ts.to_wall(prod), 3)
    rule[key] = format_duration(wall)
    return prod, wall


def compress_rules_text(
    text: str,
    k: float,
    scrape_interval_s: float = DEFAULT_SCRAPE_S,
    *,
    scale_window_sums: bool = True,
    scale_horizons: bool = False,
) -> CompressedRules:
    """Compress rule-file YAML text; see :func:`compress_rule_file`."""
    ts = TimeScale(k)
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise ValueError("rule file must be a mapping with a 'groups' list")
    notes: list[CompressionNote] = []
    alerts: list[AlertRuleInfo] = []
    for group in data["groups"]:
        if "interval" in group:
            group["interval"] = format_duration(ts.interval(parse_duration_s(str(group["interval"]))))
        _scale_field(group, "query_offset", ts)
        for rule in group.get("rules") or []:
            name = str(rule.get("alert") or rule.get("record") or "")
            original = str(rule["expr"]).strip()
            out = compress_expr(
                original,
                k,
                scrape_interval_s=scrape_interval_s,
                scale_window_sums=scale_window_sums,
                scale_horizons=scale_horizons,
            )
            rule["expr"] = out.expr
            rule_notes = [n.model_copy(update={"rule": name}) for n in out.notes]
            notes += rule_notes
            for_prod, for_wall = _scale_field(rule, "for", ts)
            keep_prod, _ = _scale_field(rule, "keep_firing_for", ts)
            if "alert" not in rule:
                continue
            cmp = top_level_comparison(out.expr)
            alerts.append(
                AlertRuleInfo(
                    alert=name,
                    group=str(group.get("name", "")),
                    labels={str(a): str(b) for a, b in (rule.get("labels") or {}).items()},
                    expr=out.expr,
                    original_expr=original,
                    for_s_prod=for_prod,
                    for_s_wall=for_wall,
                    keep_firing_for_s_prod=keep_prod,
                    op=cmp.op if cmp else None,
                    threshold=cmp.threshold if cmp else None,
                    value_expr=cmp.value_expr if cmp else None,
                    notes=[n.message for n in rule_notes],
                )
            )
    return CompressedRules(yaml_text=yaml.safe_dump(data, sort_keys=False), notes=notes, alerts=alerts)


def compress_rule_file(
    path: Path | str,
    k: float,
    scrape_interval_s: float = DEFAULT_SCRAPE_S,
    *,
    scale_window_sums: bool = True,
    scale_horizons: bool = False,
) -> CompressedRules:
    """Rewrite a Prometheus rule file for factor ``k``: group ``interval``, each ``expr``, ``for`` and
    ``keep_firing_for``; recording rules too. Comments are not preserved (the output is generated).

    >>> rules = compress_rule_file("fixtures/customerio/alerts.yml", 30)  # doctest: +SKIP
    >>> rules.alert("CioHighErrorRate").for_s_wall  # doctest: +SKIP
    10.0
    """
    return compress_rules_text(
        Path(path).read_text(),
        k,
        scrape_interval_s,
        scale_window_sums=scale_window_sums,
        scale_horizons=scale_horizons,
    )


def compress_scenario_rules(
    scenario: Scenario, k: float, work: Path
) -> tuple[list[Path], list[AlertRuleInfo], list[CompressionNote]]:
    """Each rule file rewritten for factor k into `work`, with per-alert timing info and compression notes."""
    rule_files: list[Path] = []
    rules_info: list[AlertRuleInfo] = []
    notes: list[CompressionNote] = []
    for index, rule_path in enumerate(scenario.rules):
        try:
            compressed = compress_rule_file(rule_path, k, scenario.scrape_interval)
        except ValueError as exc:
            raise InputError.at(str(rule_path), 0, f"cannot compress its rules ({exc}); run it with --compress 1") \
                from None  # fmt: skip
        out = work / f"{index:02d}-{rule_path.name}"
        out.write_text(compressed.yaml_text)
        rule_files.append(out)
        rules_info += compressed.alerts
        notes += compressed.notes
    return rule_files, rules_info, notes
