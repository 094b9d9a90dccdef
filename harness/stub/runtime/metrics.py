"""One service's metric families, built from its profile on a private registry, recorded run by run.

Series a family can take are created at zero up front (each operation and status value, each pool value), so
``increase()`` sees the first event and alerts see a series before traffic; past ``PRECREATE_LIMIT``
combinations they appear when first used. Value gauges are read at scrape time through callbacks.

Example:
    >>> from harness.stub.profile import load_profile
    >>> profile = load_profile("customerio")
    >>> m = ServiceMetrics(profile, profile.services[0], values=None, k=1.0)
    >>> m.record_run("track", {"operation": "track", "status": "success"}, 200, 0.012, None)
    >>> b'customerio_requests_total{operation="track",status="success"} 1.0' in m.exposition()
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import Summary as PlainSummary
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from harness.stub.profile import Profile, Service
from harness.stub.profile.metrics import EventSource, FamilySpec, RequestSource, StatusFilter, ValueSource
from harness.stub.runtime.quantiles import QuantileSummary
from harness.stub.runtime.text_format import TextFormat

CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST
PRECREATE_LIMIT = 2000
# A Node or Go client exports no `_created` series; neither does a service described here.
prometheus_client.disable_created_metrics()

ValueReader = Callable[[FamilySpec, dict[str, str]], float]


@dataclass
class _Recorder:
    family: FamilySpec
    metric: Any
    names: list[str]  # source label for each family label, in order
    status: StatusFilter
    observe: str  # "count", "duration", "value", "add", "body.<path>"

    def record(self, labels: dict[str, str], code: int, seconds: float, value: float | None, body: Any) -> None:
        if not self.status.matches(code):
            return
        child = self.metric.labels(*[labels.get(name, "") for name in self.names]) if self.names else self.metric
        if self.observe == "count":
            child.inc()
        elif self.observe == "duration":
            child.observe(self.family.scale(seconds)) if self.family.type != "counter" else child.inc()
        elif self.observe in ("value", "add"):
            if value is not None:
                child.inc(max(0.0, value)) if self.family.type == "counter" else child.observe(value)
        else:
            number = _body_number(body, self.observe.removeprefix("body."))
            if number is not None:
                child.inc(max(0.0, number)) if self.family.type == "counter" else child.observe(number)


def _body_number(body: Any, path: str) -> float | None:
    for part in path.split("."):
        body = body.get(part) if isinstance(body, dict) else None
    return float(body) if isinstance(body, int | float) and not isinstance(body, bool) else None


def _metric(family: FamilySpec, registry: CollectorRegistry, k: float) -> Any:
    name, doc, names = family.name, family.help or family.name, list(family.label_sources())
    match family.type:
        case "counter":
            return Counter(name, doc, names, registry=registry)
        case "gauge":
            return Gauge(name, doc, names, registry=registry)
        case "histogram":
            return Histogram(name, doc, names, registry=registry, buckets=family.bucket_bounds)
    if not family.quantiles:
        return PlainSummary(name, doc, names, registry=registry)
    invariants = [(q, min(0.05, (1 - q) / 10)) for q in family.quantiles]
    # The window is production time: compressed k times, as every window in a drill is.
    max_age = max(1, round(family.max_age / k))
    return QuantileSummary(name, doc, names, registry=registry, invariants=invariants, max_age_seconds=max_age)


class ServiceMetrics:
    """The registry of one service and its recorders; rebuilt from scratch when the service restarts."""

    def __init__(self, profile: Profile, service: Service, values: ValueReader | None, k: float = 1.0) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._text = TextFormat()
        if service.process_metrics:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self._runs: dict[str, list[_Recorder]] = {op.name: [] for op in service.operations}
        self._events: dict[str, list[_Recorder]] = {name: [] for name in service.events}
        self.gauges: dict[str, Any] = {}
        for family in service.metrics:
            metric = _metric(family, self.registry, k)
            names = list(family.label_sources().values())
            source = family.source
            if isinstance(source, RequestSource):
                observe = "count" if family.type == "counter" and source.observe == "duration" else source.observe
                recorder = _Recorder(family, metric, names, source, observe)
                for op in source.operations or list(self._runs):
                    self._runs[op].append(recorder)
                _precreate(metric, family, profile, service, source)
            elif isinstance(source, EventSource):
                observe = ("add" if source.add == "value" else "count") if family.type == "counter" else source.observe
                self._events[source.event].append(_Recorder(family, metric, names, source, observe))
                _precreate(metric, family, profile, service, source)
            elif isinstance(source, ValueSource):
                self.gauges[family.name] = metric
                if values is not None:
                    pools = {label: _values_of(label, profile, service) for label in names}
                    _bind_value_gauge(metric, family, profile, pools, values)

    def record_run(self, operation: str, labels: dict[str, str], code: int, seconds: float, body: Any) -> None:
        """One finished run of ``operation``."""
        for recorder in self._runs.get(operation, ()):
            recorder.record(labels, code, seconds, None, body)

    def record_event(self, event: str, labels: dict[str, str], code: int, seconds: float, value: float | None) -> None:
        """One occurrence of ``event``."""
        for recorder in self._events.get(event, ()):
            recorder.record(labels, code, seconds, value, None)

    def exposition(self) -> bytes:
        """The text exposition served on the service's metrics path."""
        return self._text.render(self.registry)


def _precreate(metric: Any, family: FamilySpec, profile: Profile, service: Service, source: Any) -> None:
    names = list(family.label_sources().values())
    if not names:
        return
    status_specs = {n: s for n, s in profile.labels.items() if s.derived_from_status}
    if isinstance(source, RequestSource):
        ops = [service.operation(name) for name in source.operations] if source.operations else service.operations
        contexts = [{"service": service.name, "operation": op.name, "route": op.path or "", "method": op.method,
                     **op.labels, "_status": str(op.status)} for op in ops]  # fmt: skip
    else:
        contexts = [{"service": service.name, "_status": "200"}]
    count = 0
    for context in contexts:
        choices: dict[str, list[str]] = {}
        for name in names:
            if name in context:
                choices[name] = [context[name]]
            elif name in status_specs:
                spec = status_specs[name]
                own = spec.status_value(int(context["_status"]))
                choices[name] = spec.pool() if isinstance(spec.status, dict) else [own]
            else:
                choices[name] = profile.label_pool(name) or [""]
        for combo in _combinations(profile, names, choices):
            if count >= PRECREATE_LIMIT:
                return
            metric.labels(*combo)
            count += 1


def _combinations(profile: Profile, names: list[str], choices: dict[str, list[str]]) -> Any:
    """Every combination of the labels' values, in ``names`` order, where a label that ``follows`` another one
    present takes only its fixed value (store 7's org, not every org): no series exists for a pair never seen."""
    derived: dict[str, tuple[str, dict[str, str]]] = {}
    for name in names:
        spec = profile.labels.get(name)
        if spec is not None and spec.follows in choices and len(choices[name]) > 1:
            derived[name] = (spec.follows, spec.follow_map(profile.label_pool(spec.follows)))
    free = [name for name in dict.fromkeys(names) if name not in derived]
    for combo in itertools.product(*(choices[name] for name in free)):
        values = dict(zip(free, combo, strict=True))
        for name, (source, mapping) in derived.items():
            values[name] = mapping.get(values[source], "")
        yield tuple(values[name] for name in names)


def _values_of(label: str, profile: Profile, service: Service) -> list[str]:
    """Every value a label takes in this service (built-ins from its operations)."""
    builtin: dict[str, list[str]] = {
        "service": [service.name],
        "operation": service.operation_names,
        "route": sorted({op.path for op in service.operations if op.path}),
        "method": sorted({op.method for op in service.operations}),
    }
    if label in builtin:
        return builtin[label]
    fixed = sorted({op.labels[label] for op in service.operations if label in op.labels})
    return profile.label_pool(label) or fixed or [""]


def _bind_value_gauge(
    metric: Any, family: FamilySpec, profile: Profile, pools: dict[str, list[str]], read: ValueReader
) -> None:
    """Each series of a value gauge reads its value at scrape time."""
    sources = list(family.label_sources().values())
    if not sources:
        metric.set_function(lambda: read(family, {}))
        return
    for combo in itertools.islice(_combinations(profile, sources, pools), PRECREATE_LIMIT):
        labels = dict(zip(sources, combo, strict=True))
        metric.labels(*combo).set_function(lambda labels=labels: read(family, labels))
