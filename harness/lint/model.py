"""What the linter reads and what it reports: findings, routing rows, and the located inputs they point into.

Findings are pydantic models (they go to JSON as they are); the located inputs (rules, queries, text spans) are
frozen dataclasses because they carry promql_parser AST nodes, which are not serialisable.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

import promql_parser as pp
from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]


class Finding(BaseModel):
    """One problem, located by file, 1-based line and (when known) 1-based column.

    >>> print(Finding(file="a.yml", line=3, column=9, check="promql/series", severity="error", message="m"))
    a.yml:3:9: error promql/series: m
    """

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int | None = None
    check: str
    severity: Severity
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        fix = f"; {self.suggestion}" if self.suggestion else ""
        return f"{where}: {self.severity} {self.check}: {self.message}{fix}"


class RouteRow(BaseModel):
    """Where one alert's static labels lead in the Alertmanager routing tree (from `amtool config routes test`)."""

    model_config = ConfigDict(frozen=True)

    alert: str
    labels: dict[str, str]
    receivers: list[str]
    default_only: bool
    file: str
    line: int
    config: str = ""  # the Alertmanager config routed through


class LintReport(BaseModel):
    """Everything one lint run found; ``exit_code`` is what the CLI returns (input errors exit 2 before this)."""

    findings: list[Finding] = []
    routes: list[RouteRow] = []
    alertmanagers: list[str] = []
    targets: list[str] = []
    notes: list[str] = []

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return sum(f.severity == "warning" for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        """1 when there are errors (or warnings under ``strict``), else 0.

        >>> LintReport().exit_code()
        0
        """
        return 1 if self.errors or (strict and self.warnings) else 0


@dataclass(frozen=True)
class TextSpan:
    """Where the characters of a string value sit in its file, so an offset inside it maps to line:column.

    Each segment is ``(offset in the value, 1-based line, 1-based column)`` of the first character of one
    source line of the value (a YAML block scalar spans several lines; a JSON string one).

    >>> TextSpan(((0, 5, 11), (12, 6, 11))).position(14)
    (6, 13)
    """

    segments: tuple[tuple[int, int, int], ...]

    @property
    def line(self) -> int:
        """The line of the value's first character."""
        return self.segments[0][1]

    @property
    def column(self) -> int:
        """The column of the value's first character."""
        return self.segments[0][2]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of ``offset`` in the value; offsets past a segment's end stay on its line."""
        index = max(bisect_right([s[0] for s in self.segments], max(offset, 0)) - 1, 0)
        start, line, column = self.segments[index]
        return line, column + max(offset, 0) - start

    @classmethod
    def at(cls, line: int, column: int = 1) -> TextSpan:
        """A single-segment span starting at ``line:column``."""
        return cls(((0, line, column),))


@dataclass(frozen=True)
class Rule:
    """One alerting or recording rule with the positions of its parts."""

    file: str
    group: str
    index: int  # 1-based within its group, as promtool counts
    kind: Literal["alert", "record"]
    name: str
    line: int
    expr: str
    expr_span: TextSpan
    evaluation_s: float  # the group's interval, or the global evaluation interval
    for_s: float = 0.0
    for_line: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    label_spans: dict[str, TextSpan] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    annotation_spans: dict[str, TextSpan] = field(default_factory=dict)
    end_line: int = 0  # the rule's last line (inline ``# firedrill: disable=`` comments apply up to it)

    @property
    def what(self) -> str:
        """``alert X`` or ``record Y`` for messages."""
        return f"{self.kind} {self.name}"

    def finding(self, check: str, severity: Severity, message: str, suggestion: str | None = None) -> Finding:
        """A finding at the rule's first line."""
        return Finding(file=self.file, line=self.line, check=check, severity=severity, message=message,
                       suggestion=suggestion)  # fmt: skip


@dataclass(frozen=True)
class Query:
    """A parsed PromQL expression to check, from a rule or a dashboard panel.

    ``text`` is what was parsed (for a panel: after substituting Grafana variables); ``span`` maps offsets in
    it back to the file.
    """

    file: str
    where: str
    text: str
    span: TextSpan
    node: pp.Expr
    rule: Rule | None = None

    def finding(
        self,
        check: str,
        severity: Severity,
        message: str,
        suggestion: str | None = None,
        offset: int = 0,
    ) -> Finding:
        """A finding at ``offset`` in this query, its message prefixed with what the query belongs to."""
        line, column = self.span.position(offset)
        return Finding(
            file=self.file,
            line=line,
            column=column,
            check=check,
            severity=severity,
            message=f"{self.where}: {message}",
            suggestion=suggestion,
        )
