"""report.json: the machine-readable result of a run (schema documented in :func:`to_json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.drill.result import RunResult, ScenarioResult
from harness.report.flake import compare_runs


def _alerts(result: ScenarioResult) -> list[dict[str, Any]]:
    k = result.timeline.k
    series: dict[tuple[str, tuple[tuple[str, str], ...]], list[dict[str, Any]]] = {}
    for tr in sorted(result.timeline.transitions, key=lambda tr: tr.t):
        key = (tr.alert, tuple(sorted(tr.labels.items())))
        series.setdefault(key, []).append({"state": tr.state, "t_s": tr.t, "t_prod_s": tr.t * k})
    return [
        {"alert": alert, "labels": dict(labels), "transitions": transitions}
        for (alert, labels), transitions in series.items()
    ]


def _scenario(result: ScenarioResult) -> dict[str, Any]:
    windows = {w.name: w for w in result.timeline.phases}
    phases = []
    for pv in result.phases:
        w = windows.get(pv.phase)
        phases.append(
            {
                "name": pv.phase,
                "start_s": w.start if w else None,
                "end_s": w.end if w else None,
                "faults": w.faults if w else [],
                "expectations": [v.model_dump(mode="json") for v in pv.verdicts],
            }
        )
    return {
        "name": result.name,
        "lane": result.lane,
        "verdict": result.verdict,
        "error": result.error.model_dump(mode="json") if result.error is not None else None,
        "phases": phases,
        "alerts": _alerts(result),
        "notes": [n.model_dump(mode="json") for n in result.notes],
        "versions": dict(result.versions),
    }


def to_json(results: RunResult) -> dict[str, Any]:
    """The report as a dict.

    Schema: ``verdict`` ("pass"/"fail"/"error"), ``compress``, ``started_at`` (ISO 8601), ``versions`` (each
    component's version as its running program reported it, e.g. {"prometheus": "3.16.0", "alertmanager":
    "0.35.0", "jaeger": "unknown"}; several versions in one run joined by ", "), ``scenarios``: [{name,
    lane, verdict, error (null, or {component, message} when the drill's environment broke and nothing was
    judged), phases: [{name, start_s, end_s, faults, expectations: [{kind, alert, passed, outcome
    (pass/fail/xfail/xpass), xfail, measured_s, budget_s, wall_measured_s, pending_s, receiver, reason}]}],
    alerts: [{alert, labels, transitions: [{state, t_s, t_prod_s}]}], notes: [{rule, severity, message,
    recommend_k1}], versions (that drill's stack)}], ``flakes`` (null unless repeated runs): {runs, flakes:
    [...], spreads: [...]}. ``*_s`` without ``prod`` are wall seconds since the drill start, except
    ``measured_s``/``budget_s``/``pending_s``, which are production-equivalent.
    """
    runs = [*results.repeats, results.scenarios]
    flakes = compare_runs(runs).model_dump(mode="json") if results.repeats else None
    return {
        "verdict": results.verdict,
        "compress": results.compress,
        "started_at": results.started_at.isoformat(),
        "versions": results.versions,
        "scenarios": [_scenario(s) for s in results.scenarios],
        "flakes": flakes,
    }


def write_json(directory: Path, results: RunResult) -> Path:
    """Write ``report.json`` into ``directory`` (created if needed) and return its path.

    >>> write_json(Path("out"), results)  # doctest: +SKIP
    PosixPath('out/report.json')
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.json"
    path.write_text(json.dumps(to_json(results), indent=2), encoding="utf-8")
    return path
