"""OpenTelemetry setup for a stub: a private TracerProvider, never the global one.

Usage::

    >>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    >>> exporter = InMemorySpanExporter()
    >>> provider = build_tracer_provider("customerio-stub", "a", exporter=exporter)
    >>> with provider.get_tracer("t").start_as_current_span("x"):
    ...     pass
    >>> [s.name for s in exporter.get_finished_spans()]
    ['x']
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "harness.stub"
PROPAGATOR = TraceContextTextMapPropagator()


def build_tracer_provider(
    service_name: str,
    lane: str,
    *,
    otlp_endpoint: str | None = None,
    exporter: SpanExporter | None = None,
    schedule_delay_ms: float = 200,
) -> TracerProvider | None:
    """Provider exporting to ``{otlp_endpoint}/v1/traces`` (batched) or to ``exporter`` (synchronously).

    Returns None when neither is given: tracing is off.
    """
    if otlp_endpoint is None and exporter is None:
        return None
    resource = Resource.create({"service.name": service_name, "firedrill.lane": lane})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        # Synchronous export keeps in-memory test assertions free of timing.
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if otlp_endpoint is not None:
        otlp = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces", timeout=5)
        provider.add_span_processor(
            BatchSpanProcessor(otlp, max_queue_size=16384, schedule_delay_millis=schedule_delay_ms)
        )
    return provider


def get_tracer(provider: TracerProvider | None) -> trace.Tracer:
    """A tracer from ``provider``, or a no-op tracer when tracing is off."""
    return provider.get_tracer(TRACER_NAME) if provider is not None else trace.NoOpTracer()
