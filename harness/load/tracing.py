"""Helpers for locustfiles: W3C trace context and request ids, so traces start at the load generator.

Imported by locustfiles (inside the Locust subprocess), never by the harness itself.

Example (in a locustfile):
    from harness.load.tracing import trace_headers

    class Client(HttpUser):
        @task
        def track(self):
            self.client.post("/v1/track", json={...}, headers=trace_headers())
"""

from __future__ import annotations

import random
import uuid

_random = random.SystemRandom()


def traceparent() -> str:
    """A fresh sampled W3C `traceparent` header value (version 00)."""
    trace_id = _random.getrandbits(128) or 1
    span_id = _random.getrandbits(64) or 1
    return f"00-{trace_id:032x}-{span_id:016x}-01"


def trace_headers() -> dict[str, str]:
    """`traceparent` plus an `X-Request-ID` for one request."""
    return {"traceparent": traceparent(), "X-Request-ID": uuid.uuid4().hex}
