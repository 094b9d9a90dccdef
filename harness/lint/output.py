"""Lint reports as text: grouped by file for people, JSON for tools, workflow commands for GitHub Actions."""

from __future__ import annotations

import json
from itertools import groupby

from harness.lint.model import LintReport


def human(report: LintReport, strict: bool = False) -> str:
    """Findings grouped by file with ``line:column``, the routing table, then a one-line summary.

    >>> from harness.lint.model import Finding
    >>> print(human(LintReport(findings=[Finding(file="a.yml", line=3, column=9, check="alerts/for",
    ...                                          severity="warning", message="m", suggestion="s")])))
    a.yml
      3:9  warning  alerts/for  m
                                fix: s
    <BLANKLINE>
    0 errors, 1 warning
    """
    out: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.file):
        items = list(group)
        where = [f"{f.line}:{f.column}" if f.column else str(f.line) for f in items]
        w_where = max(len(w) for w in where)
        w_sev = max(len(f.severity) for f in items)
        w_check = max(len(f.check) for f in items)
        out.append(file)
        for f, at in zip(items, where, strict=True):
            out.append(f"  {at:<{w_where}}  {f.severity:<{w_sev}}  {f.check:<{w_check}}  {f.message}")
            if f.suggestion:
                out.append(" " * (w_where + w_sev + w_check + 8) + f"fix: {f.suggestion}")
        out.append("")
    if report.routes:
        out.append(f"routes ({report.alertmanager}), from each alert's static labels:")
        rows = [("alert", "labels", "receiver")]
        for row in report.routes:
            labels = ", ".join(f"{k}={v}" for k, v in row.labels.items() if k != "alertname") or "-"
            receivers = ", ".join(row.receivers) or "(none)"
            rows.append((row.alert, labels, receivers + (" (default route)" if row.default_only else "")))
        widths = [max(len(r[i]) for r in rows) for i in range(2)]
        out += [f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
        out.append("")
    out += [f"note: {note}" for note in report.notes]
    summary = f"{report.errors} error{'s' if report.errors != 1 else ''}, " + (
        f"{report.warnings} warning{'s' if report.warnings != 1 else ''}"
    )
    if strict and report.warnings:
        summary += " (--strict: warnings fail)"
    out.append(summary + (f" against {', '.join(report.targets)}" if report.targets else ""))
    return "\n".join(out)


def as_json(report: LintReport, strict: bool = False) -> str:
    """The report as JSON, with ``errors``, ``warnings`` and ``exit_code`` added.

    >>> json.loads(as_json(LintReport()))["exit_code"]
    0
    """
    data = report.model_dump(mode="json")
    data.update(errors=report.errors, warnings=report.warnings, exit_code=report.exit_code(strict))
    return json.dumps(data, indent=2)


def github(report: LintReport) -> str:
    """One GitHub Actions workflow command per finding (``::error file=...,line=...::message``).

    >>> from harness.lint.model import Finding
    >>> print(github(LintReport(findings=[Finding(file="a.yml", line=3, check="promql/series", severity="error",
    ...                                           message="x: 50% off", suggestion="y")])))
    ::error file=a.yml,line=3,title=promql/series::x: 50%25 off (fix: y)
    """
    lines = []
    for f in report.findings:
        props = [f"file={_prop(f.file)}", f"line={f.line}"] + ([f"col={f.column}"] if f.column else [])
        props.append(f"title={_prop(f.check)}")
        text = f.message + (f" (fix: {f.suggestion})" if f.suggestion else "")
        lines.append(f"::{f.severity} {','.join(props)}::{_data(text)}")
    return "\n".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport, fmt: str, strict: bool = False) -> str:
    """The report in ``fmt`` (``human``, ``json`` or ``github``)."""
    if fmt == "json":
        return as_json(report, strict)
    if fmt == "github":
        return github(report)
    return human(report, strict)
