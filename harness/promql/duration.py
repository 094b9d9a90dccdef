"""Prometheus durations: parsed strictly, printed compactly, and a pydantic type for YAML fields.

Shared by scenarios, the compressor, the linter and the reports: a duration means the same thing everywhere.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

_DURATION_RE = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?!s))?"
    r"(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
_UNIT_S = {"y": 365 * 86400.0, "w": 7 * 86400.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration_s(text: str) -> float:
    """Parse a Prometheus duration strictly ("30s", "5m", "1h30m", "1500ms") into seconds.

    Bare numbers and decimals are rejected, as Prometheus rejects them in rule files.

    >>> parse_duration_s("1h30m")
    5400.0
    """
    match = _DURATION_RE.match(text.strip()) if text.strip() else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration; expected a Prometheus duration like 30s, 5m, 1h30m")
    return sum(int(v) * _UNIT_S[unit] for unit, v in match.groupdict().items() if v is not None)


def format_duration(seconds: float) -> str:
    """Format seconds as a Prometheus duration, with millisecond precision.

    >>> format_duration(5400), format_duration(1.5), format_duration(0)
    ('1h30m', '1s500ms', '0s')
    """
    sign = "-" if seconds < 0 else ""
    ms = round(abs(seconds) * 1000)
    if ms == 0:
        return "0s"
    parts = []
    # Days and weeks are left out on purpose: "36h" reads better than "1d12h" for drill-sized durations.
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def td_seconds(value: timedelta | None) -> float:
    """Seconds in a timedelta (0 for None)."""
    return 0.0 if value is None else value.total_seconds()


def duration_value(value: Any) -> float:
    """A Prometheus duration from YAML: "5m" -> 300.0, and a bare 0; anything else is a ValueError."""
    if isinstance(value, str):
        return parse_duration_s(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return 0.0
    raise ValueError(f"{value!r} has no unit; expected a Prometheus duration like 30s, 5m, 1h30m")


# A YAML duration field: "5m" -> 300.0 seconds (production time in scenarios).
Duration = Annotated[float, BeforeValidator(duration_value)]


def human_duration(seconds: float) -> str:
    """Readable duration: "8.5s" under a minute, else a Prometheus duration rounded to seconds.

    >>> human_duration(8.54), human_duration(450.2)
    ('8.5s', '7m30s')
    """
    if abs(seconds) < 60:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s"
    return format_duration(round(seconds))
