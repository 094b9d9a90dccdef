"""Running one operation: its span and steps, faults injected where the profile says, then the outcome recorded.

The same path serves an HTTP request and a queue job. After a run: the families whose source is that operation
are recorded, requests cause their ``from_requests`` events and feed their queues, and one log line is written.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from harness.stub import SIMULATED_HEADER
from harness.stub.profile.operations import CallStep, EnqueueStep, EventStep, Operation, SpanStep, Step
from harness.stub.runtime.faults import RunPlan
from harness.stub.runtime.labels import RequestInputs, baggage_header
from harness.stub.runtime.queues import Job
from harness.stub.runtime.state import ServiceState
from harness.stub.runtime.template import render
from harness.stub.runtime.tracing import PROPAGATOR

_KINDS = {"internal": SpanKind.INTERNAL, "client": SpanKind.CLIENT, "producer": SpanKind.PRODUCER,
          "consumer": SpanKind.CONSUMER}  # fmt: skip


class InjectedException(RuntimeError):
    """An error fault with ``exception: true``: escapes the handler to the edge (a real unhandled exception)."""


class _Failed(Exception):
    """A step failed with an HTTP status; the run's outcome takes it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Run:
    """One run of one operation."""

    service: ServiceState
    op: Operation
    labels: dict[str, str]
    request_id: str
    correlation_id: str
    body: Any = None
    plan: RunPlan = field(default_factory=RunPlan)
    status: int = 200
    error: str | None = None
    # The time the run models: its operation's and steps' latencies with faults' delays, its events' latencies,
    # its callees' own runs. Its metrics and log report this, not the wall-clock, which adds a loaded harness
    # machine's scheduling (a second and more with a suite's drills on two cores): that is not the system under
    # test's latency, and it made a below-threshold latency rule fire in CI.
    simulated_ms: float = 0.0
    trace_id: str = ""
    span_id: str = ""
    # Values the request itself sent (ids, labels): only these can carry PII into the log.
    given: frozenset[str] = frozenset()


def new_run(
    service: ServiceState, op: Operation, inputs: RequestInputs, body: Any, carried: dict[str, str] | None = None
) -> Run:
    """Labels resolved (``carried``: a queued job's, from the run that enqueued it), ids taken from the request
    (or made), and faults planned on those labels."""
    spec = service.spec
    own = {"service": spec.name, "operation": op.name}
    if carried is None:
        fixed = {**own, "route": op.path or "", "method": op.method, **op.labels}
    else:  # a job keeps its enqueuer's labels (its route and method too) but is its own service and operation
        fixed = {"route": op.path or "", "method": op.method, **carried, **own, **op.labels}
    sent: set[str] = set(carried or ())  # a job's labels came from its enqueuer's request: scanned as sent
    labels = service.stub.labels.request_labels(inputs, fixed, sent)
    sent_id = inputs.headers.get(spec.request_id_header.lower())
    request_id = (sent_id or uuid.uuid4().hex)[:128]
    correlation = inputs.headers.get(spec.correlation_header.lower(), "") if spec.correlation_header else ""
    given = sent | ({"request_id"} if sent_id else set()) | ({"correlation_id"} if correlation or sent_id else set())
    plan = service.stub.faults.plan(spec.name, op.name, labels)
    return Run(service, op, labels, request_id, (correlation or request_id)[:128], body, plan, status=op.status,
               given=frozenset(given))  # fmt: skip


async def execute(run: Run, parent: Any, kind: SpanKind) -> None:
    """Run the operation inside its span; the outcome lands in ``run.status`` and ``run.error``."""
    service, op = run.service, run.op
    attributes = {"operation": op.name, "firedrill.lane": service.stub.lane,
                  **{k: render(v, run.labels) for k, v in op.attributes.items()}}  # fmt: skip
    if op.path is not None:
        attributes |= {"http.request.method": op.method, "http.route": op.path}
    with service.tracer.start_as_current_span(render(op.span_name, run.labels), context=parent, kind=kind,
                                              attributes=attributes, record_exception=False,
                                              set_status_on_exception=False) as span:  # fmt: skip
        ctx = span.get_span_context()
        if ctx.is_valid:
            run.trace_id, run.span_id = format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
        problem = _rejected(op, run.body)
        if problem is not None:
            run.status, run.error = 400, problem
        else:
            try:
                await _body(run)
            except _Failed as failure:
                run.status, run.error = failure.status, str(failure)
            except InjectedException as exc:  # escapes to the edge, recorded on the way as a real one would be
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                raise
        if op.path is not None:
            span.set_attribute("http.response.status_code", run.status)
        span.set_attribute("firedrill.fault.latency", run.plan.latency_injected)
        span.set_attribute("firedrill.fault.error", run.plan.error is not None)
        if run.status >= 500 or (kind != SpanKind.SERVER and run.status >= 400):
            span.set_status(Status(StatusCode.ERROR, run.error or f"HTTP {run.status}"))


def _rejected(op: Operation, body: Any) -> str | None:
    for name, allowed in op.require.items():
        value = body.get(name) if isinstance(body, dict) else None
        if value not in allowed:
            return f"{name} must be one of {sorted(allowed)}"
    return None


async def _sleep_ms(run: Run, ms: float) -> None:
    run.simulated_ms += ms
    if ms > 0:
        await asyncio.sleep(ms / 1000)


async def _body(run: Run) -> None:
    op, plan, rng = run.op, run.plan, run.service.stub.rng
    fault_step = op.fault_step()
    await _sleep_ms(run, op.latency.sample(rng) + (plan.extra_delay_ms if fault_step is None else 0.0))
    if fault_step is None:
        _inject_error(run, trace.get_current_span())
    await _steps(run, op.steps, fault_step)


def _inject_error(run: Run, span: trace.Span) -> None:
    error = run.plan.error
    if error is None:
        return
    if error.exception:
        raise InjectedException(f"injected exception fault on {run.op.name}")
    message = f"injected error fault: HTTP {error.status} on {run.op.name}"
    span.set_status(Status(StatusCode.ERROR, message))
    span.record_exception(RuntimeError(message))
    raise _Failed(error.status, message)


async def _steps(run: Run, steps: list[Step], fault_step: SpanStep | None) -> None:
    service = run.service
    for step in steps:
        if isinstance(step, SpanStep):
            attributes = {k: render(v, run.labels) for k, v in step.attributes.items()}
            with service.tracer.start_as_current_span(render(step.span, run.labels), kind=_KINDS[step.kind],
                                                      attributes=attributes, record_exception=False,
                                                      set_status_on_exception=False) as child:  # fmt: skip
                ms = step.latency.sample(service.stub.rng) if step.latency is not None else 0.0
                if step is fault_step:
                    child.set_attribute("firedrill.fault.latency", run.plan.latency_injected)
                    ms += run.plan.extra_delay_ms
                await _sleep_ms(run, ms)
                if step is fault_step:
                    _inject_error(run, child)
                await _steps(run, step.steps, fault_step)
        elif isinstance(step, CallStep):
            await _call(run, step)
        elif isinstance(step, EventStep):
            occurrences = await service.events.occur_many(step.event, run.labels, step.fraction, step.count)
            run.simulated_ms += sum(occurrence.ms for occurrence in occurrences)
            failed = [occurrence.status for occurrence in occurrences if occurrence.status >= 500]
            if failed:
                raise _Failed(failed[0], f"event {step.event} failed with {failed[0]}")
        elif isinstance(step, EnqueueStep):
            target, queue = step.target(service.name)
            service.stub.services[target].queues[queue].enqueue(
                run.labels, otel_context.get_current(), run.request_id, run.correlation_id
            )


async def _call(run: Run, step: CallStep) -> None:
    """A real HTTP call to another service of this stub: traceparent, baggage, request and correlation ids."""
    stub = run.service.stub
    target = stub.services[step.service]
    op = target.spec.operation(step.operation)
    assert op.path is not None and stub.http is not None
    url = target.url + render(op.path, run.labels)
    pool = set(stub.profile.labels)
    attributes = {"peer.service": step.service, "url.full": url, "http.request.method": op.method}
    with run.service.tracer.start_as_current_span(
        f"{op.method} {step.service}",
        kind=SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        headers = {target.spec.request_id_header: run.request_id,
                   "baggage": baggage_header({k: v for k, v in run.labels.items() if k in pool})}  # fmt: skip
        if target.spec.correlation_header:
            headers[target.spec.correlation_header] = run.correlation_id
        PROPAGATOR.inject(headers)
        started = time.perf_counter()
        try:
            response = await stub.http.request(op.method, url, json={}, headers=headers)
            status = response.status_code
        except Exception as exc:  # the callee is down or hung up: a failed dependency, as in production
            status, detail, modeled = 503, f"{type(exc).__name__}", None
        else:
            detail, modeled = f"HTTP {status}", _modeled_ms(response.headers.get(SIMULATED_HEADER))
        # What the callee says its run modeled; the time waited when it says nothing (a failed call, a callee that
        # is not a stub service, or one answering 503 while down).
        run.simulated_ms += modeled if modeled is not None else (time.perf_counter() - started) * 1000
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_status(Status(StatusCode.ERROR, f"{step.call}: {detail}"))
            if not step.ignore_errors:
                raise _Failed(status if status >= 500 else 502, f"call {step.call} failed: {detail}")


def _modeled_ms(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


def record(run: Run, seconds: float) -> None:
    """The run's outcome into the families, its caused events and queue jobs, and the service's log."""
    service = run.service
    stub, spec = service.stub, service.spec
    labels = {**run.labels, **stub.labels.status_labels(run.status)}
    service.metrics.record_run(run.op.name, labels, run.status, seconds, run.body)
    for name, event in spec.events.items():
        trigger = event.from_requests
        if trigger is None or (trigger.operations and run.op.name not in trigger.operations) \
                or not trigger.matches(run.status):  # fmt: skip
            continue
        if stub.faults.event_happens(spec.name, name, run.op.name, run.labels, trigger.fraction, stub.rng.random):
            service.events.occur_now(name, labels)
    for name, queue in spec.queues.items():
        trigger = queue.fed_by
        if trigger is not None and (not trigger.operations or run.op.name in trigger.operations) \
                and trigger.matches(run.status):  # fmt: skip
            service.queues[name].enqueue(run.labels, otel_context.get_current(), run.request_id, run.correlation_id)


def log_run(run: Run, seconds: float) -> None:
    """One log line for the run, in the service's schema."""
    level = "error" if run.status >= 500 else "warn" if run.status >= 400 else "info"
    body = run.body if run.service.spec.logs.body else None
    if isinstance(body, bytes):
        # An unparseable body may hold PII we cannot locate, so only its size is logged.
        body = f"[unparsed {len(body)} bytes]"
    fields = {
        "request_id": run.request_id, "correlation_id": run.correlation_id, "trace_id": run.trace_id or None,
        "span_id": run.span_id or None, "operation": run.op.name, "method": run.op.method if run.op.path else None,
        "path": run.op.path, "status_code": run.status, "duration_ms": round(seconds * 1000, 3), "body": body,
        "error": run.error,
    }  # fmt: skip
    run.service.log.write(level, f"{run.op.name} {run.status}", fields, run.labels, carried=run.given)


async def run_job(service: ServiceState, op: Operation, job: Job) -> None:
    """A queue job: the job operation runs as a CONSUMER span in the trace of the run that enqueued it."""
    inputs = RequestInputs(headers={service.spec.request_id_header.lower(): job.request_id})
    # Faults are planned on the job's labels (its topic, its store), not on ones drawn afresh.
    run = new_run(service, op, inputs, None, carried=job.labels)
    run.correlation_id = job.correlation_id or run.request_id
    try:
        await execute(run, job.context, SpanKind.CONSUMER)
    except InjectedException as exc:
        run.status, run.error = 500, f"internal error: {type(exc).__name__}"
    seconds = run.simulated_ms / 1000
    record(run, seconds)
    log_run(run, seconds)
