"""JaegerClient reads /api/v3's OTLP JSON into SpanRecords: services from resources, errors from either spelling."""

from __future__ import annotations

from harness.stack.clients import JaegerClient, SpanRecord

BODY = {
    "result": {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "ABCD",
                                "spanId": "01",
                                "name": "POST /pay",
                                "startTimeUnixNano": "1700000000000000000",
                                "endTimeUnixNano": "1700000000250000000",
                                "status": {"code": "STATUS_CODE_ERROR"},
                                "attributes": [
                                    {"key": "http.status_code", "value": {"intValue": "503"}},
                                    {"key": "retry", "value": {"boolValue": True}},
                                ],
                                "events": [{"name": "exception"}],
                            },
                            {"traceId": "abcd", "spanId": "02", "name": "db", "status": {"code": 2}},
                        ]
                    }
                ],
            },
            {"resource": {}, "scopeSpans": [{"spans": [{"name": "ok", "startTimeUnixNano": 5, "endTimeUnixNano": 1}]}]},
        ]
    }
}


def test_spans_carry_their_resources_service_attributes_and_error_status() -> None:
    pay, db, ok = JaegerClient._spans(BODY)
    assert pay == SpanRecord(
        trace_id="abcd",
        span_id="01",
        name="POST /pay",
        service="checkout",
        start_unix_s=1700000000.0,
        duration_s=0.25,
        error=True,
        attributes={"http.status_code": "503", "retry": True},
        event_names=["exception"],
    )
    assert (db.service, db.error, db.trace_id) == ("checkout", True, "abcd")  # the numeric status code counts too
    assert (ok.service, ok.error, ok.duration_s) == ("", False, 0.0)  # no resource name; an end before start is 0


def test_an_empty_answer_is_no_spans() -> None:
    assert JaegerClient._spans({}) == []
    assert JaegerClient._spans({"result": None}) == []
