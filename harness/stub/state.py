"""Everything one running stub shares between its request handlers and control API.

Usage::

    >>> from harness.stub.profile import load_profile
    >>> state = StubState.build(load_profile("customerio"), lane="a", seed=3)
    >>> sorted(state.queues)
    ['email_delivery']
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from types import ModuleType

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from harness.stub.faults import FaultController
from harness.stub.logs import build_logger
from harness.stub.metrics import StubMetrics
from harness.stub.profile import Profile
from harness.stub.queue import BackgroundQueue
from harness.stub.tracing import get_tracer


@dataclass
class StubState:
    """Profile, lane, faults, metrics, queues, tracer and logger of one stub."""

    profile: Profile
    lane: str
    faults: FaultController
    metrics: StubMetrics
    queues: dict[str, BackgroundQueue]
    tracer: trace.Tracer
    logger: logging.Logger
    redact_bodies: bool
    tracing_enabled: bool
    # Baseline latency has its own generator so fault draws stay reproducible
    # no matter how many baseline samples were taken.
    latency_rng: random.Random
    hooks: ModuleType | None = field(default=None)

    @classmethod
    def build(
        cls,
        profile: Profile,
        *,
        lane: str = "a",
        tracer_provider: TracerProvider | None = None,
        logger: logging.Logger | None = None,
        redact_bodies: bool = True,
        seed: int | None = None,
    ) -> StubState:
        """Wire the parts together from a profile."""
        faults = FaultController(profile.operation_names, profile.queues, seed=seed)
        metrics = StubMetrics(profile)
        queues = {
            name: BackgroundQueue(
                name,
                spec.drain_per_second,
                faults,
                on_depth=lambda depth, name=name: metrics.set_queue_depth(name, depth),  # type: ignore[misc]
            )
            for name, spec in profile.queues.items()
        }
        return cls(
            profile=profile,
            lane=lane,
            faults=faults,
            metrics=metrics,
            queues=queues,
            tracer=get_tracer(tracer_provider),
            logger=logger or build_logger(None),
            redact_bodies=redact_bodies,
            tracing_enabled=tracer_provider is not None,
            latency_rng=random.Random(None if seed is None else seed + 1),
            hooks=profile.load_hooks(),
        )
