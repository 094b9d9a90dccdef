"""Scan a service's JSON log for PII that escaped redaction.

A hit is a value under one of the seeded PII keys (at any depth) that is not the redaction marker, or an
email address anywhere in a line. Non-JSON lines are scanned for email addresses only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.stub.redact import REDACTED, is_pii_key

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def scan_log(path: Path, limit: int = 20) -> list[str]:
    """Up to `limit` findings like `stub.log:12: body.user.email holds a value`; empty when clean.

    Example:
        >>> scan_log(Path("/nonexistent.log"))
        []
    """
    hits: list[str] = []
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return hits
    for number, line in enumerate(lines, 1):
        where = f"{Path(path).name}:{number}"
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if record is not None:
            hits += [f"{where}: {key} holds a value" for key in _pii_values(record)]
        if _EMAIL.search(line):
            hits.append(f"{where}: an email address appears in the line")
        if len(hits) >= limit:
            break
    return hits[:limit]


def _pii_values(value: Any, prefix: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(key, str) and is_pii_key(key) and item not in (REDACTED, None, ""):
                found.append(path)
            else:
                found += _pii_values(item, f"{path}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _pii_values(item, f"{prefix}{index}.")
    return found
