"""PII redaction at any depth, in the redactor and end to end in the log file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.stub.app import create_app
from harness.stub.profile import load_profile
from harness.stub.redact import PII_FIELDS, REDACTED, is_pii_key, redact
from tests.unit.stub_support import TestClient


def pii_body() -> tuple[dict[str, Any], list[str]]:
    """A body with one distinctive value per PII field, spread over several depths."""
    values = {field: f"secret-{field}-7f3a" for field in PII_FIELDS}
    items = list(values.items())
    body = {
        **dict(items[:5]),
        "profile": {"traits": [{k.upper(): v} for k, v in items[5:10]]},
        "deep": {"a": {"b": {"c": dict(items[10:])}}},
        "plan": "pro",
    }
    return body, list(values.values())


PII_BODY, PII_VALUES = pii_body()


def test_pii_fields_contract() -> None:
    assert {"email", "firstName", "creditCard", "paymentMethod", "ssn"} <= set(PII_FIELDS)
    assert len(PII_FIELDS) == 14


def test_redact_any_depth_and_case() -> None:
    doc = {"User": {"EMAIL": "a@b.c", "Address": {"street": "1 Main"}, "first_name": "Ann"}, "items": [{"phone": 1}]}
    assert redact(doc) == {
        "User": {"EMAIL": REDACTED, "Address": REDACTED, "first_name": REDACTED},
        "items": [{"phone": REDACTED}],
    }
    assert redact(["x", 1, None]) == ["x", 1, None]
    assert not is_pii_key("plan") and is_pii_key("AccessToken")


def test_redact_does_not_mutate_input() -> None:
    doc = {"email": "a@b.c"}
    redact(doc)
    assert doc == {"email": "a@b.c"}


def _send_pii(tmp_path: Path, redact_bodies: bool) -> str:
    profile = load_profile("customerio")
    app = create_app(profile, redact=redact_bodies, seed=1, log_dir=tmp_path / f"logs-{redact_bodies}")
    with TestClient(app, base_url="http://127.0.0.1") as client:  # the fault API answers loopback hosts only
        for path in ("/v1/identify", "/v1/track", "/v1/send/email"):
            assert client.post(path, json=PII_BODY).status_code == 200
        assert client.post("/v1/webhook", json={**PII_BODY, "event": "bounced"}).status_code == 200
        client.put("/_firedrill/faults", json={"faults": [{"kind": "error", "rate": 1}]})
        assert client.post("/v1/track", json=PII_BODY).status_code == 500
    app.stub.close()
    return (tmp_path / f"logs-{redact_bodies}" / "customerio-stub.log").read_text()


def test_no_pii_value_reaches_the_log(tmp_path: Path) -> None:
    text = _send_pii(tmp_path, redact_bodies=True)
    assert text.count('"operation":"') >= 5
    assert '"plan":"pro"' in text
    for secret in PII_VALUES:
        assert secret not in text


def test_no_redact_logs_values(tmp_path: Path) -> None:
    text = _send_pii(tmp_path, redact_bodies=False)
    assert all(secret in text for secret in PII_VALUES)
