"""The time scale of a drill: production durations divided by the compression factor k.

Wall-clock intervals are floored at :data:`MIN_INTERVAL_S` (0.5 s). Prometheus timestamps have millisecond
resolution, but below half a second the scrape and rule-evaluation loops of Prometheus plus the stub, Locust
and Alertmanager start competing for the two CPU cores a drill runs on, evaluations slip, and alert timings
measure scheduler noise instead of the rules. Floors mean that at high k the scrape interval is no longer
exactly 15s/k; functions that count samples (``count_over_time``) are scaled with that in mind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from harness.promql.duration import format_duration, parse_duration_s
from harness.stack.spec import PrometheusSettings

MIN_INTERVAL_S = 0.5
DEFAULT_SCRAPE_S = 15.0
DEFAULT_EVALUATION_S = 15.0


@dataclass(frozen=True)
class TimeScale:
    """Converts between production seconds and wall-clock seconds for a compression factor ``k``.

    >>> ts = TimeScale(30)
    >>> ts.to_wall(600), ts.to_prod(20)
    (20.0, 600.0)
    """

    k: float

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"compression factor must be >= 1, got {self.k}")

    def to_wall(self, prod_seconds: float) -> float:
        """Wall-clock seconds for a production duration."""
        return float(prod_seconds / self.k)

    def to_prod(self, wall_seconds: float) -> float:
        """Production-equivalent seconds for a wall-clock duration."""
        return float(wall_seconds * self.k)

    def interval(self, prod_seconds: float, floor_s: float = MIN_INTERVAL_S) -> float:
        """A loop interval in wall-clock seconds: compressed, rounded to ms, never below ``floor_s``."""
        return max(floor_s, round(self.to_wall(prod_seconds), 3))

    def intervals(
        self, scrape_prod_s: float = DEFAULT_SCRAPE_S, evaluation_prod_s: float = DEFAULT_EVALUATION_S
    ) -> tuple[float, float]:
        """(scrape, evaluation) wall-clock intervals."""
        return self.interval(scrape_prod_s), self.interval(evaluation_prod_s)


@dataclass(frozen=True)
class CompressionPlan:
    """Wall-clock Prometheus/Alertmanager settings for a drill compressed by ``k``.

    All ``*_s`` fields are wall-clock seconds; ``flags()`` renders the Prometheus command-line flags.

    >>> plan = CompressionPlan.for_k(30)
    >>> plan.scrape_interval_s, plan.lookback_delta_s, plan.resend_delay_s
    (0.5, 10.0, 2.0)
    """

    k: float
    scrape_interval_s: float
    evaluation_interval_s: float
    lookback_delta_s: float
    resend_delay_s: float
    for_grace_period_s: float
    scrape_prod_s: float = DEFAULT_SCRAPE_S
    evaluation_prod_s: float = DEFAULT_EVALUATION_S

    @classmethod
    def for_k(
        cls, k: float, scrape_prod_s: float = DEFAULT_SCRAPE_S, evaluation_prod_s: float = DEFAULT_EVALUATION_S
    ) -> CompressionPlan:
        """Compute the plan from k and the production scrape/evaluation intervals."""
        ts = TimeScale(k)
        scrape, evaluation = ts.intervals(scrape_prod_s, evaluation_prod_s)
        # Lookback must cover at least two scrapes or instant queries flicker between samples.
        lookback = max(round(ts.to_wall(300.0), 3), 2 * scrape)
        return cls(
            k=k,
            scrape_interval_s=scrape,
            evaluation_interval_s=evaluation,
            lookback_delta_s=lookback,
            resend_delay_s=max(round(ts.to_wall(60.0), 3), evaluation),
            for_grace_period_s=max(round(ts.to_wall(600.0), 3), evaluation),
            scrape_prod_s=scrape_prod_s,
            evaluation_prod_s=evaluation_prod_s,
        )

    @property
    def timescale(self) -> TimeScale:
        """The TimeScale for this plan's k."""
        return TimeScale(self.k)

    def prometheus_settings(self) -> PrometheusSettings:
        """The stack's Prometheus settings (scrape/evaluation intervals and the compressed flags)."""
        return PrometheusSettings(
            scrape_interval_s=self.scrape_interval_s,
            evaluation_interval_s=self.evaluation_interval_s,
            lookback_delta_s=self.lookback_delta_s,
            resend_delay_s=self.resend_delay_s,
            for_grace_period_s=self.for_grace_period_s,
        )


# Alertmanager's defaults, applied explicitly so that an unset field is compressed too.
_ROUTE_DEFAULTS = {"group_wait": 30.0, "group_interval": 300.0, "repeat_interval": 4 * 3600.0}
_RESOLVE_TIMEOUT_DEFAULT = 300.0


def _scale_route(route: dict[str, Any], ts: TimeScale, inherited: dict[str, float]) -> None:
    own: dict[str, float] = dict(inherited)
    for key in _ROUTE_DEFAULTS:
        if key in route:
            own[key] = parse_duration_s(str(route[key]))
        # Children inherit the parent's compressed value; writing it on every route keeps that explicit.
        route[key] = format_duration(ts.interval(own[key], floor_s=0.1))
    for child in route.get("routes") or []:
        _scale_route(child, ts, own)


def compress_alertmanager_config(yaml_text: str, k: float) -> str:
    """Rewrite group_wait/group_interval/repeat_interval in the whole route tree, and resolve_timeout.

    Routing, grouping and inhibition are untouched; receivers are replaced elsewhere (stack).

    >>> out = compress_alertmanager_config("route: {receiver: a, group_wait: 30s}\\nreceivers: [{name: a}]", 30)
    >>> yaml.safe_load(out)["route"]["group_wait"]
    '1s'
    """
    ts = TimeScale(k)
    config = yaml.safe_load(yaml_text) or {}
    if not isinstance(config, dict):
        raise ValueError("alertmanager config must be a mapping")
    glob = config.setdefault("global", {}) or {}
    config["global"] = glob
    resolve = parse_duration_s(str(glob.get("resolve_timeout", "5m")))
    glob["resolve_timeout"] = format_duration(ts.interval(resolve or _RESOLVE_TIMEOUT_DEFAULT, floor_s=0.1))
    route = config.get("route")
    if isinstance(route, dict):
        _scale_route(route, ts, dict(_ROUTE_DEFAULTS))
    return yaml.safe_dump(config, sort_keys=False)
