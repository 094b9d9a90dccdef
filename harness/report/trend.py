"""`firedrill trend REPORT.json|DIR...`: how alert timing and verdicts moved across runs (e.g. the nightlies).

Reads report.json files (a directory stands for every report.json under it), orders the runs by their start,
and follows each timed expectation (``fires``, ``notification``, ``resolves``) of each alert from run to run:
its measured time and its budget, in production time. A verdict flip is an expectation whose outcome differs
from the run before. The page (:mod:`harness.report.trend_page`) follows report.html's conventions.

Example:
    $ firedrill trend nightly-reports/ out/nightly/report.json --out out/trend.html
    out/trend.html: 14 runs, 5 alerts charted, 2 verdict flips
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness.errors import FiredrillError
from harness.report.compare import Report, ReportExpectation, scenario_key

TIMED_KINDS = ("fires", "notification", "resolves")


@dataclass(frozen=True)
class Run:
    """One report.json and when its run started."""

    path: Path
    report: Report
    started_at: datetime | None

    @property
    def when(self) -> str:
        """``2024-05-01 02:17`` (UTC), or the file's name when the report has no start time."""
        return f"{self.started_at:%Y-%m-%d %H:%M}" if self.started_at else self.path.parent.name or self.path.name


@dataclass
class Series:
    """One timed expectation across runs; ``points[i]`` is run i's (measured_s, budget_s, outcome), or None
    when that run did not check it."""

    scenario: str
    phase: str
    alert: str
    kind: str
    receiver: str | None
    points: list[tuple[float | None, float | None, str] | None] = field(default_factory=list)

    @property
    def label(self) -> str:
        to = f" -> {self.receiver}" if self.kind == "notification" and self.receiver else ""
        return f"{self.kind}{to} ({self.phase})"


@dataclass(frozen=True)
class Flip:
    """An expectation whose outcome changed from one run to the next."""

    scenario: str
    phase: str
    expectation: str
    before_run: int
    after_run: int
    before: str
    after: str
    reason: str


def outcome(expectation: ReportExpectation) -> str:
    """pass, fail, xfail or xpass (older reports only say passed)."""
    return expectation.outcome or ("pass" if expectation.passed else "fail")


def load_runs(paths: list[Path]) -> list[Run]:
    """Every report.json named or under a named directory, oldest run first; FiredrillError (exit 2) when one
    cannot be read or none is found."""
    files: list[Path] = []
    empty: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("report.json"))
            files += found
            empty += [] if found else [path]
        else:
            files.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in files))
    if not unique:
        raise FiredrillError(f"no report.json found in {', '.join(map(str, empty))}; pass report.json files or "
                             "directories that hold them")  # fmt: skip
    for path in empty:  # e.g. a night whose drills never wrote a report: said, not fatal
        print(f"firedrill trend: {path}: no report.json under it", file=sys.stderr)
    runs = [Run(path, report := Report.load(path), _started(path, report.started_at)) for path in unique]
    # Runs without a start time keep their place after the dated ones, in the order given.
    return sorted(runs, key=lambda run: (run.started_at is None, run.started_at or datetime.min.replace(tzinfo=UTC)))


def _started(path: Path, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FiredrillError(f"{path}: started_at {text!r} is not an ISO 8601 time; pass a firedrill report") \
            from None  # fmt: skip
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _expectations(run: Run) -> dict[tuple[str, str, int], ReportExpectation]:
    """(scenario key, phase, position in the phase) -> expectation, as firedrill compare matches them."""
    return {
        (scenario_key(scenario), phase.name, index): expectation
        for scenario in run.report.scenarios
        for phase in scenario.phases
        for index, expectation in enumerate(phase.expectations)
    }


def timed_series(runs: list[Run]) -> list[Series]:
    """Every timed expectation of every alert, with one point per run, in the order they first appear."""
    series: dict[tuple[str, str, int], Series] = {}
    per_run = [_expectations(run) for run in runs]
    for found in per_run:
        for key, expectation in found.items():
            if expectation.kind in TIMED_KINDS and expectation.alert and key not in series:
                series[key] = Series(key[0], key[1], expectation.alert, expectation.kind, expectation.receiver)
    for key, line in series.items():
        for found in per_run:
            exp = found.get(key)
            same = exp is not None and exp.kind == line.kind and exp.alert == line.alert
            line.points.append((exp.measured_s, exp.budget_s, outcome(exp)) if same and exp else None)
    return list(series.values())


def verdict_flips(runs: list[Run]) -> list[Flip]:
    """Each change of an expectation's outcome between a run and the next run that checked it."""
    flips: list[Flip] = []
    last: dict[tuple[str, str, int], tuple[int, str, str]] = {}
    for index, run in enumerate(runs):
        for key, exp in _expectations(run).items():
            label = f"{exp.kind} {exp.alert or ''}".strip()
            now = outcome(exp)
            before = last.get(key)
            if before is not None and before[2] == label and before[1] != now:
                flips.append(Flip(key[0], key[1], label, before[0], index, before[1], now, exp.reason))
            last[key] = (index, now, label)
    return flips


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `firedrill trend`."""
    parser.add_argument("reports", nargs="+", type=Path, help="report.json files, or directories holding them")
    parser.add_argument("--out", type=Path, default=Path("trend.html"), help="the page to write (default trend.html)")


def run(args: argparse.Namespace) -> int:
    """Write the trend page; exit 0, or 2 when a report cannot be read."""
    from harness.report.trend_page import render_trend  # matplotlib: imported once the input is known good

    runs = load_runs(args.reports)
    series = timed_series(runs)
    flips = verdict_flips(runs)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(render_trend(runs, series, flips), encoding="utf-8")
    except OSError as exc:
        raise FiredrillError(f"{args.out}: cannot write ({exc.strerror}); pick another --out") from None
    alerts = len({(s.scenario, s.alert) for s in series})
    print(f"{args.out}: {len(runs)} run(s), {alerts} alert(s) charted, {len(flips)} verdict flip(s)")
    return 0
