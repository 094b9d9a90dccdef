"""Grafana's Prometheus backend, emulated: step, $__rate_interval and the built-ins.

Cases are Grafana's own test tables, as named: pkg/promlib/models/prometheus_interval_test.go
(TestCalculatePrometheusInterval, TestCalculateRateInterval) and pkg/promlib/models/query_test.go (TestParse).
Each Go test builds a time range starting at "now"; only its length matters, so ranges here start at 0.
"""

from __future__ import annotations

import pytest

from harness.promql.grafana_backend import (
    HOUR,
    MINUTE,
    MS,
    BackendQuery,
    S,
    align,
    calculate_step,
    format_interval,
    go_duration_string,
    plan,
    rate_interval,
)

H48 = 48 * 3600 * 1000  # milliseconds
D2 = 2 * 24 * 3600 * 1000

# TestCalculatePrometheusInterval: (name, queryInterval, dsScrapeInterval, intervalMs, intervalFactor,
# range in ms, MaxDataPoints, want)
STEP_CASES = [
    ("use min step value when it's bigger than the calculated value", "10m", "", 300000, 1, H48, 761, 10 * MINUTE),
    ("use calculated value when min step value is smaller", "2m", "", 300000, 1, H48, 761, 5 * MINUTE),
    ("min step 2m with 900000 intervalMs", "2m", "", 900000, 1, H48, 175, 15 * MINUTE),
    ("with step parameter", "", "15s", 0, 1, 12 * 3600 * 1000, 0, 30 * S),
    ("without step parameter", "", "15s", 0, 1, 3600 * 1000, 0, 15 * S),
    ("with high intervalFactor", "", "15s", 0, 10, H48, 0, 20 * MINUTE),
    ("with low intervalFactor", "", "15s", 0, 1, H48, 0, 2 * MINUTE),
    ("with specified scrape-interval in data source", "", "240s", 0, 1, H48, 0, 4 * MINUTE),
    ("with zero intervalFactor defaults to 1", "", "15s", 0, 0, 3600 * 1000, 0, 15 * S),
    ("with $__interval variable", "$__interval", "15s", 60000, 1, H48, 0, 120 * S),
    ("with ${__interval} variable", "${__interval}", "15s", 60000, 1, H48, 0, 120 * S),
    ("with ${__interval} variable and explicit interval", "1m", "15s", 60000, 1, H48, 0, 2 * MINUTE),
    ("with $__rate_interval variable", "$__rate_interval", "30s", 100000, 1, D2, 12384, 130 * S),
    ("with ${__rate_interval} variable", "${__rate_interval}", "30s", 100000, 1, D2, 12384, 130 * S),
    ("intervalMs 100s, minStep override 150s and scrape interval 30s", "150s", "30s", 100000, 1, D2, 12384, 150 * S),
    ("intervalMs 120s, minStep override 150s and ds scrape interval 30s", "150s", "30s", 120000, 1, D2, 12384, 150 * S),
    ("intervalMs 120s, minStep auto (interval not overridden)", "120s", "30s", 120000, 1, D2, 12384, 120 * S),
    ("interval and minStep automatically calculated, 30s scrape, 1 hour", "30s", "30s", 30000, 1, 3600 * 1000, 12384,
     30 * S),
    ("minStep is $__rate_interval, ds scrape interval 30s, 1 hour", "$__rate_interval", "30s", 30000, 1, 3600 * 1000,
     12384, 2 * MINUTE),
    ("minStep is $__rate_interval, ds scrape interval 30s, 2 days", "$__rate_interval", "30s", 120000, 1, D2, 12384,
     150 * S),
    ("minStep is $__interval, ds scrape interval 15s, 2 days", "$__interval", "15s", 120000, 1, D2, 12384, 120 * S),
    ("with empty dsScrapeInterval defaults to 15s", "", "", 0, 1, 3600 * 1000, 0, 15 * S),
    ("with very short time range", "", "15s", 0, 1, 60 * 1000, 0, 15 * S),
    ("with very long time range", "", "15s", 0, 1, 30 * 24 * 3600 * 1000, 0, 30 * MINUTE),
    ("with manual interval override", "5m", "15s", 0, 1, H48, 0, 5 * MINUTE),
    ("minStep is auto and ds scrape interval 30s and time range 1 hour", "", "30s", 30000, 1, 3600 * 1000, 1613,
     30 * S),
    ("minStep is auto and ds scrape interval 15s and time range 5 minutes", "", "15s", 15000, 1, 300 * 1000, 1055,
     15 * S),
    ("with $__interval_ms variable", "$__interval_ms", "15s", 60000, 1, H48, 0, 120 * S),
    ("with ${__interval_ms} variable", "${__interval_ms}", "15s", 60000, 1, H48, 0, 120 * S),
    ("with MaxDataPoints zero", "", "15s", 0, 1, 3600 * 1000, 0, 15 * S),
    ("with negative intervalFactor", "", "15s", 0, -5, H48, 0, -10 * MINUTE),
    ("with very small MaxDataPoints", "", "15s", 0, 1, 3600 * 1000, 10, 5 * MINUTE),
    ("when safeInterval is larger than calculatedInterval", "", "15s", 0, 1, 3600 * 1000, 10000, 15 * S),
]  # fmt: skip


@pytest.mark.parametrize(("name", "interval", "ds", "interval_ms", "factor", "range_ms", "points", "want"), STEP_CASES)
def test_calculate_prometheus_interval(
    name: str, interval: str, ds: str, interval_ms: int, factor: int, range_ms: int, points: int, want: int
) -> None:
    query = BackendQuery("x", 0, range_ms, interval_ms=interval_ms, max_data_points=points, interval=interval,
                         interval_factor=factor)  # fmt: skip
    assert calculate_step(query, ds) == want, name


def test_an_invalid_min_step_is_refused() -> None:  # "with invalid interval string that fails parsing"
    with pytest.raises(ValueError):
        calculate_step(BackendQuery("x", 0, H48, interval="invalid-interval"), "15s")


# TestCalculateRateInterval: (queryInterval, requestedMinStep, want)
RATE_CASES = [
    (100 * S, "30s", 130 * S), (60 * S, "30s", 120 * S), (30 * S, "15s", 60 * S), (30 * S, "", 60 * S),
    (5 * MINUTE, "1m", 6 * MINUTE), (2 * MINUTE, "1m", 4 * MINUTE), (0, "30s", 120 * S), (10 * S, "30s", 120 * S),
    (10 * MINUTE, "30s", 630 * S), (10 * S, "5s", 20 * S), (100 * S, "invalid-interval", 0), (2 * HOUR, "1h", 4 * HOUR),
    (45 * S, "15s", 60 * S), (50 * S, "10s", 60 * S), (1 * MINUTE, "2m", 8 * MINUTE),
]  # fmt: skip


@pytest.mark.parametrize(("query_interval", "min_step", "want"), RATE_CASES)
def test_calculate_rate_interval(query_interval: int, min_step: str, want: int) -> None:
    assert rate_interval(query_interval, min_step) == want


# TestParse (query_test.go): (expr, Min step, intervalMs, range in ms, the expression Grafana sends Prometheus).
# The Go tests pass the request's interval separately from intervalMs; a real request carries one value for
# both, which is what intervalMs is here.
PARSE_CASES = [
    ('rate(ALERTS{job="test" [$__interval]})', "", 60000, H48, 'rate(ALERTS{job="test" [2m]})'),
    ('rate(ALERTS{job="test" [${__interval}]})', "1m", 60000, H48, 'rate(ALERTS{job="test" [2m]})'),
    ('rate(ALERTS{job="test" [$__interval_ms]})', "", 60000, H48, 'rate(ALERTS{job="test" [120000]})'),
    ('rate(ALERTS{job="test" [$__interval_ms]}) + rate(ALERTS{job="test" [$__interval]})', "", 60000, H48,
     'rate(ALERTS{job="test" [120000]}) + rate(ALERTS{job="test" [2m]})'),
    ('rate(ALERTS{job="test" [${__interval_ms}]}) + rate(ALERTS{job="test" [${__interval}]})', "", 60000, H48,
     'rate(ALERTS{job="test" [120000]}) + rate(ALERTS{job="test" [2m]})'),
    ('rate(ALERTS{job="test" [$__range]})', "", 0, H48, 'rate(ALERTS{job="test" [172800s]})'),
    ('rate(ALERTS{job="test" [$__range_s]})', "", 0, H48, 'rate(ALERTS{job="test" [172800]})'),
    ('rate(ALERTS{job="test" [${__range_s}s]})', "", 0, H48, 'rate(ALERTS{job="test" [172800s]})'),
    ('rate(ALERTS{job="test" [$__range_s]})', "", 0, 40, 'rate(ALERTS{job="test" [0]})'),
    ('rate(ALERTS{job="test" [$__range_s]})', "", 0, 800, 'rate(ALERTS{job="test" [1]})'),
    ('rate(ALERTS{job="test" [$__range_ms]})', "", 0, H48, 'rate(ALERTS{job="test" [172800000]})'),
    ('rate(ALERTS{job="test" [$__range_ms]})', "", 0, 20, 'rate(ALERTS{job="test" [20]})'),
    ('rate(ALERTS{job="test" [$__rate_interval]})', "5m", 60000, 300 * 1000, 'rate(ALERTS{job="test" [20m0s]})'),
    ('rate(ALERTS{job="test" [$__rate_interval]})', "$__rate_interval", 0, 300 * 1000,
     'rate(ALERTS{job="test" [1m0s]})'),
    ('rate(ALERTS{job="test" [$__rate_interval_ms]})', "", 120000, H48, 'rate(ALERTS{job="test" [135000]})'),
    ('rate(ALERTS{job="test" [$__rate_interval_ms]}) + rate(ALERTS{job="test" [$__rate_interval]})', "", 120000, H48,
     'rate(ALERTS{job="test" [135000]}) + rate(ALERTS{job="test" [2m15s]})'),
]  # fmt: skip


@pytest.mark.parametrize(("expr", "interval", "interval_ms", "range_ms", "want"), PARSE_CASES)
def test_parse_interpolates_like_grafana(expr: str, interval: str, interval_ms: int, range_ms: int, want: str) -> None:
    assert plan(BackendQuery(expr, 0, range_ms, interval_ms=interval_ms, interval=interval), "15s").expr == want


def test_parse_step_with_rate_interval_as_min_step() -> None:  # "... in expr and interval": Step is 1m
    query = BackendQuery("x", 0, 300 * 1000, interval="$__rate_interval")
    assert plan(query, "15s").step_s == 60


def test_printing_as_go_and_gtime_do() -> None:
    assert [go_duration_string(d) for d in (20 * MINUTE, 135 * S, 90 * MINUTE, 1500 * MS, 2500 * 1000)] == [
        "20m0s", "2m15s", "1h30m0s", "1.5s", "2.5ms",
    ]  # fmt: skip
    assert [format_interval(d) for d in (172800 * S, 90 * S, 999 * MS, 0)] == ["2d", "1m", "999ms", "1ms"]


def test_a_compressed_drill_gets_its_scrape_interval_back() -> None:
    # At x30 the datasource's timeInterval is 500ms: $__rate_interval is 4 x 0.5 s, the step 0.5 s.
    planned = plan(BackendQuery("rate(x[$__rate_interval])", 0, 20_000, interval_ms=500, max_data_points=1500), "500ms")
    assert (planned.expr, planned.step_s, planned.range, planned.instant) == ("rate(x[2s])", 0.5, True, False)
    # Without timeInterval Grafana falls back to 15s: the window the issue found Grafana's own panels using.
    assert plan(BackendQuery("rate(x[$__rate_interval])", 0, 20_000), "").expr == "rate(x[1m0s])"


def test_ranges_align_down_to_the_step_and_instants_do_not() -> None:
    planned = plan(BackendQuery("x", 1_000_700, 1_060_700, interval_ms=15000, instant=True, range=True), "15s")
    assert (planned.start_s, planned.end_s, planned.at_s) == (990.0, 1050.0, 1060.7)
    assert align(1_000_700, 0) == 1000.7
