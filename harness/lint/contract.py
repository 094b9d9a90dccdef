"""The metric contract: what each target exports, and which targets a selector can read from.

A lint run has zero or more targets (``--target [JOB=]SPEC``). A target with a job answers for selectors whose
``job`` matchers accept that job; a target without one answers for every selector. A selector's *view* is the
union of the targets that answer for it; it is *complete* when every one of them is (a stub profile, or a saved
exposition whose first line is ``# firedrill: complete``, or any target under ``--complete``): then a label or a
value it lacks is certainly missing, not merely unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import promql_parser as pp

from harness.lint.exposition import TARGET_LABELS, Exposition, Series, load_target

ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
COMPLETE_MARKER = "# firedrill: complete"
_JOB_SPEC = re.compile(r"^(?P<job>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<spec>.+)$")


@dataclass(frozen=True)
class Target:
    """One target: its spec as given, its job (None: answers for every job), its exposition and certainty."""

    spec: str
    job: str | None
    expo: Exposition
    complete: bool
    extra_labels: frozenset[str] = frozenset()  # target labels the scrape adds besides job and instance

    @property
    def name(self) -> str:
        """``JOB=SPEC`` or ``SPEC``."""
        return f"{self.job}={self.spec}" if self.job else self.spec


def split_target(text: str) -> tuple[str | None, str]:
    """``(job, spec)`` of a ``--target`` value: ``node=http://...`` names job node; a bare spec has none.

    >>> split_target("node=tests/node.prom"), split_target("profile:customerio"), split_target("http://h/m?a=b")
    (('node', 'tests/node.prom'), (None, 'profile:customerio'), (None, 'http://h/m?a=b'))
    """
    match = _JOB_SPEC.match(text)
    return (match["job"], match["spec"]) if match else (None, text)


def load_contract(specs: list[str], complete: bool = False, extra_labels: frozenset[str] = frozenset()) -> Contract:
    """Read every ``[JOB=]SPEC`` target; unreadable ones raise InputError.

    >>> contract = load_contract(["profile:customerio"])
    >>> contract.targets[0].complete, sorted(contract.labels_of(pp.parse("customerio_requests_total")) or [])
    (True, ['instance', 'job', 'operation', 'status'])
    """
    targets = []
    for text in specs:
        job, spec = split_target(text)
        expo = load_target(spec)
        certain = complete or spec.startswith("profile:") or expo.marked_complete
        targets.append(Target(spec, job, expo, certain, extra_labels))
    return Contract(tuple(targets))


@dataclass(frozen=True)
class View:
    """What the targets answering for one selector export, merged."""

    expo: Exposition
    complete: bool
    jobs: frozenset[str] | None  # the job values its series carry; None when a target answers for every job
    extra_labels: frozenset[str]

    @property
    def where(self) -> str:
        """The targets, for messages."""
        return ", ".join(self.expo.sources)

    def series(self, name: str) -> Series | None:
        """The series called ``name``, if exported."""
        return self.expo.series.get(name)

    def labels_of(self, name: str) -> frozenset[str] | None:
        """Label names of ``name`` with the target labels Prometheus adds; None when not exported."""
        found = self.expo.series.get(name)
        return None if found is None else found.labels | TARGET_LABELS | self.extra_labels


@dataclass(frozen=True)
class Contract:
    """Every target of a lint run."""

    targets: tuple[Target, ...]
    _views: dict[tuple[int, ...], View] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sources(self) -> list[str]:
        """Every target's name."""
        return [t.name for t in self.targets]

    @cached_property
    def all(self) -> View:
        """The union of every target (for checks not about one selector)."""
        return self._view(tuple(range(len(self.targets))))

    @property
    def jobs(self) -> list[str]:
        """The jobs named by targets."""
        return sorted({t.job for t in self.targets if t.job})

    def view(self, sel: pp.VectorSelector) -> View | None:
        """The targets that answer for ``sel`` (by its ``job`` matchers), merged; None when none does."""
        job_matchers = [m for m in sel.matchers.matchers if m.name == "job"]
        chosen = tuple(
            i for i, t in enumerate(self.targets) if t.job is None or all(matches(m, t.job) for m in job_matchers)
        )
        return self._view(chosen) if chosen else None

    def jobs_of(self, sel: pp.VectorSelector) -> frozenset[str] | None:
        """The jobs whose targets export what ``sel`` selects (None: a target without a job does, or none does).

        >>> c = load_contract(["app=tests/fixtures/lint/seed003.prom", "node=tests/fixtures/lint/node.prom"])
        >>> sorted(c.jobs_of(pp.parse("process_resident_memory_bytes"))), sorted(c.jobs_of(pp.parse("up")))
        (['app'], ['app', 'node'])
        """
        view = self.view(sel)
        if view is None or not sel.name or sel.name in ALERT_SERIES:
            return None
        exporting = [t for t in self.targets if t.name in view.expo.sources and sel.name in t.expo.series]
        if not exporting or any(t.job is None for t in exporting):
            return None
        return frozenset(str(t.job) for t in exporting)

    def labels_of(self, sel: pp.VectorSelector) -> frozenset[str] | None:
        """Label names of the series ``sel`` selects (None when unknown: not exported, or an alert series)."""
        if not sel.name or sel.name in ALERT_SERIES:
            return None
        view = self.view(sel)
        return None if view is None else view.labels_of(sel.name)

    def _view(self, chosen: tuple[int, ...]) -> View:
        if chosen not in self._views:
            picked = [self.targets[i] for i in chosen]
            expo = picked[0].expo if len(picked) == 1 else Exposition.merge([t.expo for t in picked])
            expo = Exposition(tuple(t.name for t in picked), expo.series, expo.buckets)
            jobs = None if any(t.job is None for t in picked) else frozenset(str(t.job) for t in picked)
            extra = frozenset().union(*(t.extra_labels for t in picked))
            self._views[chosen] = View(expo, all(t.complete for t in picked), jobs, extra)
        return self._views[chosen]


def matches(m: pp.Matcher, value: str) -> bool:
    """Whether label value ``value`` satisfies matcher ``m`` (RE2 read as Python regex; unreadable ones match).

    >>> matches(pp.parse('x{job=~"no.*"}').matchers.matchers[0], "node")
    True
    """
    if m.op == pp.MatchOp.Equal:
        return value == m.value
    if m.op == pp.MatchOp.NotEqual:
        return value != m.value
    try:
        found = re.fullmatch(m.value, value) is not None
    except re.error:
        return True
    return found if m.op == pp.MatchOp.Re else not found
