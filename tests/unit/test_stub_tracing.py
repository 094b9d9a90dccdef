"""Spans: each operation's SERVER span and its steps, faults where the profile puts them, one trace across services."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from harness.stub.faults import parse_fault
from harness.stub.profile import load_profile
from tests.unit.stub_support import running, shop

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def named(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    (span,) = [s for s in spans if s.name == name]
    return span


def test_customerio_server_span_with_its_downstream_client_span(tmp_path: Path) -> None:
    with running(load_profile("customerio"), tmp_path) as stub:
        stub.client.post("/v1/send/email", json={"to": "x"}, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    spans = stub.spans.get_finished_spans()
    server, client = named(spans, "send_email"), named(spans, "customerio.api send_email")
    assert server.kind == SpanKind.SERVER and client.kind == SpanKind.CLIENT
    assert format(server.context.trace_id, "032x") == TRACE_ID and server.parent.span_id == int(PARENT_ID, 16)
    assert client.parent is not None and client.parent.span_id == server.context.span_id
    assert server.resource.attributes["service.name"] == "customerio-stub"


def test_an_injected_error_lands_in_the_client_span(tmp_path: Path) -> None:
    with running(load_profile("customerio"), tmp_path) as stub:
        stub.app.stub.faults.replace([parse_fault({"kind": "error", "operation": "track", "status": 503})])
        stub.client.post("/v1/track", json={})
    spans = stub.spans.get_finished_spans()
    client, server = named(spans, "customerio.api track"), named(spans, "track")
    assert client.status.status_code == StatusCode.ERROR and [e.name for e in client.events] == ["exception"]
    assert server.status.status_code == StatusCode.ERROR and server.attributes["http.response.status_code"] == 503


def test_one_trace_across_services_with_steps_events_and_a_queue_job(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        stub.client.post("/v1/checkout", json={}, headers={"X-Store-Id": "store_9"})
        import time

        time.sleep(0.2)  # the queue's worker runs the job
    spans = stub.spans.get_finished_spans()
    assert len({s.context.trace_id for s in spans}) == 1
    services = {s.resource.attributes["service.name"] for s in spans}
    assert services == {"shop-api", "shop-jobs"}
    checkout, db = named(spans, "checkout"), named(spans, "db.query orders")
    assert db.parent.span_id == checkout.context.span_id and db.attributes["shop.store"] == "store_9"
    assert len([s for s in spans if s.name.startswith("tool ")]) == 2
    call, enqueue, job = named(spans, "POST shop-jobs"), named(spans, "enqueue"), named(spans, "process")
    assert call.kind == SpanKind.CLIENT and enqueue.parent.span_id == call.context.span_id
    assert job.kind == SpanKind.CONSUMER and job.parent.span_id == enqueue.context.span_id


def test_labels_travel_as_baggage(tmp_path: Path) -> None:
    with running(shop(), tmp_path) as stub:
        stub.client.post("/v1/checkout", json={}, headers={"X-Store-Id": "store_9"})
        import time

        time.sleep(0.2)
    jobs = [line for line in stub.log("shop-jobs") if line.get("operation") == "process"]
    assert jobs and all(line["event"] == "process 200" for line in jobs)
    text = stub.metrics("shop-jobs")
    assert 'shop_job_attempts_total{job="sync",status="success",storeId="store_9"} 1.0' in text
