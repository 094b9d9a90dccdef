"""Compression noise: which rules are ratios, and when a fault sits within the ratio's noise of the threshold."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness.drill.compress import compress_rule_file
from harness.drill.expectations import parse_expectation
from harness.drill.model import load_scenario
from harness.drill.noise import RatioRule, noise_note, noise_notes, ratio_rules
from harness.stub.faults import AnyFault, parse_fault
from harness.stub.profile import load_profile

ALERTS = Path(__file__).resolve().parents[2] / "fixtures" / "customerio" / "alerts.yml"


def test_the_ratio_rules_of_customerio_at_x30() -> None:
    rules = {r.alert: r for r in ratio_rules(compress_rule_file(ALERTS, 30).alerts)}
    assert set(rules) == {"CioHighErrorRate", "CioHighBounceRate"}  # latency and queue rules are not ratios
    error = rules["CioHighErrorRate"]
    assert error.window_wall_s == 10 and error.threshold == 0.05 and error.op == ">"
    assert error.denominator == "sum by (instance, operation) (rate(customerio_requests_total[10s]))"


def test_a_fault_within_three_standard_errors_warns_with_the_safe_factor_and_load() -> None:
    rule = RatioRule("A", ">", 0.05, "sum(rate(t[10s]))", 10.0)
    # 8% against 5% with 40 events/s: 400 events in the window, SE = sqrt(.08*.92/400) = 1.36%, gap 3% = 2.2 SE.
    note = noise_note(rule, k=30, fraction=0.08, events_per_s=40, phase="burst")
    assert note is not None and note.severity == "warning" and "2.2 standard errors" in note.message
    safe_k = 40 * 300 * 0.03**2 / (9 * 0.08 * 0.92)
    assert f"largest safe factor is x{math.floor(safe_k)}" in note.message
    needed = 30 * 9 * 0.08 * 0.92 / (0.03**2 * 300)
    assert f"a load of {needed:.0f} events/s" in note.message


@pytest.mark.parametrize(("fraction", "rate"), [(0.30, 40), (0.08, 400), (0.0, 40)])
def test_no_warning_when_the_fault_stands_clear_or_there_is_none(fraction: float, rate: float) -> None:
    rule = RatioRule("A", ">", 0.05, "sum(rate(t[10s]))", 10.0)
    assert noise_note(rule, k=30, fraction=fraction, events_per_s=rate, phase="burst") is None


def test_below_threshold_faults_are_checked_too() -> None:
    rule = RatioRule("A", ">", 0.05, "sum(rate(t[10s]))", 10.0)
    note = noise_note(rule, k=30, fraction=0.04, events_per_s=40, phase="mild")
    assert note is not None and "below the 0.05 threshold" in note.message


def test_a_fault_on_the_threshold_warns_at_any_factor() -> None:
    rule = RatioRule("A", ">", 0.1, "sum(rate(t[10s]))", 10.0)
    note = noise_note(rule, k=30, fraction=0.1, events_per_s=20, phase="failing")
    assert note is not None and "exactly its 0.1 threshold" in note.message and "move the fault away" in note.message


FTE_RULES = Path(__file__).resolve().parents[2] / "fixtures" / "cs-fte" / "fte_alerting_rules.yml"


def test_a_phase_of_many_faults_warns_on_the_rule_a_fault_near_its_threshold_feeds() -> None:
    """cs-fte's below-threshold phase as it first was: 2% of conversations fail (threshold 5%) and 5% of one
    tool's calls (threshold 10%). The faults disagree on one fraction, so the phase once had no noise check; the
    tool rule crossed 10% in CI. Each rule now reads the fraction of the faults that feed its own families."""
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "cs-fte" / "below-threshold.yaml")
    phase = scenario.phase("mild-trouble")
    faults = [parse_fault({"kind": "error", "operation": "handle_message", "rate": 0.02, "status": 503}),
              parse_fault({"kind": "error", "event": "tool_call", "match": {"tool": "search_knowledge_base"},
                           "rate": 0.05, "status": 429})]  # fmt: skip
    phase = phase.model_copy(update={"faults": faults})
    rules = {r.alert: r for r in ratio_rules(compress_rule_file(FTE_RULES, 30).alerts)}
    measured = [(phase, rules["FteToolCallFailures"], 15.0), (phase, rules["FteHighErrorRate"], 100.0)]
    notes = noise_notes(measured, 30, scenario.profile())
    assert [n.rule for n in notes] == ["FteToolCallFailures"]
    assert "a fault of 5.0%" in notes[0].message
    # The 3% the drill now fails stands clear at the same load; without the profile no fraction is common.
    clear = phase.model_copy(update={"faults": [faults[0], faults[1].model_copy(update={"rate": 0.03})]})
    assert noise_notes([(clear, rules["FteToolCallFailures"], 15.0)], 30, scenario.profile()) == []
    assert noise_notes(measured, 30, None) == []


def test_a_phase_that_keeps_every_alert_silent_needs_four_standard_errors() -> None:
    """seed 002's below-threshold as it was: 2% of orders/create webhooks failing against 5%, about 250 in the
    x10 window: 3.4 standard errors, clear of 3, and its silence broke once in five runs. Silence breaks on any one
    evaluation, so a phase that expects no alert to fire is held to 4."""
    ratio = (
        'sum(rate(tokpulse_webhook_processed_total{status="failed"}[30s])) / '
        "sum(rate(tokpulse_webhook_processed_total[30s]))"
    )
    rule = RatioRule("TokPulseWebhookFailureRatio", ">", 0.05, "sum(rate(t[30s]))", 30.0, ratio)
    assert noise_note(rule, k=10, fraction=0.02, events_per_s=250 / 30, phase="mild") is None
    note = noise_note(rule, k=10, fraction=0.02, events_per_s=250 / 30, phase="mild", z=4)
    assert note is not None and "3.4 standard errors away (it needs 4)" in note.message
    # In the drill, the phase's faults feed the rule 2% (the profile says which feed its family); its 2% API
    # errors and 20% of one store's calls refused do not.
    root = Path(__file__).resolve().parents[2]
    mild = load_scenario(root / "scenarios" / "tokpulse" / "below-threshold.yaml").phase("mild")
    with_two_percent = mild.model_copy(update={"faults": [_webhook_fault(0.02), *mild.faults[1:]]})
    profile = load_profile(root / "fixtures" / "tokpulse" / "profile.yaml")
    notes = noise_notes([(with_two_percent, rule, 250 / 30)], k=10, profile=profile)
    assert len(notes) == 1 and "(it needs 4)" in notes[0].message
    assert noise_notes([(mild, rule, 250 / 30)], k=10, profile=profile) == []  # the drill's 1% now


def _webhook_fault(rate: float) -> AnyFault:
    return parse_fault({"kind": "error", "service": "tokpulse-jobs", "operation": "process_webhook",
                        "match": {"topic": "orders/create"}, "rate": rate, "status": 502})  # fmt: skip


def test_an_alert_a_firing_phase_keeps_silent_by_name_needs_four_standard_errors() -> None:
    """A phase that fires one alert and names others silent: a fault feeding a silent one near its threshold
    breaks that verdict as surely as in a phase where nothing fires (the check once skipped such alerts)."""
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "cs-fte" / "below-threshold.yaml")
    tool_rule = {r.alert: r for r in ratio_rules(compress_rule_file(FTE_RULES, 30).alerts)}["FteToolCallFailures"]
    near = parse_fault({"kind": "error", "event": "tool_call", "rate": 0.065, "status": 429})
    expect = [
        parse_expectation({"fires": "FteHighErrorRate", "within": "9m"}),
        parse_expectation({"silent": [tool_rule.alert]}),
    ]
    firing = scenario.phase("mild-trouble").model_copy(update={"faults": [near], "expect": expect})
    # 6.5% against 10% is 3.5 standard errors at this load: enough for an alert meant to fire, not for silence.
    rate = 0.065 * 0.935 / (0.035 / 3.5) ** 2 / tool_rule.window_wall_s
    notes = noise_notes([(firing, tool_rule, rate)], 30, scenario.profile())
    assert len(notes) == 1 and "3.5 standard errors away (it needs 4)" in notes[0].message
    unnamed = firing.model_copy(update={"expect": expect[:1]})
    assert noise_notes([(unnamed, tool_rule, rate)], 30, scenario.profile()) == []


def test_a_fault_that_feeds_only_the_denominator_does_not_move_the_ratio() -> None:
    """seed 002's api drill fails 30% of track_events and keeps TokPulseTenantThrottled (throttled requests over
    all requests) silent: the errors are requests, not throttles, so that ratio is not the fault's to move."""
    root = Path(__file__).resolve().parents[2]
    scenario = load_scenario(root / "scenarios" / "tokpulse" / "api.yaml")
    degraded = scenario.phase("degraded")
    rules = {
        r.alert: r for r in ratio_rules(compress_rule_file(root / "fixtures" / "tokpulse" / "alerts.yml", 30).alerts)
    }
    throttled = rules["TokPulseTenantThrottled"]
    assert throttled.numerator_metrics == {"tokpulse_tenant_throttling_total"}
    assert noise_notes([(degraded, throttled, 0.1)], 30, scenario.profile()) == []
