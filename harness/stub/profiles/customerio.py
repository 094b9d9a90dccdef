"""Customer.io profile hooks: webhook bodies must carry a known delivery event.

Usage::

    >>> validate_request("webhook", {"event": "delivered"}) is None
    True
    >>> validate_request("webhook", {"event": "exploded"})
    "webhook event must be one of ['bounced', 'delivered', 'opened']"
"""

from __future__ import annotations

WEBHOOK_EVENTS = frozenset({"delivered", "bounced", "opened"})


def validate_request(operation: str, body: object) -> str | None:
    """Reject webhook deliveries whose ``event`` is missing or unknown."""
    if operation != "webhook":
        return None
    event = body.get("event") if isinstance(body, dict) else None
    if event not in WEBHOOK_EVENTS:
        return f"webhook event must be one of {sorted(WEBHOOK_EVENTS)}"
    return None
