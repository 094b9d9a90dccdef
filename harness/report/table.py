"""The terminal summary: one row per expectation, production-equivalent times with wall-clock beside."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.drill.result import RunResult
from harness.promql.duration import human_duration
from harness.report.flake import FlakeReport, compare_runs

_MARKS = {"pass": "[green]PASS[/]", "fail": "[red]FAIL[/]", "xfail": "[yellow]XFAIL[/]",
          "xpass": "[red]XPASS[/]", "error": "[magenta]ERROR[/]"}  # fmt: skip


def _time(seconds: float | None) -> str:
    return "" if seconds is None else human_duration(seconds)


def verdict_table(results: RunResult) -> Table:
    """Build the rich Table (scenario, phase, alert, expectation, time, budget, receiver, wall, verdict).

    >>> Console().print(verdict_table(results))  # doctest: +SKIP
    """
    table = Table(title=f"firedrill (compress x{results.compress:g})", show_lines=False, caption=versions_line(results))
    for column in ("scenario", "phase", "alert", "expectation", "time (prod)", "budget", "receiver", "wall"):
        table.add_column(column, no_wrap=column not in ("expectation",))
    table.add_column("verdict")
    lanes_per_name = Counter(result.name for result in results.scenarios)
    for result in results.scenarios:
        # Escaped: "[a]" and PromQL's "[5m]" would otherwise be read as rich markup and vanish.
        name = escape(result.name if lanes_per_name[result.name] == 1 else f"{result.name}[{result.lane}]")
        if result.error is not None:
            # The full message (with the component's log) is printed below the table.
            table.add_row(name, "", "", "", "", "", "", "", f"[magenta]ERROR[/] {escape(result.error.component)}")
        for pv in result.phases:
            for v in pv.verdicts:
                mark = _MARKS[v.outcome or "fail"] + ("" if v.outcome == "pass" else f" {escape(v.reason)}")
                table.add_row(
                    name,
                    pv.phase,
                    v.alert or "",
                    v.kind,
                    _time(v.measured_s),
                    _time(v.budget_s),
                    v.receiver or "",
                    _time(v.wall_measured_s),
                    mark,
                )
    return table


def versions_line(results: RunResult) -> str | None:
    """The stack's versions under the table: ``prometheus 3.16.0 · alertmanager 0.35.0 · jaeger unknown``.

    >>> from datetime import datetime
    >>> versions_line(RunResult(compress=30, started_at=datetime(2024, 1, 1), scenarios=[])) is None  # no drill
    True
    """
    versions = results.versions
    return " · ".join(f"{name} {escape(versions[name])}" for name in sorted(versions)) or None


def flake_table(report: FlakeReport) -> Table:
    """Flaky expectations and the spread of each alert's time to fire."""
    table = Table(title=f"flakes over {report.runs} runs")
    for column in ("scenario", "phase", "expectation", "outcomes / spread (min / median / max)"):
        table.add_column(column)
    for f in report.flakes:
        outcomes = " ".join("pass" if ok else "fail" for ok in f.outcomes)
        table.add_row(f.scenario, f.phase, f"{f.kind} {f.alert or ''}".strip(), outcomes)
    for s in report.spreads:
        spread = f"{human_duration(s.min_s)} / {human_duration(s.median_s)} / {human_duration(s.max_s)}"
        table.add_row(s.scenario, "", f"fires {s.alert}", spread)
    return table


def print_report(results: RunResult, console: Console | None = None) -> None:
    """Print the verdict table (and the flake table when runs were repeated)."""
    console = console or Console()
    console.print(verdict_table(results))
    if results.repeats:
        console.print(flake_table(compare_runs([*results.repeats, results.scenarios])))
