"""Latency distributions shared by profiles (baseline) and latency faults (injected).

Usage::

    >>> import random
    >>> from harness.stub.latency import Uniform, sample_ms
    >>> d = Uniform(low_ms=5, high_ms=30)
    >>> 5 <= sample_ms(d, random.Random(1)) <= 30
    True
"""

from __future__ import annotations

import math
import random
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Fixed(BaseModel):
    """Always the same delay."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["fixed"] = "fixed"
    ms: float = Field(ge=0)


class Uniform(BaseModel):
    """Delay drawn uniformly from ``[low_ms, high_ms]``."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["uniform"] = "uniform"
    low_ms: float = Field(ge=0)
    high_ms: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_ms < self.low_ms:
            raise ValueError(f"high_ms ({self.high_ms}) must be >= low_ms ({self.low_ms})")
        return self


class Lognormal(BaseModel):
    """Long-tailed delay: ``median_ms * exp(sigma * N(0, 1))``."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["lognormal"] = "lognormal"
    median_ms: float = Field(gt=0)
    sigma: float = Field(ge=0, le=5)


Distribution = Annotated[Fixed | Uniform | Lognormal, Field(discriminator="type")]


def sample_ms(dist: Fixed | Uniform | Lognormal, rng: random.Random) -> float:
    """Draw one delay in milliseconds from ``dist`` using ``rng``.

    >>> sample_ms(Fixed(ms=7), random.Random(0))
    7.0
    """
    if isinstance(dist, Fixed):
        return float(dist.ms)
    if isinstance(dist, Uniform):
        return rng.uniform(dist.low_ms, dist.high_ms)
    return dist.median_ms * math.exp(dist.sigma * rng.gauss(0.0, 1.0))
