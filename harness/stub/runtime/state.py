"""Everything one stub process holds: its services, the faults they share, and the label generator.

Example:
    >>> from harness.stub.profile import load_profile
    >>> state = StubState.build(load_profile("customerio"), lane="a", seed=3)
    >>> sorted(state.services), sorted(state.services["customerio-stub"].queues)
    (['customerio-stub'], ['email_delivery'])
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from harness.stub.profile import Profile, Service
from harness.stub.runtime.events import Events
from harness.stub.runtime.faults import FaultController
from harness.stub.runtime.labels import LabelResolver
from harness.stub.runtime.logs import ServiceLog
from harness.stub.runtime.metrics import ServiceMetrics
from harness.stub.runtime.queues import WorkQueue
from harness.stub.runtime.tracing import get_tracer
from harness.stub.runtime.values import ValueState


@dataclass
class ServiceState:
    """One service of the profile, live: metrics, values, queues, events, tracer and log."""

    spec: Service
    stub: StubState
    metrics: ServiceMetrics
    values: ValueState
    queues: dict[str, WorkQueue]
    events: Events
    tracer: trace.Tracer
    provider: TracerProvider | None
    log: ServiceLog
    url: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def queue_depth(self, queue: str, labels: dict[str, str]) -> float:
        return float(self.queues[queue].depth(labels)) if queue in self.queues else 0.0

    def restart(self) -> None:
        """The service starts again: its counters, histograms and uptime begin from zero; queues empty."""
        stub = self.stub
        self.metrics = ServiceMetrics(stub.profile, self.spec, self.values.read, stub.k)
        self.values.restart()
        for queue in self.queues.values():
            queue.clear()
        stub.restarted.append(self.name)


@dataclass
class StubState:
    """A stub process: the profile, the lane, one fault controller and label generator for all services."""

    profile: Profile
    lane: str
    faults: FaultController
    labels: LabelResolver
    # Baseline latency has its own generator so fault draws stay reproducible however many were taken.
    rng: random.Random
    k: float = 1.0
    redact: bool = True
    services: dict[str, ServiceState] = field(default_factory=dict)
    http: httpx.AsyncClient | None = None
    restarted: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        profile: Profile,
        *,
        lane: str = "a",
        seed: int | None = None,
        k: float = 1.0,
        providers: dict[str, TracerProvider | None] | None = None,
        log_dir: Path | None = None,
        redact: bool = True,
    ) -> StubState:
        """Wire every service of ``profile``; spans go to ``providers[service]``, logs to ``log_dir/<service>.log``."""
        faults = FaultController(seed=seed)
        labels = LabelResolver(profile, random.Random(None if seed is None else seed + 2))
        stub = cls(profile, lane, faults, labels, random.Random(None if seed is None else seed + 1), k, redact)
        faults._on_restart = stub.restart
        for service in profile.services:
            stub.services[service.name] = stub._service(service, (providers or {}).get(service.name), log_dir)
        return stub

    def _service(self, spec: Service, provider: TracerProvider | None, log_dir: Path | None) -> ServiceState:
        from harness.stub.runtime.execute import run_job

        values = ValueState(spec.name, self.faults, self.rng, queue_depth=lambda q, labels: 0.0)
        metrics = ServiceMetrics(self.profile, spec, values.read, self.k)
        tracer = get_tracer(provider)
        log = ServiceLog(spec.logs, log_dir / f"{spec.name}.log" if log_dir else None, spec.name, self.lane,
                         self.redact)  # fmt: skip
        events = Events(spec.name, spec.events, self.faults, self.labels, self.rng, tracer, record=lambda *a: None)
        state = ServiceState(spec, self, metrics, values, {}, events, tracer, provider, log)
        # Late-bound so a restart's new registry is the one recorded into.
        events._record = lambda name, labels, code, seconds, value: state.metrics.record_event(
            name, {**labels, **self.labels.status_labels(code)}, code, seconds, value
        )
        values._queue_depth = state.queue_depth
        for name, queue in spec.queues.items():
            job = spec.operation(queue.job) if queue.job else None
            on_job = (lambda item, op=job: run_job(state, op, item)) if job is not None else None
            state.queues[name] = WorkQueue(spec.name, name, queue.drain_per_second, queue.labels, self.faults, on_job)
        return state

    def restart(self, service: str | None) -> None:
        """A restart fault: the named service (every service when None) starts again."""
        for state in self.services.values():
            if service in (None, state.name):
                state.restart()

    def close(self) -> None:
        for state in self.services.values():
            state.log.close()
