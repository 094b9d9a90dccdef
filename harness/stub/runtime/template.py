"""``{label}`` placeholders in span names and attributes, filled from a run's labels.

Example:
    >>> render("POST /webhooks/{topic}", {"topic": "orders/create"})
    'POST /webhooks/orders/create'
    >>> render("no placeholders", {"topic": "x"})
    'no placeholders'
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(text: str, labels: dict[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by the label's value (kept as is when the label is absent)."""
    if "{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: labels.get(m.group(1), m.group(0)), text)
