"""Numeric distributions: baseline latencies (ms), event values (dollars, scores) and gauge values.

One model for every number a profile draws, so a fault that shifts a distribution works the same on all of them.
``min``/``max`` clamp every draw (a satisfaction score stays within 1..5).

Example:
    >>> import random
    >>> d = Distribution.model_validate({"type": "normal", "mean": 4.3, "stddev": 0.6, "min": 1, "max": 5})
    >>> 1 <= d.sample(random.Random(1)) <= 5
    True
    >>> Distribution.model_validate({"type": "uniform", "low": 5, "high": 30}).mean_value
    17.5
"""

from __future__ import annotations

import math
import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Distribution(BaseModel):
    """A distribution of one number: fixed, uniform, normal, lognormal or exponential, optionally clamped."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["fixed", "uniform", "normal", "lognormal", "exponential"]
    value: float | None = None  # fixed
    low: float | None = None  # uniform
    high: float | None = None
    mean: float | None = None  # normal, exponential
    stddev: float | None = Field(default=None, ge=0)  # normal
    median: float | None = Field(default=None, gt=0)  # lognormal
    sigma: float | None = Field(default=None, ge=0, le=5)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        needed = {
            "fixed": ("value",),
            "uniform": ("low", "high"),
            "normal": ("mean", "stddev"),
            "lognormal": ("median", "sigma"),
            "exponential": ("mean",),
        }[self.type]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.type} distribution needs {' and '.join(needed)}; {', '.join(missing)} missing")
        if self.type == "uniform" and self.high < self.low:  # type: ignore[operator]
            raise ValueError(f"uniform: high ({self.high}) is below low ({self.low}); expected low <= high")
        if self.type == "exponential" and self.mean <= 0:  # type: ignore[operator]
            raise ValueError(f"exponential: mean {self.mean} must be > 0")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    @property
    def mean_value(self) -> float:
        """The distribution's mean before clamping."""
        match self.type:
            case "fixed":
                return float(self.value)  # type: ignore[arg-type]
            case "uniform":
                return (self.low + self.high) / 2  # type: ignore[operator]
            case "lognormal":
                return self.median * math.exp(self.sigma**2 / 2)  # type: ignore[operator]
        return float(self.mean)  # type: ignore[arg-type]

    def sample(self, rng: random.Random) -> float:
        """One draw, clamped to [min, max]."""
        match self.type:
            case "fixed":
                value = float(self.value)  # type: ignore[arg-type]
            case "uniform":
                value = rng.uniform(self.low, self.high)  # type: ignore[arg-type]
            case "normal":
                value = rng.gauss(self.mean, self.stddev)  # type: ignore[arg-type]
            case "lognormal":
                value = self.median * math.exp(self.sigma * rng.gauss(0.0, 1.0))  # type: ignore[operator]
            case _:
                value = rng.expovariate(1.0 / self.mean)  # type: ignore[operator]
        if self.min is not None:
            value = max(self.min, value)
        if self.max is not None:
            value = min(self.max, value)
        return value

    def shifted(
        self, mean: float | None = None, stddev: float | None = None, factor: float | None = None
    ) -> Distribution:
        """The same shape moved to a new mean (and spread), or scaled by ``factor``: what a ``shift`` fault does."""
        update: dict[str, float] = {}
        if factor is not None:
            for name in ("value", "low", "high", "mean", "median", "stddev"):
                if getattr(self, name) is not None:
                    update[name] = getattr(self, name) * factor
        if mean is not None:
            delta = mean - self.mean_value
            match self.type:
                case "fixed":
                    update["value"] = mean
                case "uniform":
                    update["low"], update["high"] = self.low + delta, self.high + delta  # type: ignore[operator]
                case "lognormal":
                    update["median"] = max(1e-9, mean / math.exp(self.sigma**2 / 2))  # type: ignore[operator]
                case _:
                    update["mean"] = mean
        if stddev is not None:
            update["stddev"] = stddev
        return self.model_copy(update=update)


def fixed(value: float) -> Distribution:
    """A distribution that always gives ``value``."""
    return Distribution(type="fixed", value=value)
