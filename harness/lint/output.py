"""Lint reports as text: grouped by file for people, JSON for tools, workflow commands for GitHub Actions, and
SARIF 2.1.0 for GitHub code scanning (findings on the pull request's lines)."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from harness.lint import registry
from harness.lint.model import LintReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


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
    for config, routed in groupby(report.routes, key=lambda r: r.config):
        out.append(f"routes ({config}), from each alert's static labels:")
        rows = [("alert", "labels", "receiver")]
        for row in routed:
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


def sarif(report: LintReport) -> str:
    """The report as a SARIF 2.1.0 log: every check as a rule of the ``firedrill lint`` driver, every finding as
    a result at its file (relative to the repository root), line and column.

    >>> from harness.lint.model import Finding
    >>> log = json.loads(sarif(LintReport(findings=[Finding(file="a.yml", line=3, column=9, check="promql/series",
    ...                                                     severity="error", message="m", suggestion="s")])))
    >>> result = log["runs"][0]["results"][0]
    >>> result["ruleId"], result["level"], result["locations"][0]["physicalLocation"]["region"]
    ('promql/series', 'error', {'startLine': 3, 'startColumn': 9})
    """
    index = {c.id: i for i, c in enumerate(registry.CHECKS)}
    rules = [
        {
            "id": c.id,
            "name": c.id.replace("/", "-"),
            "shortDescription": {"text": c.description},
            "defaultConfiguration": {"enabled": c.default},
        }
        for c in registry.CHECKS
    ]
    results: list[dict[str, Any]] = []
    for f in report.findings:
        region: dict[str, int] = {"startLine": max(f.line, 1)}
        if f.column:
            region["startColumn"] = f.column
        result: dict[str, Any] = {
            "ruleId": f.check,
            "level": f.severity,
            "message": {"text": f.message + (f" (fix: {f.suggestion})" if f.suggestion else "")},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"}, "region": region}}
            ],
        }
        if f.check in index:
            result["ruleIndex"] = index[f.check]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "firedrill lint", "rules": rules}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2)


def render(report: LintReport, fmt: str, strict: bool = False) -> str:
    """The report in ``fmt`` (``human``, ``json``, ``github`` or ``sarif``)."""
    if fmt == "json":
        return as_json(report, strict)
    if fmt == "github":
        return github(report)
    if fmt == "sarif":
        return sarif(report)
    return human(report, strict)
