"""The /metrics exposition: exact family names, buckets, and ``promtool check metrics``."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.stub.app import create_app
from tests.unit.stub_support import TestClient

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
EXPECTED = {
    "customerio_requests": "counter",
    "customerio_request_duration_seconds": "histogram",
    "customerio_queue_depth": "gauge",
    "customerio_email_sent": "counter",
    "customerio_email_bounced": "counter",
    "customerio_webhook_received": "counter",
    "customerio_webhook_failures": "counter",
}


@pytest.fixture(scope="module")
def exposition() -> str:
    app = create_app("customerio", seed=2)
    with TestClient(app) as client:
        client.put(
            "/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 0.3}, {"kind": "bounce", "rate": 0.5}]}
        )
        for _ in range(10):
            client.post("/v1/send/email", json={})
            client.post("/v1/webhook", json={"event": "delivered"})
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_family_names_and_types(exposition: str) -> None:
    families = {f.name: f.type for f in text_string_to_metric_families(exposition)}
    for name, kind in EXPECTED.items():
        assert families.get(name) == kind, name
    assert "process_cpu_seconds" in families and "python_info" in families
    assert 'customerio_requests_total{operation="send_email",status="error"}' in exposition
    assert "customerio_email_sent_total " in exposition


def test_no_lane_or_instance_labels(exposition: str) -> None:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            assert not {"lane", "instance", "job"} & set(sample.labels), sample


def test_histogram_buckets(exposition: str) -> None:
    (hist,) = [f for f in text_string_to_metric_families(exposition) if f.name == "customerio_request_duration_seconds"]
    les = sorted({s.labels["le"] for s in hist.samples if s.name.endswith("_bucket")}, key=float)
    assert les == ["0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "+Inf"]


def test_promtool_check_metrics(exposition: str) -> None:
    result = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=exposition, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
