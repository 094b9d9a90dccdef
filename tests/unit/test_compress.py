"""Golden tests for time compression of PromQL, rule files and Alertmanager routes."""

from __future__ import annotations

import promql_parser as pp
import pytest
import yaml

from harness.drill.compress import compress_expr, compress_rules_text
from harness.drill.plan import CompressionPlan, TimeScale, compress_alertmanager_config
from harness.promql.duration import format_duration, parse_duration_s
from harness.promql.expr import normalize, top_level_comparison
from harness.stack.render import prometheus_flags

GOLDEN_K30 = [
    ("rate(x[5m])", "rate(x[10s])"),
    ("max_over_time(rate(x[5m])[30m:1m])", "max_over_time(rate(x[10s])[1m:2s])"),
    ("rate(x[5m] offset 1h)", "rate(x[10s] offset 2m)"),
    ("x @ 1600000000", "x @ 1600000000"),
    ("rate(x[5m] @ end())", "rate(x[10s] @ end())"),
    ("sum by (le) (rate(h_bucket[5m]))", "sum by (le) (rate(h_bucket[10s]))"),
    (
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 2",
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[10s]))) > 2",
    ),
    (
        "rate(a[5m]) / on (job) group_left (team) rate(b[5m])",
        "rate(a[10s]) / on (job) group_left (team) rate(b[10s])",
    ),
    ('rate(x{path="/a[5m]"}[5m])', 'rate(x{path="/a[5m]"}[10s])'),
    ("-rate(x[5m])", "-rate(x[10s])"),
    ("rate(x[5m]) > bool 0.5", "rate(x[10s]) > bool 0.5"),
    ("predict_linear(d[1h], 4 * 3600) < 0", "predict_linear(d[2m], 4 * 3600) < 0"),
    ("double_exponential_smoothing(x[1h], 0.5, 0.5)", "double_exponential_smoothing(x[2m], 0.5, 0.5)"),
    ("increase(x[1h]) > 100", "(increase(x[2m]) * 30) > 100"),
    ("delta(g[10m])", "(delta(g[20s]) * 30)"),
    ("count_over_time(x[10m]) < 5", "count_over_time(x[20s]) < 5"),
    ("rate(x[1h:])", "rate(x[2m:])"),
    ("avg_over_time(x[5m:30s] offset 10m)", "avg_over_time(x[10s:1s] offset 20s)"),
]


@pytest.mark.parametrize(("expr", "expected"), GOLDEN_K30)
def test_golden_k30(expr: str, expected: str) -> None:
    out = compress_expr(expr, 30).expr
    assert out == expected
    assert normalize(out) == out  # re-parses to the same tree


@pytest.mark.parametrize("expr", [e for e, _ in GOLDEN_K30] + ['x{a="we\\"ird\\\\"} unless ignoring (c) y'])
def test_k1_is_identity(expr: str) -> None:
    out = compress_expr(expr, 1)
    assert out.expr == normalize(expr)
    assert out.notes == []


def test_notes_for_meaning_changes() -> None:
    notes = compress_expr("changes(x[15m]) > 3", 30).notes
    assert [(n.severity, n.recommend_k1) for n in notes] == [("changes-meaning", True)]
    assert compress_expr("time() - x > 3600", 30).notes[0].recommend_k1
    unscaled = compress_expr("increase(x[1h]) > 100", 30, scale_window_sums=False)
    assert unscaled.expr == "increase(x[2m]) > 100"
    assert unscaled.notes[0].severity == "changes-meaning"
    assert compress_expr("increase(x[1h]) > 100", 30).notes[0].severity == "scaled"
    assert "absolute time" in compress_expr("x @ 100", 30).notes[0].message


def test_sample_sums_scale_with_floored_scrape() -> None:
    # k=60: scrape 15s/60 = 0.25s floors to 0.5s, so the window holds 2x fewer samples than in production.
    assert compress_expr("count_over_time(x[10m])", 60).expr == "(count_over_time(x[10s]) * 2)"


def test_range_floor_and_scrape_warning() -> None:
    out = compress_expr("rate(x[20s])", 30)
    assert out.expr == "rate(x[1s])"
    assert [n.severity for n in out.notes] == ["warning", "warning"]


def test_predict_linear_horizon_option() -> None:
    assert compress_expr("predict_linear(d[1h], 3600)", 30, scale_horizons=True).expr == ("predict_linear(d[2m], 120)")


def test_durations() -> None:
    assert parse_duration_s("1h30m") == 5400
    assert parse_duration_s("1500ms") == 1.5
    assert format_duration(1.5) == "1s500ms"
    assert format_duration(20) == "20s"
    for bad in ["5", "5 m", "1.5m", "", "m"]:
        with pytest.raises(ValueError):
            parse_duration_s(bad)


def test_top_level_comparison() -> None:
    cmp = top_level_comparison("rate(a[5m]) / rate(b[5m]) > 0.05")
    assert cmp is not None and (cmp.op, cmp.threshold) == (">", 0.05)
    assert cmp.value_expr == "rate(a[5m]) / rate(b[5m])"
    assert top_level_comparison("(1000 <= q)") is not None
    assert top_level_comparison("rate(x[5m])") is None


RULES = """
groups:
  - name: customerio
    interval: 30s
    rules:
      - record: job:rate5m
        expr: rate(customerio_requests_total[5m])
      - alert: CioHighErrorRate
        expr: >
          rate(customerio_requests_total{status="error"}[5m])
          / rate(customerio_requests_total[5m]) > 0.05
        for: 5m
        keep_firing_for: 1m
        labels: { severity: warning }
      - alert: CioQueueBacklog
        expr: increase(customerio_dropped_total[10m]) > 10
        for: 10m
"""


def test_compress_rules_text() -> None:
    out = compress_rules_text(RULES, 30)
    data = yaml.safe_load(out.yaml_text)
    group = data["groups"][0]
    assert group["interval"] == "1s"
    assert group["rules"][0]["expr"] == "rate(customerio_requests_total[10s])"
    err = group["rules"][1]
    assert (err["for"], err["keep_firing_for"]) == ("10s", "2s")
    pp.parse(err["expr"])
    info = out.alert("CioHighErrorRate", {"severity": "warning"})
    assert info is not None
    assert (info.for_s_prod, info.for_s_wall, info.op, info.threshold) == (300, 10, ">", 0.05)
    assert info.value_expr is not None and ">" not in info.value_expr
    backlog = out.alert("CioQueueBacklog")
    assert backlog is not None and backlog.notes and out.notes[0].rule == "CioQueueBacklog"


def test_plan_and_timescale() -> None:
    ts = TimeScale(30)
    assert (ts.to_wall(600), ts.to_prod(20)) == (20, 600)
    plan = CompressionPlan.for_k(30)
    assert (plan.scrape_interval_s, plan.evaluation_interval_s) == (0.5, 0.5)
    assert (plan.lookback_delta_s, plan.resend_delay_s, plan.for_grace_period_s) == (10, 2, 20)
    assert "--query.lookback-delta=10s" in prometheus_flags(plan.prometheus_settings())
    slow = CompressionPlan.for_k(1)
    assert (slow.scrape_interval_s, slow.lookback_delta_s) == (15, 300)
    with pytest.raises(ValueError):
        TimeScale(0.5)


def test_alertmanager_routes_scaled_recursively() -> None:
    text = """
global: {resolve_timeout: 5m}
route:
  receiver: default
  group_wait: 30s
  routes:
    - receiver: pager
      group_interval: 10m
      routes: [{receiver: deep, repeat_interval: 1h}]
receivers: [{name: default}, {name: pager}, {name: deep}]
"""
    data = yaml.safe_load(compress_alertmanager_config(text, 30))
    route = data["route"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("1s", "10s", "8m")
    pager = route["routes"][0]
    assert pager["group_interval"] == "20s" and pager["group_wait"] == "1s"
    assert pager["routes"][0]["repeat_interval"] == "2m" and pager["routes"][0]["group_interval"] == "20s"
    assert data["global"]["resolve_timeout"] == "10s"
    assert data["receivers"][1]["name"] == "pager"
