"""Judging: one verdict per expectation, from the scenario and a timeline only.

Budgets in the scenario are production time; the timeline is wall-clock. A budget ``within: 7m`` at k=30
means 14 s of wall time after the phase's reference time t0 (its faults applied). Measured times are reported
as production-equivalent seconds (wall * k) next to the wall value.

``silent`` semantics: an alert counts as noisy when it goes pending or firing inside the phase window. With
``silent: [names]`` a named alert already pending/firing when the phase starts also fails (the user asked for
it to be quiet for the whole phase); with ``silent: all`` alerts carried over from earlier phases are ignored,
so ``silent: all`` in a recovery phase only fails on new trouble.
"""

from __future__ import annotations

from pydantic import BaseModel

from harness.drill.model import (
    DashboardExpectation,
    Expectation,
    FiresExpectation,
    LogsExpectation,
    MetricExpectation,
    NotificationExpectation,
    ResolvesExpectation,
    RulesHaveDataExpectation,
    Scenario,
    SilentExpectation,
    TracesExpectation,
)
from harness.drill.promql import format_duration, top_level_comparison
from harness.drill.timeline import PhaseWindow, Timeline


class Verdict(BaseModel):
    """The outcome of one expectation. ``measured_s``/``budget_s``/``pending_s`` are production seconds."""

    kind: str
    alert: str | None = None
    passed: bool
    reason: str
    measured_s: float | None = None
    budget_s: float | None = None
    wall_measured_s: float | None = None
    pending_s: float | None = None
    receiver: str | None = None


class PhaseVerdicts(BaseModel):
    """All verdicts of one phase."""

    phase: str
    verdicts: list[Verdict]

    @property
    def passed(self) -> bool:
        """True when every expectation of the phase passed."""
        return all(v.passed for v in self.verdicts)


def human_duration(seconds: float) -> str:
    """Readable duration: "8.5s" under a minute, else a Prometheus duration rounded to seconds.

    >>> human_duration(8.54), human_duration(450.2)
    ('8.5s', '7m30s')
    """
    if abs(seconds) < 60:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s"
    return format_duration(round(seconds))


class _Judge:
    def __init__(self, timeline: Timeline, tolerance_s: float) -> None:
        self.tl = timeline
        self.k = timeline.k
        self.tol = tolerance_s

    def prod(self, wall: float) -> str:
        return human_duration(wall * self.k)

    def verdict(
        self,
        exp: Expectation,
        *,
        passed: bool,
        reason: str,
        wall_measured_s: float | None = None,
        pending_s: float | None = None,
        receiver: str | None = None,
    ) -> Verdict:
        return Verdict(
            kind=exp.kind,
            alert=exp.alert,
            passed=passed,
            reason=reason,
            budget_s=getattr(exp, "within", None),
            # Rounded to ms: float noise in t1 - t0 would otherwise leak into reports and comparisons.
            wall_measured_s=None if wall_measured_s is None else round(wall_measured_s, 3),
            measured_s=None if wall_measured_s is None else round(wall_measured_s * self.k, 3),
            pending_s=None if pending_s is None else round(pending_s, 3),
            receiver=receiver,
        )

    def fires(self, exp: FiresExpectation, w: PhaseWindow) -> Verdict:
        alert, t0, budget = exp.fires, w.t0, exp.within / self.k + self.tol
        if self.tl.state_at(alert, t0, exp.labels) == "firing":
            return self.verdict(exp, passed=True, wall_measured_s=0.0, reason=f"{alert} was already firing")
        after = [tr for tr in self.tl.transitions_for(alert, exp.labels) if tr.t >= t0]
        pend = next((tr for tr in after if tr.state == "pending"), None)
        fire = next((tr for tr in after if tr.state == "firing"), None)
        pending_s = None if pend is None else (pend.t - t0) * self.k
        if fire is not None:
            took = fire.t - t0
            ok = took <= budget
            pend_txt = "" if pend is None or pend.t > fire.t else f" (pending after {self.prod(pend.t - t0)})"
            return self.verdict(
                exp,
                passed=ok,
                wall_measured_s=took,
                pending_s=pending_s,
                reason=f"fired after {self.prod(took)}{pend_txt}, budget {human_duration(exp.within)}",
            )
        return self.verdict(exp, passed=False, pending_s=pending_s, reason=self._not_fired(exp, w, pend))

    def _not_fired(self, exp: FiresExpectation, w: PhaseWindow, pend: object) -> str:
        alert, t0 = exp.fires, w.t0
        rule = self.tl.rule(alert, exp.labels)
        if pend is not None:
            start = getattr(pend, "t", t0)
            if rule is None:
                return f"{alert} stayed pending from {self.prod(start - t0)} and never fired"
            left = min(w.end, t0 + exp.within / self.k) - start
            why = (
                f"{alert} stayed pending: for: {human_duration(rule.for_s_prod)} is "
                f"{human_duration(rule.for_s_wall)} compressed"
            )
            if left < rule.for_s_wall:
                return f"{why}, only {human_duration(left)} of the phase/budget was left after it went pending"
            return f"{why}, it went pending but fell back before for: elapsed (the condition flapped)"
        values = [
            s.value for s in self.tl.expr_samples if s.alert == alert and t0 <= s.t <= w.end and s.value is not None
        ]
        if not values:
            return "never pending; no samples of the expression (metric missing? check the metric name)"
        low = rule is not None and rule.op in ("<", "<=")
        peak = min(values) if low else max(values)
        word = "bottomed out" if low else "peaked"
        if rule is not None and rule.threshold is not None:
            return f"never pending: expression value {word} at {peak:.4g}, threshold {rule.op} {rule.threshold:g}"
        return f"never pending: expression value {word} at {peak:.4g}"

    def resolves(self, exp: ResolvesExpectation, w: PhaseWindow) -> Verdict:
        alert, t0 = exp.resolves, w.t0
        was_firing = self.tl.state_at(alert, t0, exp.labels) == "firing"
        resolved_at = None
        for tr in self.tl.transitions_for(alert, exp.labels):
            if tr.t < t0:
                continue
            state = self.tl.state_at(alert, tr.t, exp.labels)
            was_firing = was_firing or state == "firing"
            if was_firing and state == "inactive":
                resolved_at = tr.t
                break
        if resolved_at is None:
            if not was_firing:
                return self.verdict(
                    exp, passed=False, reason=f"{alert} was not firing when the phase began; nothing to resolve"
                )
            rule = self.tl.rule(alert, exp.labels)
            keep = (
                f" (keep_firing_for: {human_duration(rule.keep_firing_for_s_prod)})"
                if rule and rule.keep_firing_for_s_prod
                else ""
            )
            return self.verdict(
                exp,
                passed=False,
                reason=f"still firing at the end of the drill, {self.prod(self.tl.end - t0)} "
                f"after the phase began{keep}",
            )
        took = resolved_at - t0
        return self.verdict(
            exp,
            passed=took <= exp.within / self.k + self.tol,
            wall_measured_s=took,
            reason=f"resolved after {self.prod(took)}, budget {human_duration(exp.within)}",
        )

    def notification(self, exp: NotificationExpectation, w: PhaseWindow) -> Verdict:
        alert, t0 = exp.notification, w.t0
        cands = [
            n
            for n in sorted(self.tl.notifications, key=lambda n: n.t)
            if n.t >= t0
            and alert in n.alertnames
            and n.status == exp.status
            and all(n.labels.get(k) == v for k, v in exp.labels.items())
        ]
        hit = next((n for n in cands if n.receiver == exp.receiver), None)
        if hit is not None:
            took = hit.t - t0
            ok = took <= exp.within / self.k + self.tol
            return self.verdict(
                exp,
                passed=ok,
                wall_measured_s=took,
                receiver=hit.receiver,
                reason=f"{exp.status} notification delivered to {hit.receiver} after {self.prod(took)}, "
                f"budget {human_duration(exp.within)}",
            )
        if cands:
            got = ", ".join(sorted({n.receiver for n in cands}))
            return self.verdict(exp, passed=False, receiver=got, reason=f"delivered to {got}, expected {exp.receiver}")
        reason = f"no {exp.status} notification for {alert} reached any receiver"
        fired = any(tr.state == "firing" for tr in self.tl.transitions_for(alert) if tr.t >= t0)
        if exp.status == "firing" and not fired and self.tl.state_at(alert, t0) != "firing":
            reason += " (the alert never fired)"
        return self.verdict(exp, passed=False, reason=reason)

    def silent(self, exp: SilentExpectation, w: PhaseWindow) -> Verdict:
        names = None if exp.silent == "all" else list(exp.silent)
        problems = []
        for name in names or []:
            state = self.tl.state_at(name, w.start)
            if state != "inactive":
                problems.append(f"{name} was already {state} when the phase began")
        for tr in self.tl.transitions_for(None):
            if w.start < tr.t <= w.end and tr.state != "inactive" and (names is None or tr.alert in names):
                problems.append(f"{tr.alert} went {tr.state} at +{self.prod(tr.t - w.start)}")
        who = "no alert" if names is None else "none of " + ", ".join(names)
        reason = "; ".join(dict.fromkeys(problems)) if problems else f"quiet: {who} went pending or firing"
        return Verdict(kind=exp.kind, passed=not problems, reason=reason)

    def metric(self, exp: MetricExpectation, w: PhaseWindow) -> Verdict:
        t0 = w.t0
        end = w.end if exp.within is None else min(w.end, t0 + exp.within / self.k)
        samples = sorted(
            (s for s in self.tl.metric_samples if s.expr == exp.metric and t0 <= s.t <= end), key=lambda s: s.t
        )
        cmp = top_level_comparison(exp.metric)
        as_bool = cmp is not None and cmp.returns_bool

        def true(value: float | None) -> bool:
            return value is not None and not (as_bool and value == 0)

        if not samples:
            return self.verdict(exp, passed=False, reason=f"no samples of {exp.metric} during the phase")
        if exp.mode == "eventually":
            first = next((s for s in samples if true(s.value)), None)
            if first is None:
                return self.verdict(exp, passed=False, reason=f"never true in {len(samples)} samples")
            took = first.t - t0
            return self.verdict(
                exp, passed=True, wall_measured_s=took, reason=f"true after {self.prod(took)} ({first.value:g})"
            )
        false = [s for s in samples if not true(s.value)]
        if false:
            reason = f"false at +{self.prod(false[0].t - t0)} ({len(false)} of {len(samples)} samples false)"
            return self.verdict(exp, passed=False, reason=reason)
        return self.verdict(exp, passed=True, reason=f"true in all {len(samples)} samples")

    def traces(self, exp: TracesExpectation, w: PhaseWindow) -> Verdict:
        q = exp.traces
        spans = [s for s in self.tl.spans if s.phase == w.name and s.service == q.service]
        match = [
            s
            for s in spans
            if (q.status == "any" or s.error == (q.status == "error"))
            and (q.name is None or s.name == q.name)
            and (q.min_duration is None or s.duration_s >= q.min_duration)
            and all(s.attributes.get(k) == v for k, v in q.attributes.items())
        ]
        reason = f"{len(match)} matching spans of {len(spans)} from {q.service}; expected at least {q.min_spans}"
        return Verdict(kind=exp.kind, passed=len(match) >= q.min_spans, reason=reason)

    def logs(self, exp: LogsExpectation, w: PhaseWindow) -> Verdict:
        scans = [s for s in self.tl.logs if s.phase in (None, w.name)]
        if not scans:
            return Verdict(kind=exp.kind, passed=False, reason="no log scan was recorded")
        hits = [f"{s.path}: {h}" for s in scans for h in s.pii_hits]
        if hits:
            more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
            return Verdict(kind=exp.kind, passed=False, reason="PII in logs: " + "; ".join(hits[:3]) + more)
        return Verdict(kind=exp.kind, passed=True, reason=f"no PII in {len(scans)} log file(s)")

    def rules_have_data(self, exp: RulesHaveDataExpectation, w: PhaseWindow) -> Verdict:
        wanted = exp.rules_have_data
        # Only rules of the form `value <op> threshold` have a value to sample whether or not they fire.
        checkable = sorted({r.alert for r in self.tl.rules_info if r.value_expr})
        names = checkable if wanted == "all" else list(wanted)
        unknown = [name for name in names if name not in checkable]
        if unknown:
            reason = f"cannot check {', '.join(unknown)}: no `value <op> threshold` at the top of the expression"
            return Verdict(kind=exp.kind, passed=False, reason=reason)
        with_data = {s.alert for s in self.tl.expr_samples if w.start <= s.t <= w.end and s.value is not None}
        without = [name for name in names if name not in with_data]
        if without:
            reason = f"no data from the expression of {', '.join(without)} (metric missing? check the metric names)"
            return Verdict(kind=exp.kind, passed=False, reason=reason)
        return Verdict(kind=exp.kind, passed=True, reason=f"all {len(names)} rule expressions returned data")

    def dashboard(self, exp: DashboardExpectation, w: PhaseWindow) -> Verdict:
        results = [r for r in self.tl.dashboards if r.dashboard == str(exp.dashboard) and r.phase in (None, w.name)]
        if not results:
            return Verdict(kind=exp.kind, passed=False, reason=f"no panel of {exp.dashboard.name} was queried")
        bad = [f"{r.panel_title!r}: {r.error or 'no data'}" for r in results if r.error or not r.has_data]
        if bad:
            return Verdict(kind=exp.kind, passed=False, reason="panels without data: " + "; ".join(bad))
        return Verdict(kind=exp.kind, passed=True, reason=f"all {len(results)} panel queries returned data")


def judge(scenario: Scenario, timeline: Timeline, tolerance_s: float = 0.0) -> list[PhaseVerdicts]:
    """Judge every expectation of every phase against the timeline.

    ``tolerance_s`` (wall seconds) is added to budgets to absorb the observer's polling interval.

    >>> [pv.passed for pv in judge(scenario, timeline)]  # doctest: +SKIP
    [True, True, False]
    """
    j = _Judge(timeline, tolerance_s)
    out = []
    for phase in scenario.phases:
        window = timeline.phase(phase.name)
        verdicts = []
        for exp in phase.expect:
            if window is None:
                verdicts.append(Verdict(kind=exp.kind, alert=exp.alert, passed=False, reason="the phase did not run"))
                continue
            verdicts.append(getattr(j, exp.kind)(exp, window))
        out.append(PhaseVerdicts(phase=phase.name, verdicts=verdicts))
    return out
