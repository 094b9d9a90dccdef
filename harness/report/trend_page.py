"""The trend page: a summary of the runs, the table of verdict flips, and per alert one chart of its times to
fire, notify and resolve across runs, each with its budget (dashed, same colour). Same conventions as
report.html: one self-contained file, production times, tooltips on every point.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from matplotlib.figure import Figure

from harness.promql.duration import human_duration
from harness.report.charts import duration_axis
from harness.report.page import badge, document, esc, figure, summary_list, table, versions
from harness.report.svg import chart_style, figure_svg
from harness.report.trend import Flip, Run, Series, outcome

_COLOURS = {"fires": "#d9534f", "notification": "#6a3d9a", "resolves": "#2e7d32"}
_MARKERS = ("o", "s", "^", "D", "v", "P")


def render_trend(runs: list[Run], series: list[Series], flips: list[Flip]) -> str:
    """The whole page."""
    latest = runs[-1].report
    body = [
        f"<h1>{badge(latest.verdict)} firedrill trend</h1>",
        _summary(runs, flips),
        "<h2>Verdict flips</h2>",
        _flips(runs, flips),
        "<h2>Runs</h2>",
        _runs(runs),
    ]
    by_scenario = groupby(sorted(series, key=lambda s: s.scenario), key=lambda s: s.scenario)
    for number, (scenario, lines) in enumerate(by_scenario):
        body.append(f"<h2>{esc(scenario)}</h2>")
        group = list(lines)
        alerts = list(dict.fromkeys(s.alert for s in group))
        for index, alert in enumerate(alerts):
            chart = _chart(runs, [s for s in group if s.alert == alert], alert, f"t{number}-{index}")
            caption = (f"{alert} in {scenario}: production time from the phase's fault start (or start) to the "
                       f"event, per run; dashed: the budget; x: failed; a hollow marker at the budget: no event "
                       f"measured. Hover a point for its run and value.")  # fmt: skip
            body.append(figure(chart, caption))
    if not series:
        body.append('<p class="muted">No timed expectations (fires, notification, resolves) in these reports.</p>')
    return document(f"firedrill trend: {len(runs)} runs", "\n".join(body))


def _summary(runs: list[Run], flips: list[Flip]) -> str:
    verdicts = " ".join(badge(run.report.verdict) for run in runs)
    compress = sorted({run.report.compress for run in runs})
    items = [
        ("runs", esc(f"{len(runs)}, from {runs[0].when} to {runs[-1].when}")),
        ("verdicts, oldest first", verdicts),
        ("latest", f"{badge(runs[-1].report.verdict)} {esc(runs[-1].path)}"),
        ("compression", esc(", ".join(f"x{k:g}" for k in compress))),
        ("verdict flips", esc(str(len(flips)))),
    ]
    found = versions(runs[-1].report)
    if found:
        items.append(("stack versions (latest)", esc(", ".join(f"{k} {v}" for k, v in found.items()))))
    return summary_list(items)


def _flips(runs: list[Run], flips: list[Flip]) -> str:
    if not flips:
        return '<p class="muted">No expectation changed its verdict between runs.</p>'
    rows = [
        ([esc(runs[f.after_run].when), esc(f.scenario), esc(f.phase), esc(f.expectation),
          f"{badge(f.before)} &rarr; {badge(f.after)}", esc(runs[f.before_run].when), esc(f.reason)],
         "bad" if f.after in ("fail", "xpass") else "")
        for f in flips
    ]  # fmt: skip
    return table(["run", "drill", "phase", "expectation", "verdict", "previous run", "reason now"], rows)


def _runs(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        counts: Counter[str] = Counter(
            outcome(e) for s in run.report.scenarios for p in s.phases for e in p.expectations
        )
        text = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        errors = sum(1 for s in run.report.scenarios if s.verdict == "error")
        text += f", {errors} drill(s) with an environment error" if errors else ""
        rows.append(([esc(run.when), badge(run.report.verdict), esc(text), esc(f"x{run.report.compress:g}"),
                      esc(run.path)], "bad" if run.report.verdict != "pass" else ""))  # fmt: skip
    return table(["started (UTC)", "verdict", "expectations", "compression", "report"], rows)


def _chart(runs: list[Run], lines: list[Series], alert: str, scope: str) -> str:
    with chart_style():
        fig = Figure(figsize=(10, 3.0), layout="constrained")
        ax = fig.add_subplot()
        titles: dict[str, str] = {}
        top = 0.0
        for number, line in enumerate(lines):
            colour = _COLOURS.get(line.kind, "#444444")
            marker = _MARKERS[number % len(_MARKERS)]
            xs = [i for i, p in enumerate(line.points) if p is not None and p[0] is not None]
            ys = [p[0] for p in line.points if p is not None and p[0] is not None]
            ax.plot(xs, ys, color=colour, marker=marker, ms=4, lw=1.3, label=line.label, gid=f"series-{number}")
            budgets = [(i, p[1]) for i, p in enumerate(line.points) if p is not None and p[1] is not None]
            if budgets:
                ax.plot([b[0] for b in budgets], [b[1] for b in budgets], color=colour, ls="--", lw=1,
                        drawstyle="steps-mid", gid=f"budget-{number}")  # fmt: skip
                titles[f"budget-{number}"] = f"{line.label}: budget " + ", ".join(
                    sorted({human_duration(b) for _, b in budgets})
                )
            top = max([top, *ys, *(b for _, b in budgets)])
            for run_index, point in enumerate(line.points):
                if point is None:
                    continue
                measured, budget, result = point
                gid = f"point-{number}-{run_index}"
                bad = result in ("fail", "xpass")
                if measured is None:  # nothing measured (e.g. never fired): a hollow marker at the budget
                    ax.plot([run_index], [budget or 0.0], marker=marker, ms=7, mfc="none", mec="#c62828", ls="none",
                            gid=gid)  # fmt: skip
                elif bad:
                    ax.plot([run_index], [measured], marker="x", ms=8, mew=2, color="#c62828", ls="none", gid=gid)
                else:
                    ax.plot([run_index], [measured], marker=marker, ms=4, color=colour, ls="none", gid=gid)
                value = "nothing measured" if measured is None else human_duration(measured)
                limit = "" if budget is None else f" (budget {human_duration(budget)})"
                titles[gid] = f"{runs[run_index].when}: {line.label} {value}{limit}: {result.upper()}"
        ax.set_xlim(-0.5, len(runs) - 0.5)
        ax.set_ylim(0, max(top, 1.0) * 1.12)
        duration_axis(ax.yaxis, max(top, 1.0) * 1.12, ticks=6)
        step = max(1, len(runs) // 12)
        ax.set_xticks(range(0, len(runs), step), [runs[i].when.replace(" ", "\n") for i in range(0, len(runs), step)])
        ax.set_ylabel("production time")
        ax.grid(axis="y", color="#dddddd", lw=0.6)
        ax.set_title(alert, loc="left", fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        return figure_svg(fig, scope, titles, f"{alert}: times across runs")
