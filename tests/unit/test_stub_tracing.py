"""Spans: SERVER + downstream CLIENT child, traceparent continuation, errors, no PII."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from harness.stub.app import create_app
from harness.stub.logs import build_logger, close_logger
from harness.stub.redact import PII_FIELDS
from harness.stub.tracing import build_tracer_provider
from tests.unit.stub_support import TestClient, fast_profile

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
ALLOWED_ATTRIBUTES = {
    "operation",
    "http.method",
    "http.route",
    "http.status_code",
    "firedrill.lane",
    "firedrill.fault.latency",
    "firedrill.fault.error",
}

# One distinctive value per PII field, nested, so any leak into a span is detectable.
PII_VALUES = [f"secret-{field}-9c1d" for field in PII_FIELDS]
PII_BODY = {"user": {f: v for f, v in zip(PII_FIELDS, PII_VALUES, strict=True)}, "list": [{"Email": PII_VALUES[0]}]}


@pytest.fixture
def traced(tmp_path: Path) -> Any:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider("customerio-stub", "b", exporter=exporter)
    logger = build_logger(tmp_path / "stub.log")
    app = create_app(fast_profile(), lane="b", tracer_provider=provider, logger=logger, seed=1)
    with TestClient(app) as client:
        yield client, exporter, tmp_path / "stub.log"
    assert provider is not None
    provider.shutdown()
    close_logger(logger)


def by_kind(spans: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans if s.kind == kind]


def test_server_span_with_downstream_child(traced: Any) -> None:
    client, exporter, _ = traced
    client.post("/v1/send/email", json={"to": "x"})
    spans = exporter.get_finished_spans()
    (server,) = by_kind(spans, SpanKind.SERVER)
    (child,) = by_kind(spans, SpanKind.CLIENT)
    assert server.name == "send_email" and child.name == "customerio.api send_email"
    assert child.parent is not None and child.parent.span_id == server.context.span_id
    assert server.attributes is not None and server.attributes["http.status_code"] == 200
    assert server.resource.attributes["service.name"] == "customerio-stub"
    assert server.resource.attributes["firedrill.lane"] == "b"


def test_traceparent_is_continued_and_logged(traced: Any) -> None:
    client, exporter, log = traced
    client.post("/v1/track", json={}, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    (server,) = by_kind(exporter.get_finished_spans(), SpanKind.SERVER)
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None and format(server.parent.span_id, "016x") == PARENT_ID
    text = log.read_text()
    assert f'"trace_id": "{TRACE_ID}"' in text
    assert f'"span_id": "{format(server.context.span_id, "016x")}"' in text


@pytest.mark.parametrize("exception", [False, True])
def test_injected_error_marks_spans(traced: Any, exception: bool) -> None:
    client, exporter, _ = traced
    client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 1, "exception": exception}]})
    assert client.post("/v1/identify", json={}).status_code == 500
    spans = exporter.get_finished_spans()
    for span in spans:
        assert span.status.status_code == StatusCode.ERROR, span.name
        assert any(e.name == "exception" for e in span.events), span.name
    (server,) = by_kind(spans, SpanKind.SERVER)
    assert server.attributes is not None and server.attributes["firedrill.fault.error"] is True


def test_injected_latency_is_spent_in_the_child(traced: Any) -> None:
    client, exporter, _ = traced
    client.put("/_firedrill/faults", json={"faults": [{"kind": "latency", "delay_ms": 60}]})
    client.post("/v1/track", json={})
    (child,) = by_kind(exporter.get_finished_spans(), SpanKind.CLIENT)
    assert child.end_time is not None and child.start_time is not None
    assert (child.end_time - child.start_time) / 1e6 >= 55


def test_no_pii_in_span_attributes(traced: Any) -> None:
    client, exporter, _ = traced
    for op in ("identify", "track", "send_email"):
        client.post(f"/v1/{op}".replace("send_email", "send/email"), json=PII_BODY)
    client.post("/v1/webhook", json={**PII_BODY, "event": "delivered"})
    spans = exporter.get_finished_spans()
    assert len(spans) == 8
    for span in spans:
        attrs = dict(span.attributes or {})
        assert set(attrs) <= ALLOWED_ATTRIBUTES, set(attrs) - ALLOWED_ATTRIBUTES
        dumped = repr(attrs) + repr([e.attributes for e in span.events])
        for secret in PII_VALUES:
            assert secret not in dumped
