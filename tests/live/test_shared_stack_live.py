"""One stack serving several drills, on both providers: a reconfigured stack keeps nothing from the last one."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import StackError
from harness.stack import Component, PrometheusSettings, ScrapeTarget, StackSpec
from harness.stack.shared import SharedStack
from tests.live.test_stack_live import ALERTMANAGER_CONFIG, FAST, wait_until

pytestmark = pytest.mark.live

ALWAYS = """\
groups:
  - name: shared
    rules:
      - alert: Always
        expr: vector(1)
        labels: {severity: warning}
"""
NEVER = """\
groups:
  - name: shared
    rules:
      - alert: Never
        expr: vector(1) > 2
"""


def _spec(provider: str, rules: Path, targets: list[ScrapeTarget], settings: PrometheusSettings = FAST) -> StackSpec:
    return StackSpec(
        components={Component.PROMETHEUS, Component.ALERTMANAGER},
        provider=provider,  # type: ignore[arg-type]
        rule_files=[rules],
        scrape_targets=targets,
        alertmanager_config=ALERTMANAGER_CONFIG,
        prometheus=settings,
        quiet=True,
    )


def test_reconfigured_stack_starts_clean(provider: str, target, tmp_path: Path, no_leaks: None) -> None:
    address, gauge = target
    gauge.set(1)
    always, never = tmp_path / "always.yml", tmp_path / "never.yml"
    always.write_text(ALWAYS)
    never.write_text(NEVER)
    shared = SharedStack()
    try:
        stack = shared.acquire(_spec(provider, always, [ScrapeTarget("selftest", address)]))
        assert stack.sink is not None
        assert wait_until(lambda: stack.sink and stack.sink.wait_for("Always", "team", timeout_s=0.2), 20)
        assert wait_until(lambda: stack.prometheus.query("firedrill_selftest_up"))
        prometheus_before = stack.running[Component.PROMETHEUS].ident
        alertmanager_before = stack.running[Component.ALERTMANAGER].ident

        again = shared.acquire(_spec(provider, never, []))
        assert again is stack and (shared.starts, shared.reuses) == (1, 1)
        assert stack.running[Component.PROMETHEUS].ident == prometheus_before
        assert stack.running[Component.ALERTMANAGER].ident != alertmanager_before
        # The last drill's series, alerts and notifications are gone; only the new rules are loaded.
        assert stack.prometheus.query("firedrill_selftest_up") == []
        assert stack.prometheus.query("ALERTS") == []
        assert stack.alertmanager.alerts() == []
        assert stack.sink.deliveries() == []
        rules = [rule["name"] for group in stack.prometheus.rules() for rule in group["rules"]]
        assert rules == ["Never"]

        # Back to the first rules: Always fires and is notified again (no state says "already sent").
        shared.acquire(_spec(provider, always, []))
        assert wait_until(lambda: stack.sink and stack.sink.wait_for("Always", "team", timeout_s=0.2), 40)
    finally:
        shared.close()


def test_shared_stack_restarts_when_flags_differ(tmp_path: Path, no_leaks: None) -> None:
    rules = tmp_path / "never.yml"
    rules.write_text(NEVER)
    shared = SharedStack()
    try:
        first = shared.acquire(_spec("processes", rules, []))
        slower = PrometheusSettings(scrape_interval_s=1, evaluation_interval_s=1, resend_delay_s=1)
        second = shared.acquire(_spec("processes", rules, [], slower))
        assert second is not first and (shared.starts, shared.reuses) == (2, 0)
        assert first.running == {}, "the first stack was not torn down"
        with pytest.raises(StackError, match="cannot serve"):
            second.reconfigure(_spec("processes", rules, []))
    finally:
        shared.close()


PENDING = """\
groups:
  - name: restart
    rules:
      - alert: SelftestLow
        expr: firedrill_selftest_up < 1
        for: 1h
"""


def test_restarted_rules_forget_alert_state(target, tmp_path: Path, no_leaks: None) -> None:
    # What a drill does once its targets are up: an alert its start-up caused does not carry into the drill.
    address, gauge = target
    gauge.set(0)
    rules = tmp_path / "pending.yml"
    rules.write_text(PENDING)
    shared = SharedStack()
    try:
        stack = shared.acquire(_spec("processes", rules, [ScrapeTarget("selftest", address)]))

        def active_since() -> str | None:
            found = [a for a in stack.prometheus.alerts() if a.name == "SelftestLow"]
            return found[0].active_at if found else None

        assert wait_until(lambda: active_since() is not None, 20)
        before = active_since()
        stack.restart_rules()
        assert wait_until(lambda: active_since() not in (None, before), 20), "the alert kept its old activeAt"
        assert [g["file"].rsplit("/", 2)[-2] for g in stack.prometheus.rules()] == ["rules-1"]
    finally:
        shared.close()
