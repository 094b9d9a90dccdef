"""PII redaction for what the stub logs, by key and by value (see :mod:`harness.pii`).

Usage::

    >>> redact({"user": {"Email": "a@b.c", "plan": "pro"}})
    {'user': {'Email': '[REDACTED]', 'plan': 'pro'}}
"""

from __future__ import annotations

from typing import Any

from harness.pii import DEFAULT_PII_FIELDS, REDACTED, PiiPolicy

PII_FIELDS = DEFAULT_PII_FIELDS
_DEFAULT = PiiPolicy.of(PII_FIELDS)

__all__ = ["PII_FIELDS", "REDACTED", "is_pii_key", "redact"]


def is_pii_key(key: str) -> bool:
    """True when ``key`` names a PII field (case-insensitive).

    >>> is_pii_key("FIRSTNAME"), is_pii_key("plan")
    (True, False)
    """
    return _DEFAULT.is_pii_key(key)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every PII key's value replaced at any depth, and PII values masked."""
    return _DEFAULT.redact(value)
