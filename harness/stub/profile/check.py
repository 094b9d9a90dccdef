"""Cross-references inside a profile: every name a service uses must exist, located for ``file:line`` errors.

Pydantic checks each field's shape; this checks what fields say about each other (an operation calls a service
that exists, a family counts an event that is declared, a label is known, nothing is named twice).

Example:
    >>> from harness.stub.profile import Profile
    >>> p = Profile.model_validate({"name": "x", "services": [{"name": "a", "operations": [
    ...     {"name": "op", "path": "/op", "steps": [{"call": "b.missing"}]}]}]})
    >>> reference_problems(p)
    [(('services', 0, 'operations', 0, 'steps', 0, 'call'), "call b.missing: no service 'b'; known: a")]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from harness.stub.profile import Profile, Service
from harness.stub.profile.dist import Distribution
from harness.stub.profile.metrics import EventSource, QueueValue, RequestSource, ValueSource
from harness.stub.profile.operations import CallStep, EnqueueStep, EventStep, SpanStep, Step

Loc = tuple[str | int, ...]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Names the Python client's standard collectors export; a family of the same name would be exported twice.
_COLLECTOR_PREFIXES = ("process_", "python_")


def _hint(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names) or 'none'}"


def reference_problems(profile: Profile) -> list[tuple[Loc, str]]:
    """Every broken cross-reference, as (location in the YAML, message)."""
    problems: list[tuple[Loc, str]] = []
    seen: set[str] = set()
    for si, service in enumerate(profile.services):
        if service.name in seen:
            problems.append((("services", si, "name"), f"service {service.name!r} declared twice; expected unique"))
        seen.add(service.name)
        problems += _service(profile, service, ("services", si))
    for name, spec in profile.labels.items():
        if spec.follows is not None:
            target = profile.labels.get(spec.follows)
            if target is None or not target.pool():
                problems.append((("labels", name, "follows"),
                                 f"label {name} follows {spec.follows!r}, which is not a pool label; "
                                 f"{_hint(spec.follows, profile.labels)}"))  # fmt: skip
    return problems


def _known_labels(profile: Profile, service: Service) -> set[str]:
    known = profile.known_labels()
    for op in service.operations:
        known |= set(op.labels)
    return known


def _service(profile: Profile, service: Service, at: Loc) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    known = _known_labels(profile, service)
    ops = {op.name: op for op in service.operations}
    routes: dict[tuple[str, str], str] = {}
    for oi, op in enumerate(service.operations):
        where = (*at, "operations", oi)
        if list(ops).count(op.name) > 1 or sum(o.name == op.name for o in service.operations) > 1:
            problems.append(((*where, "name"), f"operation {op.name!r} declared twice in {service.name}"))
        if op.path is not None:
            key = (op.method, op.path)
            if key in routes:
                problems.append(((*where, "path"), f"{op.method} {op.path} is also operation {routes[key]}"))
            routes[key] = op.name
        problems += _templates([op.span_name, *op.attributes.values()], known, (*where, "span"))
        problems += _steps(profile, service, op.steps, known, (*where, "steps"))
    names: set[str] = set()
    for fi, family in enumerate(service.metrics):
        where = (*at, "metrics", fi)
        if family.name in names:
            problems.append(((*where, "name"), f"family {family.name} declared twice in {service.name}"))
        names.add(family.name)
        if service.process_metrics and family.name.startswith(_COLLECTOR_PREFIXES):
            problems.append(((*where, "name"), f"{family.name} is also exported by the standard process "
                             "collectors; set process_metrics: false on the service to simulate it"))  # fmt: skip
        problems += _family(profile, service, family, known, ops, where)
    for name, event in service.events.items():
        where = (*at, "events", name)
        problems += _labels(event.labels, profile, (*where, "labels"), pools_only=True)
        if event.from_requests is not None:
            problems += _ops(event.from_requests.operations, ops, service, (*where, "from_requests"))
        if event.span:
            problems += _templates([event.span], known | set(event.labels), (*where, "span"))
    for name, queue in service.queues.items():
        where = (*at, "queues", name)
        problems += _labels(queue.labels, profile, (*where, "labels"), pools_only=False)
        if queue.job is not None and queue.job not in ops:
            problems.append(((*where, "job"), f"queue {name}: job operation {queue.job!r} does not exist; "
                             f"{_hint(queue.job, ops)}"))  # fmt: skip
        if queue.fed_by is not None:
            problems += _ops(queue.fed_by.operations, ops, service, (*where, "fed_by"))
    problems += _labels(service.logs.include, profile, (*at, "logs", "include"), pools_only=False, extra=known)
    return problems


def _family(profile, service, family, known, ops, where) -> list[tuple[Loc, str]]:  # type: ignore[no-untyped-def]
    problems: list[tuple[Loc, str]] = []
    source = family.source
    sources = set(family.label_sources().values())
    extra = set(known)
    if isinstance(source, EventSource):
        event = service.events.get(source.event)
        if event is None:
            problems.append(((*where, "source"), f"{family.name}: no event {source.event!r} in {service.name}; "
                             f"{_hint(source.event, service.events)}"))  # fmt: skip
        else:
            extra |= set(event.labels)
    elif isinstance(source, RequestSource):
        problems += _ops(source.operations, ops, service, (*where, "source"))
    elif isinstance(source, ValueSource):
        problems += _value_labels(profile, service, family, source, where)
        extra = set()  # checked above
    if extra:
        for label in sorted(sources - extra):
            problems.append(((*where, "labels"), f"{family.name}: label source {label!r} is not a known label; "
                             f"{_hint(label, extra)}"))  # fmt: skip
    return problems


def _value_labels(profile: Profile, service: Service, family, source: ValueSource, where: Loc):  # type: ignore[no-untyped-def]
    sources = list(family.label_sources().values())
    value = source.value
    if isinstance(value, QueueValue):
        queue = service.queues.get(value.queue)
        if queue is None:
            return [((*where, "source"), f"{family.name}: no queue {value.queue!r} in {service.name}; "
                     f"{_hint(value.queue, service.queues)}")]  # fmt: skip
        if sorted(sources) != sorted(queue.labels):
            return [((*where, "labels"), f"{family.name}: a queue's depth is labelled by the queue's labels "
                     f"{queue.labels}; expected exactly those")]  # fmt: skip
        return []
    if value == "in_flight":
        bad = [s for s in sources if s not in ("operation", "service", "route", "method")]
        return [((*where, "labels"), f"{family.name}: in_flight is counted per operation, route or method only")] \
            if bad else []  # fmt: skip
    if value == "uptime" and sources:
        return [((*where, "labels"), f"{family.name}: uptime has no labels")]
    if isinstance(value, Distribution):
        return [((*where, "labels"), f"{family.name}: label {s!r} needs a finite pool of values (a value gauge "
                 "has one series per combination)") for s in sources if not profile.label_pool(s)]  # fmt: skip
    return []


def _ops(names: list[str], ops: Mapping[str, object], service: Service, where: Loc) -> list[tuple[Loc, str]]:
    return [(where, f"no operation {name!r} in {service.name}; {_hint(name, ops)}") for name in names
            if name not in ops]  # fmt: skip


def _labels(
    names: list[str], profile: Profile, where: Loc, pools_only: bool, extra: set[str] | None = None
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for name in names:
        spec = profile.labels.get(name)
        if spec is None and not (extra and name in extra):
            problems.append((where, f"label {name!r} is not declared in labels:; {_hint(name, profile.labels)}"))
        elif pools_only and spec is not None and not spec.pool():
            problems.append((where, f"label {name!r} is drawn per event, so it needs a pool (values: [...])"))
    return problems


def _templates(texts: list[str], known: set[str], where: Loc) -> list[tuple[Loc, str]]:
    return [(where, f"{{{name}}} in {text!r} is not a known label; {_hint(name, known)}")
            for text in texts for name in _PLACEHOLDER.findall(text) if name not in known]  # fmt: skip


def _steps(profile: Profile, service: Service, steps: list[Step], known: set[str], at: Loc) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for index, step in enumerate(steps):
        where = (*at, index)
        if isinstance(step, SpanStep):
            problems += _templates([step.span, *step.attributes.values()], known, (*where, "span"))
            problems += _steps(profile, service, step.steps, known, (*where, "steps"))
        elif isinstance(step, CallStep):
            if step.service not in profile.service_names:
                problems.append(((*where, "call"), f"call {step.call}: no service {step.service!r}; "
                                 f"known: {', '.join(profile.service_names)}"))  # fmt: skip
                continue
            target = profile.service(step.service)
            if step.operation not in target.operation_names:
                problems.append(((*where, "call"), f"call {step.call}: no operation {step.operation!r} in "
                                 f"{step.service}; {_hint(step.operation, target.operation_names)}"))  # fmt: skip
            elif target.operation(step.operation).path is None:
                problems.append(((*where, "call"), f"call {step.call}: that operation is a queue job (no path)"))
        elif isinstance(step, EventStep):
            if step.event not in service.events:
                problems.append(((*where, "event"), f"no event {step.event!r} in {service.name}; "
                                 f"{_hint(step.event, service.events)}"))  # fmt: skip
        elif isinstance(step, EnqueueStep):
            target_name, queue = step.target(service.name)
            if target_name not in profile.service_names:
                problems.append(((*where, "enqueue"), f"enqueue {step.enqueue}: no service {target_name!r}"))
            elif queue not in profile.service(target_name).queues:
                problems.append(((*where, "enqueue"), f"enqueue {step.enqueue}: no queue {queue!r} in {target_name}; "
                                 f"{_hint(queue, profile.service(target_name).queues)}"))  # fmt: skip
    return problems
