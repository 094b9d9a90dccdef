"""The stub's log lines written during a phase, read back for ``logs`` expectations: PII, and required fields.

Each service of each lane logs to its own file; a phase's lines are the bytes written between its start and
its end. A line is scanned for PII by key and by value (:mod:`harness.pii`), and checked for the fields every
line must carry (``requestId``; dotted for nested keys, ``req.method``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.drill.timeline import LogScan
from harness.pii import PiiPolicy


@dataclass
class LogSource:
    """One service's log file in one lane, its PII policy, and where the current phase's lines begin."""

    lane: str
    path: Path
    pii: PiiPolicy = field(default_factory=PiiPolicy.of)
    start: int = 0
    # Each finished phase's byte range, kept: a phase is scanned after the next one has begun (and moved start).
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    def mark_start(self) -> None:
        self.start = _size(self.path)

    def mark_end(self, phase: str) -> None:
        self.ranges[phase] = (self.start, _size(self.path))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def has_field(record: object, dotted: str) -> bool:
    """True when the JSON record holds a non-empty value at the dotted key.

    >>> record = {"requestId": "r1", "req": {"method": "GET"}, "correlationId": ""}
    >>> has_field(record, "req.method"), has_field(record, "correlationId"), has_field(record, "res.statusCode")
    (True, False, False)
    """
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value not in (None, "", [], {})


def scan_log(path: Path, start: int, end: int, pii: PiiPolicy, fields: Iterable[str] = (), limit: int = 20) -> LogScan:
    """The lines in a byte range of a log: up to ``limit`` PII findings (``stub.log:12: body.email holds a
    value``) and, for each of ``fields``, how many lines lack it, with the first few of them located.

    Example:
        >>> scan_log(Path("/nonexistent.log"), 0, 0, PiiPolicy.of(), ["requestId"]).lines
        0
    """
    wanted = list(fields)
    try:
        with path.open("rb") as handle:
            handle.seek(start)
            chunk = handle.read(max(0, end - start)).decode("utf-8", "replace")
            handle.seek(0)
            first_line = handle.read(start).count(b"\n") + 1
    except OSError:
        return LogScan(path=str(path))
    hits: list[str] = []
    missing: Counter[str] = Counter()
    missing_at: list[str] = []
    lines = chunk.splitlines()
    for number, line in enumerate(lines, first_line):
        try:
            record: object = json.loads(line)
        except ValueError:
            record = line
        if len(hits) < limit:
            hits += [f"{path.name}:{number}: {finding}" for finding in pii.findings(record)]
        for name in wanted:
            if not has_field(record, name):
                missing[name] += 1
                if len(missing_at) < limit:
                    missing_at.append(f"{path.name}:{number}: no {name}")
    return LogScan(path=str(path), pii_hits=hits[:limit], lines=len(lines), missing=dict(missing),
                   missing_at=missing_at)  # fmt: skip


def scan_lines(path: Path, start: int, end: int, pii: PiiPolicy, limit: int = 20) -> tuple[int, list[str]]:
    """(lines read, up to ``limit`` PII findings) in a byte range of a log.

    Example:
        >>> scan_lines(Path("/nonexistent.log"), 0, 0, PiiPolicy.of())
        (0, [])
    """
    scan = scan_log(path, start, end, pii, limit=limit)
    return scan.lines, scan.pii_hits
