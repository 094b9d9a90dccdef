"""Inline ``# firedrill: disable=ID[,ID...]`` comments: on any line of a rule, or on the line above it, they turn
those checks off for that rule. The same comment on a scenario expectation does it for the drill checks.

An unknown id in a comment is bad input (exit 2), not a silently ignored typo.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from harness.errors import InputError, Problem
from harness.lint.model import Finding

_COMMENT = re.compile(r"#\s*firedrill:\s*disable\s*=\s*([\w/,\s-]+)")


@dataclass(frozen=True)
class Suppression:
    """Checks turned off for lines ``first..last`` of ``file``."""

    file: str
    first: int
    last: int
    checks: frozenset[str]

    def covers(self, finding: Finding) -> bool:
        """Whether ``finding`` is one of the turned-off checks inside the span."""
        return finding.file == self.file and self.first <= finding.line <= self.last and finding.check in self.checks


def comments(file: str, lines: list[str], known: set[str]) -> dict[int, frozenset[str]]:
    """1-based line -> check ids of each disable comment in ``lines``; unknown ids raise InputError.

    >>> comments("r.yml", ["- alert: A  # firedrill: disable=alerts/summary, alerts/severity"],
    ...          {"alerts/summary", "alerts/severity"})[1] == {"alerts/summary", "alerts/severity"}
    True
    """
    found: dict[int, frozenset[str]] = {}
    problems = []
    for number, text in enumerate(lines, start=1):
        match = _COMMENT.search(text)
        if match is None:
            continue
        ids = frozenset(part.strip() for part in match.group(1).split(",") if part.strip())
        for unknown in sorted(ids - known):
            close = difflib.get_close_matches(unknown, sorted(known), n=1)
            hint = f"did you mean {close[0]}?" if close else "firedrill lint --list-checks lists them"
            problems.append(Problem(file, number, f"unknown check {unknown!r} in a firedrill: disable comment; {hint}"))
        found[number] = ids
    if problems:
        raise InputError(problems)
    return found


def spans(
    file: str, found: dict[int, frozenset[str]], blocks: list[tuple[int, int]], lines: list[str]
) -> list[Suppression]:
    """A suppression per (first, last) block with a comment on one of its lines, or alone on the line above it."""
    out = []
    for first, last in blocks:
        above = first - 1 if first > 1 and lines[first - 2].lstrip().startswith("#") else first
        ids = frozenset().union(*(checks for line, checks in found.items() if above <= line <= max(last, first)))
        if ids:
            out.append(Suppression(file, first, max(last, first), ids))
    return out


def node_lines(node: object, lines: list[str]) -> tuple[int, int]:
    """1-based (first, last) line of a YAML node, less trailing blank and comment-only lines.

    A block mapping in a list ends where the next item's ``-`` starts; that line is not part of it.
    """
    start, end = node.start_mark, node.end_mark  # type: ignore[attr-defined]
    first = start.line + 1
    last = end.line + 1 if end.line < len(lines) and lines[end.line][: end.column].strip() else end.line
    while last > first and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
        last -= 1
    return first, max(last, first)
