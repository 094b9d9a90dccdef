"""Expectation kinds: each is one module here, listed once in ``KINDS``.

A kind is a pydantic model (its YAML shape) that can ``judge`` itself from a timeline, name itself (``label``)
and say what the run must observe for it (``wants``). Adding a kind touches its module, ``KINDS`` and its tests.

Example:
    >>> parse_expectation({"fires": "CioHighErrorRate", "within": "9m"}).label()
    'fires(CioHighErrorRate)'
    >>> parse_expectation({"silent": "all", "xfail": "seed 003 bug"}).xfail
    'seed 003 bug'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag, TypeAdapter

from harness.drill.expectations.base import (
    Expectation,
    JudgeContext,
    Observation,
    Outcome,
    PhaseVerdicts,
    Verdict,
)
from harness.drill.expectations.dashboard import DashboardExpectation
from harness.drill.expectations.fires import FiresExpectation
from harness.drill.expectations.logs import LogsExpectation
from harness.drill.expectations.metric import MetricExpectation
from harness.drill.expectations.no_notification import NoNotificationExpectation
from harness.drill.expectations.notification import NotificationExpectation
from harness.drill.expectations.resolves import ResolvesExpectation
from harness.drill.expectations.rules_have_data import RulesHaveDataExpectation
from harness.drill.expectations.silent import SilentExpectation
from harness.drill.expectations.traces import TraceQuery, TracesExpectation

# Every expectation kind, once. The YAML key of each is its ``kind``.
KINDS: tuple[type[Expectation], ...] = (
    FiresExpectation,
    SilentExpectation,
    ResolvesExpectation,
    NotificationExpectation,
    NoNotificationExpectation,
    MetricExpectation,
    TracesExpectation,
    LogsExpectation,
    DashboardExpectation,
    RulesHaveDataExpectation,
)
BY_KEY: dict[str, type[Expectation]] = {cls.kind: cls for cls in KINDS}
# Union tags are class names so they can never be mistaken for YAML keys when mapping errors to lines.
TAGS = {cls.__name__ for cls in KINDS}


def _tag(value: Any) -> str | None:
    if isinstance(value, dict):
        key = next((k for k in BY_KEY if k in value), None)
        return BY_KEY[key].__name__ if key else None
    return type(value).__name__ if isinstance(value, Expectation) else None


if TYPE_CHECKING:
    AnyExpectation = Expectation
else:
    AnyExpectation = Annotated[
        Union[tuple(Annotated[cls, Tag(cls.__name__)] for cls in KINDS)],  # noqa: UP007 (built from KINDS)
        Discriminator(
            _tag,
            custom_error_type="expectation_kind",
            custom_error_message="not an expectation; expected a mapping with one of the keys " + ", ".join(BY_KEY),
        ),
    ]

_ADAPTER: TypeAdapter[Expectation] = TypeAdapter(AnyExpectation)


def parse_expectation(data: Any, context: dict[str, Any] | None = None) -> Expectation:
    """One expectation from its YAML mapping (pydantic's ValidationError on a bad one)."""
    return _ADAPTER.validate_python(data, context=context)


def judge_one(expectation: Expectation, ctx: JudgeContext, window: Any) -> Verdict:
    """The verdict on one expectation, with ``xfail`` applied (strict: one that holds is an XPASS, a failure)."""
    verdict = expectation.judge(ctx, window)
    if expectation.xfail is None:
        return verdict
    held = verdict.passed
    outcome: Outcome = "xpass" if held else "xfail"
    reason = (
        f"XPASS: held although expected to fail ({expectation.xfail}): {verdict.reason}"
        if held
        else f"XFAIL ({expectation.xfail}): {verdict.reason}"
    )
    return verdict.model_copy(update={"passed": not held, "outcome": outcome, "xfail": expectation.xfail,
                                      "reason": reason})  # fmt: skip


__all__ = [
    "KINDS",
    "TAGS",
    "AnyExpectation",
    "DashboardExpectation",
    "Expectation",
    "FiresExpectation",
    "JudgeContext",
    "LogsExpectation",
    "MetricExpectation",
    "NoNotificationExpectation",
    "NotificationExpectation",
    "Observation",
    "PhaseVerdicts",
    "ResolvesExpectation",
    "RulesHaveDataExpectation",
    "SilentExpectation",
    "TraceQuery",
    "TracesExpectation",
    "Verdict",
    "judge_one",
    "parse_expectation",
]
