"""`firedrill compare OLD NEW`: what got worse between two report.json files (e.g. last night's and tonight's).

A regression is
- an expectation that held in OLD and fails in NEW;
- a time to fire / notify / resolve that grew by more than ``tolerance`` (relative) and ``slack`` (absolute);
- a false positive: an alert pending or firing in a phase without faults, where OLD had none.
Expectations or scenarios present in only one report are listed but are not regressions.

Example:
    $ firedrill compare out/last-night/report.json out/tonight/report.json
    regression  customerio-error-burst burst fires CioHighErrorRate: time to fire 8m12s -> 11m40s (+42%)
    $ echo $?
    1
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import FiredrillError
from harness.promql.duration import human_duration, parse_duration_s

_TIMED_KINDS = ("fires", "notification", "resolves")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ReportExpectation(_Loose):
    kind: str
    alert: str | None = None
    passed: bool
    reason: str = ""
    measured_s: float | None = None
    budget_s: float | None = None
    receiver: str | None = None
    outcome: str | None = None


class ReportPhase(_Loose):
    name: str
    start_s: float | None = None
    end_s: float | None = None
    faults: list[dict[str, object]] = []
    expectations: list[ReportExpectation] = []


class ReportTransition(_Loose):
    state: str
    t_s: float


class ReportAlert(_Loose):
    alert: str
    transitions: list[ReportTransition] = []


class ReportScenario(_Loose):
    name: str
    lane: str = "0"
    verdict: str = ""
    phases: list[ReportPhase] = []
    alerts: list[ReportAlert] = []


class Report(_Loose):
    """The parts of report.json that a comparison reads."""

    verdict: str
    compress: float = 1.0
    started_at: str | None = None
    scenarios: list[ReportScenario] = []
    versions: dict[str, object] | None = None

    @classmethod
    def load(cls, path: Path) -> Report:
        """Read and validate a report.json; FiredrillError (exit 2) naming the file when it cannot be used."""
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise FiredrillError(f"{path}: cannot read ({exc.strerror}); pass a report.json") from None
        except json.JSONDecodeError as exc:
            raise FiredrillError(f"{path}:{exc.lineno}: not JSON ({exc.msg}); pass a report.json") from None
        except ValidationError as exc:
            where = ".".join(str(part) for part in exc.errors()[0]["loc"])
            raise FiredrillError(f"{path}: not a firedrill report ({where}: {exc.errors()[0]['msg']})") from None


class Change(BaseModel):
    """One difference between the reports."""

    level: Literal["regression", "improvement", "info"]
    scenario: str
    phase: str = ""
    what: str
    detail: str


def scenario_key(scenario: ReportScenario) -> str:
    """The scenario's name, with the lane unless it is the first or only one (``below-threshold[b]``)."""
    return scenario.name if scenario.lane in ("", "0", "a") else f"{scenario.name}[{scenario.lane}]"


def _expectations(scenario: ReportScenario) -> dict[tuple[str, int], tuple[str, ReportExpectation]]:
    found = {}
    for phase in scenario.phases:
        for index, expectation in enumerate(phase.expectations):
            found[(phase.name, index)] = (f"{expectation.kind} {expectation.alert or ''}".strip(), expectation)
    return found


def _noisy_alerts(scenario: ReportScenario) -> dict[str, set[str]]:
    """Per fault-free phase, the alerts that went pending or firing in it."""
    noisy: dict[str, set[str]] = {}
    for phase in scenario.phases:
        if phase.faults or phase.start_s is None or phase.end_s is None:
            continue
        start, end = phase.start_s, phase.end_s
        noisy[phase.name] = {
            alert.alert
            for alert in scenario.alerts
            for tr in alert.transitions
            if tr.state in ("pending", "firing") and start <= tr.t_s <= end
        }
    return noisy


def compare_reports(old: Report, new: Report, tolerance: float = 0.25, slack_s: float = 60.0) -> list[Change]:
    """Every change from `old` to `new`, regressions first.

    Example:
        >>> compare_reports(Report(verdict="pass"), Report(verdict="pass"))
        []
    """
    changes: list[Change] = []
    old_by_key = {scenario_key(s): s for s in old.scenarios}
    new_by_key = {scenario_key(s): s for s in new.scenarios}
    for key in old_by_key.keys() - new_by_key.keys():
        changes.append(Change(level="info", scenario=key, what="scenario", detail="only in the old report"))
    for key in new_by_key.keys() - old_by_key.keys():
        changes.append(Change(level="info", scenario=key, what="scenario", detail="only in the new report"))
    for key in sorted(old_by_key.keys() & new_by_key.keys()):
        changes += _compare_scenario(key, old_by_key[key], new_by_key[key], tolerance, slack_s)
    order = {"regression": 0, "improvement": 1, "info": 2}
    return sorted(changes, key=lambda c: order[c.level])


def _compare_scenario(
    key: str, old: ReportScenario, new: ReportScenario, tolerance: float, slack_s: float
) -> list[Change]:
    changes = []
    old_exp, new_exp = _expectations(old), _expectations(new)
    for (phase, index), (label, before) in old_exp.items():
        if (phase, index) not in new_exp:
            changes.append(Change(level="info", scenario=key, phase=phase, what=label, detail="no longer checked"))
            continue
        _, after = new_exp[(phase, index)]
        if before.passed and not after.passed:
            changes.append(Change(level="regression", scenario=key, phase=phase, what=label, detail=after.reason))
        elif not before.passed and after.passed:
            changes.append(Change(level="improvement", scenario=key, phase=phase, what=label, detail="now holds"))
        elif after.passed and before.kind in _TIMED_KINDS and before.measured_s is not None:
            changes += _timing(key, phase, label, before.measured_s, after.measured_s, tolerance, slack_s)
    old_noise = _noisy_alerts(old)
    for phase, alerts in _noisy_alerts(new).items():
        for alert in sorted(alerts - old_noise.get(phase, set())):
            changes.append(
                Change(
                    level="regression",
                    scenario=key,
                    phase=phase,
                    what=f"false positive {alert}",
                    detail="went pending/firing in a phase without faults; it did not before",
                )
            )
    return changes


def _timing(
    key: str, phase: str, label: str, before: float, after: float | None, tolerance: float, slack_s: float
) -> list[Change]:
    if after is None:
        return []
    grew = after - before
    relative = grew / before if before > 0 else float("inf")
    detail = f"{human_duration(before)} -> {human_duration(after)}" + (f" ({relative:+.0%})" if before > 0 else "")
    if grew > slack_s and relative > tolerance:
        return [Change(level="regression", scenario=key, phase=phase, what=label, detail=f"took longer: {detail}")]
    if -grew > slack_s and -relative > tolerance:
        return [Change(level="improvement", scenario=key, phase=phase, what=label, detail=f"faster: {detail}")]
    return []


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `firedrill compare`."""
    parser.add_argument("old", type=Path, help="the earlier report.json (e.g. the previous nightly's)")
    parser.add_argument("new", type=Path, help="the later report.json")
    parser.add_argument("--tolerance", type=float, default=0.25, help="relative growth of a time that is allowed")
    parser.add_argument("--slack", default="1m", help="absolute growth (production time) that is always allowed")
    parser.add_argument("--format", choices=["text", "json", "github"], default="text")


def run(args: argparse.Namespace) -> int:
    """Print the changes; exit 1 when any is a regression, 0 otherwise, 2 when a report cannot be read."""
    try:
        slack_s = parse_duration_s(args.slack)
    except ValueError:
        raise FiredrillError(f"--slack {args.slack!r}: expected a duration like 30s or 2m") from None
    changes = compare_reports(Report.load(args.old), Report.load(args.new), args.tolerance, slack_s)
    regressions = [c for c in changes if c.level == "regression"]
    if args.format == "json":
        print(json.dumps({"regressions": len(regressions), "changes": [c.model_dump() for c in changes]}, indent=2))
    else:
        for change in changes:
            where = " ".join(part for part in (change.scenario, change.phase, change.what) if part)
            if args.format == "github" and change.level == "regression":
                print(f"::error title=firedrill regression::{where}: {change.detail}")
            else:
                print(f"{change.level:<11} {where}: {change.detail}")
        summary = f"{len(regressions)} regression(s), {len(changes) - len(regressions)} other change(s)"
        print(summary if changes else "no changes", file=sys.stderr)
    return 1 if regressions else 0
