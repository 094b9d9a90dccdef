"""Does a fault aim at something the profile has? Checked when a scenario loads, before anything starts.

Every name a fault uses must exist in the services it selects: the service, the operation, the event, the
gauge, the queue, and each ``match`` label with a value its pool can take.

Example:
    >>> from harness.stub.faults import parse_fault
    >>> from harness.stub.profile import load_profile
    >>> fault_problems(parse_fault({"kind": "error", "operation": "trak", "rate": 0.1}), load_profile("customerio"))
    [('operation', "no operation 'trak' in customerio-stub; did you mean 'track'?")]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from harness.stub.faults import AnyFault, BacklogFault, ErrorFault, EventFault, GaugeFault, LatencyFault, ShiftFault
from harness.stub.profile import Profile, Service
from harness.stub.profile.dist import Distribution
from harness.stub.profile.metrics import EventSource, FamilySpec, RequestSource, ValueSource

# The sample names a family exposes beyond its own (prometheus_client's counter, histogram and summary suffixes).
_SAMPLE_SUFFIXES = ("", "_total", "_count", "_sum", "_bucket")


def _hint(name: str, known: Iterable[str]) -> str:
    names = sorted(set(known))
    close = difflib.get_close_matches(name, names, n=1)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names) or 'none'}"


def fault_problems(fault: AnyFault, profile: Profile) -> list[tuple[str, str]]:
    """(field, message) for everything the fault names that the profile does not have."""
    if fault.service is not None and fault.service not in profile.service_names:
        return [("service", f"no service {fault.service!r} in profile {profile.name}; "
                 f"{_hint(fault.service, profile.service_names)}")]  # fmt: skip
    services = [profile.service(fault.service)] if fault.service else list(profile.services)
    where = ", ".join(s.name for s in services)
    problems: list[tuple[str, str]] = []
    if fault.operation is not None and not any(fault.operation in s.operation_names for s in services):
        ops = [op for s in services for op in s.operation_names]
        problems.append(("operation", f"no operation {fault.operation!r} in {where}; {_hint(fault.operation, ops)}"))
    event = getattr(fault, "event", None)
    if event is not None and not any(event in s.events for s in services):
        events = [e for s in services for e in s.events]
        problems.append(("event", f"no event {event!r} in {where}; {_hint(event, events)}"))
    if isinstance(fault, GaugeFault | ShiftFault) and fault.metric is not None:
        problems += _gauge(fault.metric, services, where)
    if isinstance(fault, BacklogFault) and fault.queue is not None:
        queues = [q for s in services for q in s.queues]
        if fault.queue not in queues:
            problems.append(("queue", f"no queue {fault.queue!r} in {where}; {_hint(fault.queue, queues)}"))
    acts_on_runs = isinstance(fault, ErrorFault | LatencyFault) and fault.operation is None and event is None
    if acts_on_runs and not any(s.operations for s in services):
        problems.append(("kind", f"{fault.kind} needs operations to act on; {where} has none"))
    problems += _match(fault, profile, services)
    return problems


def _gauge(metric: str, services: list[Service], where: str) -> list[tuple[str, str]]:
    families = [f for s in services for f in s.metrics]
    family = next((f for f in families if f.name == metric), None)
    if family is None:
        return [("metric", f"no metric {metric!r} in {where}; {_hint(metric, [f.name for f in families])}")]
    source = family.source
    if not (isinstance(source, ValueSource) and isinstance(source.value, Distribution)):
        return [("metric", f"{metric} is not a value gauge (source: {{value: ...}}); set, ramp and shift act on "
                 "those only (a queue's depth moves with backlog faults)")]  # fmt: skip
    return []


def _match(fault: AnyFault, profile: Profile, services: list[Service]) -> list[tuple[str, str]]:
    known = profile.known_labels()
    for service in services:
        known |= {name for op in service.operations for name in op.labels}
        known |= {name for event in service.events.values() for name in event.labels}
        known |= {name for queue in service.queues.values() for name in queue.labels}
    problems: list[tuple[str, str]] = []
    for label, value in fault.match.items():
        if label not in known:
            problems.append(("match", f"label {label!r} is not one the profile gives; {_hint(label, known)}"))
            continue
        pool = profile.label_pool(label) or [v for s in services for op in s.operations
                                             for k, v in op.labels.items() if k == label]  # fmt: skip
        if label == "operation":
            pool = [op for s in services for op in s.operation_names]
        spec = profile.labels.get(label)
        finite = pool and not (spec is not None and spec.from_)
        if finite and value not in pool:
            problems.append(("match", f"{label}={value!r} is not a value of its pool ({_pool_text(pool)}); "
                             f"{_hint(value, pool)}"))  # fmt: skip
    return problems


def fed_families(fault: AnyFault, profile: Profile) -> list[FamilySpec]:
    """The metric families whose counts the fault's fraction changes: a failing or added event's families
    (source ``{event: E}``), a failing operation's request families that count its status (a 503 adds nothing
    to a family of 429s); none for the other kinds.

    Example:
        >>> from harness.stub.faults import parse_fault
        >>> from harness.stub.profile import load_profile
        >>> tool = parse_fault({"kind": "error", "event": "tool_call", "rate": 0.05})
        >>> [f.name for f in fed_families(tool, load_profile("fixtures/cs-fte/profile.yaml"))]
        ['fte_agent_tool_calls_total']
    """
    if not isinstance(fault, ErrorFault | EventFault):
        return []
    services = [s for s in profile.services if fault.service in (None, s.name)]
    families = [family for service in services for family in service.metrics]
    if isinstance(fault, EventFault) or fault.event is not None:
        return [f for f in families if isinstance(f.source, EventSource) and f.source.event == fault.event]
    operation, status = fault.operation, 500 if fault.exception else fault.status
    return [f for f in families if isinstance(f.source, RequestSource) and f.source.matches(status)
            and (operation is None or not f.source.operations or operation in f.source.operations)]  # fmt: skip


def exposes(family: FamilySpec, sample: str) -> bool:
    """Whether ``sample`` is one of the family's sample names (``x_total`` of counter ``x``, ``h_bucket``...)."""
    base = family.name.removesuffix("_total") if family.type == "counter" else family.name
    return any(sample == base + suffix for suffix in _SAMPLE_SUFFIXES)


def _pool_text(pool: list[str]) -> str:
    return ", ".join(pool) if len(pool) <= 6 else f"{pool[0]} .. {pool[-1]}, {len(pool)} values"
