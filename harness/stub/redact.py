"""PII redaction for logged request bodies.

``PII_FIELDS`` is the contract with the drill engine, which scans stub logs
for values sent under these keys.

Usage::

    >>> redact({"user": {"Email": "a@b.c", "plan": "pro"}})
    {'user': {'Email': '[REDACTED]', 'plan': 'pro'}}
"""

from __future__ import annotations

from typing import Any

PII_FIELDS: tuple[str, ...] = (
    "email",
    "phone",
    "address",
    "name",
    "firstName",
    "lastName",
    "customerId",
    "sessionId",
    "accessToken",
    "refreshToken",
    "password",
    "ssn",
    "creditCard",
    "paymentMethod",
)

REDACTED = "[REDACTED]"


def _normalise(key: str) -> str:
    # Case-insensitive, and snake/kebab spellings (first_name) count as the same key.
    return key.lower().replace("_", "").replace("-", "")


_PII_KEYS = frozenset(_normalise(k) for k in PII_FIELDS)


def is_pii_key(key: str) -> bool:
    """True when ``key`` names a PII field (case-insensitive).

    >>> is_pii_key("FIRSTNAME"), is_pii_key("plan")
    (True, False)
    """
    return _normalise(key) in _PII_KEYS


def redact(value: Any) -> Any:
    """Return a copy of ``value`` with every PII key's value replaced, at any depth.

    The whole value under a PII key is replaced, even when it is a dict or list,
    because nested parts of an address or payment method are PII too.
    """
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and is_pii_key(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
