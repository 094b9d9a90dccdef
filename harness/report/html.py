"""report.html: a run as one self-contained page people look at (opens offline, e.g. from a CI artifact).

At the top, the summary: the verdict, the counts of each outcome, the compression, the stack's versions when
recorded, and how long it took. Then one section per scenario lane (environment errors first, then failures):
its failed expectations, each with its explanation (:mod:`harness.report.explain`), the table of every
expectation, and one chart per alert (:mod:`harness.report.charts`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from harness.drill.expectations import Verdict
from harness.drill.result import RunResult, ScenarioResult
from harness.promql.duration import human_duration
from harness.report.charts import alert_charts
from harness.report.explain import explain
from harness.report.flake import compare_runs
from harness.report.page import badge, document, esc, figure, run_versions, summary_list, table

OUTCOMES = ("pass", "fail", "xfail", "xpass")
# Sections and rows with the worst outcome first.
_RANK = {"error": 0, "fail": 1, "xpass": 1, "xfail": 2, "pass": 3}


def write_html(directory: Path, results: RunResult, finished_at: datetime | None = None) -> Path:
    """Write ``report.html`` into ``directory`` (created if needed) and return its path.

    >>> write_html(Path("out"), results)  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.html"
    path.write_text(render_html(results, finished_at), encoding="utf-8")
    return path


def render_html(results: RunResult, finished_at: datetime | None = None) -> str:
    """The page as a string; ``finished_at`` (default: now) gives the run's duration."""
    names = Counter(s.name for s in results.scenarios)
    ordered = sorted(enumerate(results.scenarios), key=lambda item: _RANK[item[1].verdict])
    sections = [_scenario(result, index, _title(result, names)) for index, result in ordered]
    body = [
        f"<h1>{badge(results.verdict)} firedrill report</h1>",
        _summary(results, finished_at or datetime.now(UTC)),
        _contents(results, ordered, names),
        _flakes(results),
        *sections,
    ]
    return document(f"firedrill: {results.verdict.upper()}", "\n".join(part for part in body if part))


def _title(result: ScenarioResult, names: Counter[str]) -> str:
    return result.name if names[result.name] == 1 else f"{result.name} [{result.lane}]"


def _summary(results: RunResult, finished_at: datetime) -> str:
    counts: Counter[str] = Counter(v.outcome or "fail" for s in results.scenarios for p in s.phases for v in p.verdicts)
    errors = sum(1 for s in results.scenarios if s.error is not None)
    count_text = ", ".join(f"{counts[o]} {o.upper()}" for o in OUTCOMES if counts[o] or o in ("pass", "fail"))
    if errors:
        count_text += f", {errors} ERROR (drill{'s' if errors > 1 else ''} with an environment error: no verdict)"
    drills = len(results.scenarios)
    items = [
        ("verdict", f"{badge(results.verdict)} " + esc(_VERDICT_TEXT[results.verdict])),
        ("expectations", esc(count_text)),
        (
            "drills",
            esc(
                f"{drills} scenario lane{'s' if drills != 1 else ''}"
                + (f", run {len(results.repeats) + 1} times" if results.repeats else "")
            ),
        ),  # fmt: skip
        ("compression", esc(f"x{results.compress:g} (production time = wall time x {results.compress:g})")),
    ]
    found = run_versions(results)
    if found:
        items.append(("stack versions", esc(", ".join(f"{name} {version}" for name, version in found.items()))))
    started = _utc(results.started_at)
    took = max(0.0, (_utc(finished_at) - started).total_seconds())
    drill_wall = sum(s.timeline.end for s in results.scenarios)
    items.append(("duration", esc(f"{human_duration(took)} wall, started {started:%Y-%m-%d %H:%M:%S} UTC; "
                                  f"drills observed for {human_duration(drill_wall)} wall in all")))  # fmt: skip
    return summary_list(items)


def _utc(moment: datetime) -> datetime:
    """Naive times are taken as UTC (report.json's are written in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_VERDICT_TEXT = {
    "pass": "every expectation held",
    "fail": "some expectations failed",
    "error": "the harness's own environment failed in a drill: no verdict for it (exit 2)",
}


def _counts(result: ScenarioResult) -> str:
    if result.error is not None:
        return f"environment error ({result.error.component})"
    counts: Counter[str] = Counter(v.outcome or "fail" for p in result.phases for v in p.verdicts)
    return ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])


def _contents(results: RunResult, ordered: list[tuple[int, ScenarioResult]], names: Counter[str]) -> str:
    rows = [
        ([f'<a href="#drill-{index}">{esc(_title(result, names))}</a>', badge(result.verdict), esc(_counts(result)),
          esc(human_duration(result.timeline.end * result.timeline.k)), esc(human_duration(result.timeline.end))],
         "bad" if result.verdict != "pass" else "")
        for index, result in ordered
    ]  # fmt: skip
    return "<nav>" + table(["drill", "verdict", "expectations", "production", "wall"], rows, numeric=(3, 4)) + "</nav>"


def _flakes(results: RunResult) -> str:
    if not results.repeats:
        return ""
    report = compare_runs([*results.repeats, results.scenarios])
    rows = [
        (
            [
                esc(f.scenario),
                esc(f.phase),
                esc(f"{f.kind} {f.alert or ''}"),
                esc(" ".join("pass" if ok else "fail" for ok in f.outcomes)),
            ],
            "bad",
        )
        for f in report.flakes
    ]
    rows += [([esc(s.scenario), "", esc(f"fires {s.alert}"),
               esc(f"{human_duration(s.min_s)} / {human_duration(s.median_s)} / {human_duration(s.max_s)}")], "")
             for s in report.spreads]  # fmt: skip
    head = f"<h2>Flakes over {report.runs} runs</h2>"
    return head + table(["scenario", "phase", "expectation", "outcomes / time to fire (min / median / max)"], rows)


def _scenario(result: ScenarioResult, index: int, title: str) -> str:
    timeline = result.timeline
    parts = [
        f'<section class="drill" id="drill-{index}">',
        f"<h2>{badge(result.verdict)} {esc(title)}</h2>",
        f'<p class="muted">{esc(_phase_line(result))}</p>',
    ]
    if result.error is not None:
        parts.append(
            f'<div class="error-box"><strong>Environment error in {esc(result.error.component)}: nothing was '
            f"judged.</strong><pre>{esc(result.error.message)}</pre></div>"
        )
    failed = [(p.phase, v) for p in result.phases for v in p.verdicts if v.outcome in ("fail", "xpass")]
    if failed:
        parts.append("<h3>Failed expectations</h3>")
        for phase, verdict in failed:
            parts.append(
                f'<div class="failure"><h4>{badge(verdict.outcome or "fail")} {esc(phase)}: '
                f"{esc(_label(verdict))}</h4><pre>{esc(explain(result, phase, verdict))}</pre></div>"
            )
    if result.phases:
        parts += ["<h3>Expectations</h3>", _verdicts(result)]
    charts = alert_charts(result, f"d{index}") if timeline.expr_samples or timeline.transitions else []
    if charts:
        note = " (partial: the drill stopped early)" if result.error is not None else ""
        parts.append(f"<h3>Alerts{esc(note)}</h3>")
        parts += [figure(chart.svg, chart.caption) for chart in charts]
    elif timeline.rules_info:
        parts.append('<p class="muted">No alert was observed: the drill stopped before the observer started.</p>')
    if result.notes:
        parts.append("<h3>Compression notes</h3><ul>")
        parts += [f"<li>{esc(n.rule)} ({esc(n.severity)}): {esc(n.message)}</li>" for n in result.notes]
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _phase_line(result: ScenarioResult) -> str:
    timeline = result.timeline
    phases = ", ".join(f"{w.name} {human_duration((w.end - w.start) * timeline.k)}" for w in timeline.phases)
    lane = f"lane {result.lane}; " if result.lane not in ("", "0") else ""
    took = f"{human_duration(timeline.end * timeline.k)} production, {human_duration(timeline.end)} wall"
    return f"{lane}phases: {phases or 'none ran'}; {took} at x{timeline.k:g}"


def _label(verdict: Verdict) -> str:
    return f"{verdict.kind} {verdict.alert or ''}".rstrip() + (f" -> {verdict.receiver}" if verdict.receiver else "")


def _verdicts(result: ScenarioResult) -> str:
    found = [(p.phase, v) for p in result.phases for v in p.verdicts]
    found.sort(key=lambda item: _RANK[item[1].outcome or "fail"])

    def time(seconds: float | None) -> str:
        return "" if seconds is None else esc(human_duration(seconds))

    rows = [
        ([badge(v.outcome or "fail"), esc(phase), esc(v.kind), esc(v.alert or ""), time(v.measured_s),
          time(v.budget_s), esc(v.receiver or ""), time(v.wall_measured_s), esc(v.reason)],
         "bad" if v.outcome in ("fail", "xpass") else "")
        for phase, v in found
    ]  # fmt: skip
    headers = ["verdict", "phase", "expectation", "alert", "time (prod)", "budget", "receiver", "wall", "reason"]
    return table(headers, rows, numeric=(4, 5, 7))
