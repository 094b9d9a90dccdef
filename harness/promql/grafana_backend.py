"""What Grafana's Prometheus backend does to a panel query before it reaches Prometheus: the step, the built-in
interval and range variables, the aligned time range.

Written from Grafana's documented behaviour and its tests (``pkg/promlib/models/query.go`` and its tests
``prometheus_interval_test.go`` and ``query_test.go``, the SDK's ``gtime`` and ``intervalv2``), so that a panel
firedrill runs straight against Prometheus gets the query Grafana would have sent. Durations are integer
nanoseconds, as Go's ``time.Duration`` is, so rounding matches to the digit.

Example:
    >>> q = BackendQuery(expr="rate(x[$__rate_interval])", from_ms=0, to_ms=60_000, interval_ms=500)
    >>> plan(q, "500ms").expr, plan(q, "500ms").step_s
    ('rate(x[2s])', 0.5)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NS, US, MS, S = 1, 1_000, 1_000_000, 1_000_000_000
MINUTE, HOUR = 60 * S, 3600 * S
DAY, WEEK, YEAR = 24 * HOUR, 7 * 24 * HOUR, 365 * 24 * HOUR

DEFAULT_RESOLUTION = 1500  # data points when a request names no maxDataPoints
SAFE_RESOLUTION = 11000  # Prometheus refuses more than 11,000 points per series
DEFAULT_SCRAPE = "15s"  # the datasource's scrape interval when jsonData.timeInterval is unset

# Built-ins the backend substitutes, longest name first within each family (``$__interval_ms`` before
# ``$__interval``), in the order Grafana replaces them.
RATE_INTERVAL_NAMES = ("$__rate_interval", "${__rate_interval}")
INTERVAL_NAMES = ("$__interval", "${__interval}", "$__interval_ms", "${__interval_ms}")
BUILTINS = ("__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s",
            "__range_ms")  # fmt: skip

_GO_UNITS = {"ns": NS, "us": US, "µs": US, "μs": US, "ms": MS, "s": S, "m": MINUTE, "h": HOUR}
_GO_PART = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)")
_DATE_UNIT = re.compile(r"^(\d+)([dwMy])$")
_DATE_UNITS = {"d": DAY, "w": WEEK, "M": 30 * DAY, "y": YEAR}


def parse_go_duration(text: str) -> int:
    """Go's ``time.ParseDuration`` (decimal numbers with units, "1h30m", "1.5s"), in nanoseconds.

    >>> parse_go_duration("1m30s"), parse_go_duration("1.5s"), parse_go_duration("250ms")
    (90000000000, 1500000000, 250000000)
    """
    body, sign = text, 1
    if body[:1] in "+-":
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    if body == "0":
        return 0
    total, pos = 0.0, 0
    while pos < len(body):
        match = _GO_PART.match(body, pos)
        if match is None or match.group(1) in ("", "."):
            raise ValueError(f"invalid duration {text!r}")
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        pos = match.end()
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    return sign * round(total)


def parse_interval(text: str) -> int:
    """A Grafana interval string (Min step, ``timeInterval``), in nanoseconds: ``<``/``>`` dropped, a bare
    number is seconds, ``d``/``w``/``M``/``y`` allowed (gtime.ParseDuration).

    >>> parse_interval(">30s") == 30 * S, parse_interval("15") == 15 * S, parse_interval("1d") == DAY
    (True, True, True)
    """
    cleaned = text.replace("<", "", 1).replace(">", "", 1)
    if re.fullmatch(r"\d+", cleaned):
        cleaned += "s"
    date = _DATE_UNIT.match(cleaned)
    if date:
        return int(date.group(1)) * _DATE_UNITS[date.group(2)]
    return parse_go_duration(cleaned)


def go_duration_string(ns: int) -> str:
    """Go's ``time.Duration.String()``: how ``$__rate_interval`` is printed.

    >>> [go_duration_string(d) for d in (2 * S, 60 * S, 135 * S, 1500 * MS, 500 * MS, HOUR, 0)]
    ['2s', '1m0s', '2m15s', '1.5s', '500ms', '1h0m0s', '0s']
    """
    if ns == 0:
        return "0s"
    sign, value = ("-" if ns < 0 else ""), abs(ns)
    if value < S:
        for unit, size, digits in (("ms", MS, 6), ("µs", US, 3)):
            if value >= size:
                return sign + _with_fraction(value, size, digits) + unit
        return f"{sign}{value}ns"
    seconds, fraction = divmod(value, S)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = _with_fraction(secs * S + fraction, S, 9) + "s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _with_fraction(value: int, size: int, digits: int) -> str:
    whole, fraction = divmod(value, size)
    return f"{whole}.{str(fraction).rjust(digits, '0').rstrip('0')}" if fraction else str(whole)


def format_interval(ns: int) -> str:
    """gtime.FormatInterval: the largest whole unit, truncated (how ``$__interval`` is printed).

    >>> [format_interval(d) for d in (120 * S, 1500 * MS, 500 * MS, 36 * HOUR, 0)]
    ['2m', '1s', '500ms', '1d', '1ms']
    """
    for unit, size in (("y", YEAR), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", S), ("ms", MS)):
        if ns >= size:
            return f"{ns // size}{unit}"
    return "1ms"


# (upper bound, rounded value) in milliseconds: gtime.RoundInterval's table.
_ROUNDING_MS = [
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
    (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
    (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
    (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000), (32400000, 21600000),
    (86400000, 43200000), (172800000, 86400000), (604800000, 86400000), (1814400000, 604800000),
]  # fmt: skip


def round_interval(ns: int) -> int:
    """Snap a calculated interval to a "nice" one, as Grafana does (1.2 s -> 1 s, 40 s -> 30 s).

    >>> round_interval(1200 * MS) == S, round_interval(40 * S) == 30 * S, round_interval(227 * S) == 5 * MINUTE
    (True, True, True)
    """
    for bound_ms, rounded_ms in _ROUNDING_MS:
        if ns <= bound_ms * MS:
            return rounded_ms * MS
    return 2_592_000_000 * MS if ns < 3_628_800_000 * MS else YEAR


def rate_interval(query_interval: int, min_step: str) -> int:
    """``$__rate_interval``: max(interval + scrape, 4 x scrape), scrape being the Min step or the datasource's.

    >>> rate_interval(100 * S, "30s") == 130 * S, rate_interval(30 * S, "") == 60 * S
    (True, True)
    """
    try:
        scrape = parse_interval(min_step or DEFAULT_SCRAPE)
    except ValueError:
        return 0
    return max(query_interval + scrape, 4 * scrape)


def duration_text(seconds: float) -> str:
    """Seconds as an interval Grafana reads (a datasource's ``timeInterval``), to the millisecond.

    >>> duration_text(15), duration_text(0.5)
    ('15s', '500ms')
    """
    ms = max(1, round(seconds * 1000))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def frontend_interval_ms(range_ms: int, max_data_points: int, low_limit: str) -> int:
    """The ``intervalMs`` Grafana's frontend sends: the range over the panel's data points, rounded, at least
    the panel's Min interval or else the datasource's ``timeInterval`` (rangeutil.calculateInterval).

    >>> frontend_interval_ms(3_600_000, 1500, "15s"), frontend_interval_ms(20_000, 1500, "500ms")
    (15000, 500)
    """
    low = parse_interval(low_limit) // MS if low_limit else 1
    interval = round_interval(range_ms * MS // max(max_data_points, 1)) // MS
    return max(interval, low)


@dataclass(frozen=True)
class BackendQuery:
    """The fields of one ``/api/ds/query`` Prometheus query that decide what Grafana sends to Prometheus.

    ``expr`` has the dashboard's template variables already interpolated (the frontend's job); built-ins are
    still in it. ``interval`` is the target's Min step as written (it may be ``$__rate_interval``).
    """

    expr: str
    from_ms: int
    to_ms: int
    interval_ms: int = 0
    max_data_points: int = 0
    interval: str = ""
    interval_factor: int = 0
    instant: bool = False
    range: bool = False
    utc_offset_s: int = 0


@dataclass(frozen=True)
class PlannedQuery:
    """What Grafana's backend asks Prometheus: the final expression, the step, and the times.

    A query asking for neither an instant nor a range result runs as a range query; one asking for both runs
    both (Grafana returns the frames of each).
    """

    expr: str
    step_s: float
    instant: bool
    range: bool
    start_s: float  # the range query's start, aligned down to the step
    end_s: float  # the range query's end, aligned down to the step
    at_s: float  # the instant query's evaluation time: the request's end, unaligned


def calculate_step(query: BackendQuery, ds_scrape: str) -> int:
    """calculatePrometheusInterval: the step, in nanoseconds (Min step, intervalMs, the datasource's scrape
    interval, resolution and the 11,000-points limit; ``$__rate_interval`` as Min step makes it final).

    >>> day2 = 48 * 3600 * 1000
    >>> calculate_step(BackendQuery("x", 0, day2, interval_ms=300000, max_data_points=761, interval="10m"), "")
    600000000000
    """
    original = query.interval
    min_step = "" if query.interval in RATE_INTERVAL_NAMES + INTERVAL_NAMES or query.interval == "0s" else original
    if min_step:
        minimum = parse_interval(min_step)
    elif query.interval_ms:
        minimum = query.interval_ms * MS
    elif ds_scrape:
        minimum = parse_interval(ds_scrape)
    else:
        minimum = 15 * S
    span = (query.to_ms - query.from_ms) * MS
    resolution = query.max_data_points or DEFAULT_RESOLUTION
    calculated = span // resolution
    calculated = minimum if calculated < minimum else round_interval(calculated)
    safe = round_interval(span // SAFE_RESOLUTION)
    adjusted = max(calculated, safe)
    if original in RATE_INTERVAL_NAMES:
        return rate_interval(adjusted, ds_scrape)
    return adjusted * (query.interval_factor or 1)


def interpolate_builtins(query: BackendQuery, step: int, ds_scrape: str) -> str:
    """interpolateVariables: ``$__interval``, ``$__interval_ms``, ``$__range``, ``$__range_s``, ``$__range_ms``,
    ``$__rate_interval`` and ``$__rate_interval_ms`` (and their ``${...}`` forms) replaced in the expression.

    >>> q = BackendQuery("rate(x[$__rate_interval]) / $__range_s", 0, 300_000, interval="5m")
    >>> interpolate_builtins(q, 5 * MINUTE, "15s")
    'rate(x[20m0s]) / 300'
    """
    range_ms = query.to_ms - query.from_ms
    range_s = str(math.floor(range_ms / 1000 + 0.5))
    requested = query.interval
    if requested in RATE_INTERVAL_NAMES:
        rate = step
    else:
        if requested in ("$__interval", "${__interval}"):
            requested = go_duration_string(step)
        rate = rate_interval(query.interval_ms * MS, requested or ds_scrape)
    expr = query.expr
    for braced in (False, True):

        def name(n: str, braced: bool = braced) -> str:
            return "${" + n + "}" if braced else "$" + n

        expr = expr.replace(name("__interval_ms"), str(step // MS))
        expr = expr.replace(name("__interval"), format_interval(step))
        expr = expr.replace(name("__range_ms"), str(range_ms))
        expr = expr.replace(name("__range_s"), range_s)
        expr = expr.replace(name("__range"), range_s + "s")
        expr = expr.replace(name("__rate_interval_ms"), str(rate // MS))
        expr = expr.replace(name("__rate_interval"), go_duration_string(rate))
    return expr


def align(t_ms: int, step: int, utc_offset_s: int = 0) -> float:
    """AlignTimeRange: a time rounded down to a multiple of the step (shifted by the UTC offset), in seconds."""
    offset = utc_offset_s * S
    return (math.floor((t_ms * MS + offset) / step) * step - offset) / S if step > 0 else t_ms / 1000


def plan(query: BackendQuery, ds_scrape: str) -> PlannedQuery:
    """The Prometheus request Grafana's backend makes for ``query`` on a datasource whose ``timeInterval`` is
    ``ds_scrape`` ("" when unset). A query that is neither instant nor range runs as a range query.
    """
    step = calculate_step(query, ds_scrape)
    expr = interpolate_builtins(query, step, ds_scrape)
    run_range = query.range or not query.instant
    return PlannedQuery(
        expr=expr,
        step_s=step / S,
        instant=query.instant,
        range=run_range,
        start_s=align(query.from_ms, step, query.utc_offset_s),
        end_s=align(query.to_ms, step, query.utc_offset_s),
        at_s=query.to_ms / 1000,
    )
