"""Helpers shared by the lint tests (no tests here): fixture paths, one-call lint, the "# <- CHECK" markers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.lint import LintInputs, LintReport, lint
from harness.lint.model import Finding

ROOT = Path(__file__).resolve().parents[2]
LINT = Path("tests/fixtures/lint")
CUSTOMERIO = Path("fixtures/customerio")
_MARKER = re.compile(r"#\s*<-\s*([a-z]+/[a-z-]+(?:\s*,\s*[a-z]+/[a-z-]+)*)")


def run_lint(
    rules: list[Path] | None = None,
    dashboards: list[Path] | None = None,
    alertmanager: Path | None = None,
    targets: list[str] | None = None,
    scrape_s: float = 15.0,
    **more: Any,
) -> LintReport:
    """Lint with the repository root as working directory, so finding paths read like the fixture paths."""
    return lint(
        LintInputs(
            rules=rules or [],
            dashboards=dashboards or [],
            alertmanagers=[alertmanager] if alertmanager else [],
            targets=targets or [],
            scrape_s=scrape_s,
            **more,
        )
    )


def markers(path: Path) -> list[tuple[int, str]]:
    """(line, check) for every ``# <- check`` comment in ``path``."""
    return [
        (number, check.strip())
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if (match := _MARKER.search(text))
        for check in match.group(1).split(",")
    ]


def at(report: LintReport, file: Path, line: int, check: str) -> list[Finding]:
    """Findings of ``check`` at ``file:line``."""
    return [f for f in report.findings if f.file == str(file) and f.line == line and f.check == check]


def checks(report: LintReport) -> list[tuple[str, int, str]]:
    """(file, line, check) of every finding, for compact assertions."""
    return [(f.file, f.line, f.check) for f in report.findings]
