"""The failure explanation reads on its own: phases and faults, state changes, values, notifications."""

from __future__ import annotations

from harness.drill.compress import AlertRuleInfo
from harness.drill.expectations import PhaseVerdicts, Verdict
from harness.drill.result import ScenarioResult
from harness.drill.timeline import AlertTransition, ExprSample, Notification, PhaseWindow, Timeline
from harness.report.explain import explain


def _result() -> tuple[ScenarioResult, Verdict]:
    rule = AlertRuleInfo(
        alert="HighErrors", group="g", expr="ratio > 0.05", original_expr="ratio > 0.05", for_s_prod=300,
        for_s_wall=10, op=">", threshold=0.05, value_expr="ratio",
    )  # fmt: skip
    timeline = Timeline(
        scenario="burst",
        k=30,
        phases=[
            PhaseWindow(name="baseline", start=0, end=4),
            PhaseWindow(name="burst", start=4, end=24, faults=[{"kind": "error", "rate": 0.08}], faults_applied_at=4),
        ],
        transitions=[
            AlertTransition(alert="HighErrors", labels={"operation": "track"}, state="pending", t=10, value=0.06),
            AlertTransition(alert="HighErrors", labels={"operation": "track"}, state="firing", t=20),
        ],
        expr_samples=[ExprSample(alert="HighErrors", t=float(t), value=t / 200) for t in range(0, 25)],
        notifications=[Notification(receiver="team", status="firing", alertnames=["HighErrors"], t=21)],
        rules_info=[rule],
    )
    verdict = Verdict(kind="fires", alert="HighErrors", passed=False, reason="fired after 8m, budget 7m", budget_s=420)
    result = ScenarioResult(name="burst", timeline=timeline, phases=[PhaseVerdicts(phase="burst", verdicts=[verdict])])
    return result, verdict


def test_explanation_has_every_part_in_production_time() -> None:
    result, verdict = _result()
    text = explain(result, "burst", verdict)
    lines = text.splitlines()
    assert lines[0] == "fires HighErrors: fired after 8m, budget 7m (FAIL)"
    assert "  > burst     2m .. 12m" in text and "error(rate=0.08) (applied at 2m)" in text
    assert "     5m  pending  {operation=track}  value 0.06" in text
    assert "    10m  firing" in text
    assert "value of ratio, alert when > 0.05:" in text
    # The strip: 60 columns of 12 s production each; faults from 2m, pending at 5m, firing at 10m, notified 10m30s.
    assert "  timeline (production time, one column = 12s):" in lines
    assert "    phases  |baseline |burst" in lines
    assert "    faults  " + "." * 10 + "~" * 50 + "   (~ faults applied)" in lines
    assert "    alert   " + "." * 25 + "p" * 25 + "F" * 10 + "   (p pending, F firing)" in lines
    assert "    notify  " + "." * 52 + "^" + "." * 7 + "   (^ firing, v resolved)" in lines
    assert "budget ends        9m  0.09" in text  # t0 + 420s/30 = 18 s wall = 9m production
    assert "phase peak" in text and "0.12" in text
    assert "    10m30s  firing   -> team  HighErrors" in text


def test_explanation_without_alert_or_notifications() -> None:
    result, _ = _result()
    verdict = Verdict(kind="traces", passed=False, reason="no error spans")
    text = explain(result.model_copy(update={"timeline": result.timeline.model_copy(update={"notifications": []})}),
                   "burst", verdict)  # fmt: skip
    assert text.splitlines()[0] == "traces: no error spans (FAIL)"
    assert "notifications: none received" in text
