"""Run a drill live: plan -> stack + stub + load -> observations -> timeline -> verdicts.

Times inside are wall-clock seconds since the drill started; production-equivalent times appear only in the
verdicts and reports (the judge multiplies by k). A :class:`Drill` carries one run through its steps; the
steps are the methods it calls in :func:`run_scenario`, in order.

A drill whose own environment breaks (a component dies, a poll keeps failing, the stub vanishes) stops at once:
its result is ``error`` with the component named, and nothing is judged.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from harness import interrupt, workdir
from harness.drill.compress import AlertRuleInfo, CompressionNote, compress_scenario_rules
from harness.drill.evaluations import transitions_at_evaluations
from harness.drill.health import Watchdog
from harness.drill.judge import judge
from harness.drill.lanes import faults_for, in_lane, lane_names, probes_for
from harness.drill.logscan import LogSource
from harness.drill.model import Phase, Scenario
from harness.drill.noise import RatioRule, measure_event_rates, noise_notes
from harness.drill.observe import Observer, PhaseCollector, PhaseObservations, notifications, wanted_metrics
from harness.drill.plan import CompressionPlan, compress_alertmanager_config
from harness.drill.result import DrillError, ScenarioResult
from harness.drill.scrapes import measure_scrape_gaps
from harness.drill.timeline import PhaseWindow, Timeline, describe_fault
from harness.errors import ComponentError
from harness.load import LoadPhase, LocustRun
from harness.pii import PiiPolicy
from harness.stack import Component, ScrapeTarget, Stack, StackSpec
from harness.stack.ports import free_port
from harness.stack.shared import SharedStack
from harness.stack.spec import Probe, ProviderName
from harness.stub.control import StubControl
from harness.stub.faults import to_control
from harness.stub.process import StubProcess
from harness.stub.profile import Profile

# Seconds Locust's last phase outlasts the schedule; the drill ends Locust itself, this only bounds it.
LOAD_TAIL_S = 60.0


@dataclass
class Progress:
    """What the terminal shows while a drill runs."""

    scenario: str
    phase: str
    phase_index: int
    phases: int
    elapsed_s: float
    phase_left_s: float
    faults: list[str]
    alerts: dict[str, str]
    rps: float
    k: float


@dataclass
class RunOptions:
    """How to run: which stack provider, compression and seed overrides, progress callback."""

    stack: ProviderName = "auto"
    compress: float | None = None
    seed: int | None = None
    quiet: bool = True
    on_progress: Callable[[Progress], None] | None = None
    # Extra wall seconds on each budget, for the observer's poll interval and scrape jitter.
    tolerance_s: float | None = None
    # Keep the drill's working files (compressed rules, stub logs) here instead of deleting them.
    keep_dir: Path | None = None
    messages: list[str] = field(default_factory=list)
    # Reuse one running stack across drills (reconfigured per drill) instead of starting one per drill.
    shared_stack: SharedStack | None = None
    images: dict[Component, str] = field(default_factory=dict)
    # Local programs for the processes provider (e.g. Debian's Prometheus 2); unset: the newest installed.
    binaries: dict[Component, str] = field(default_factory=dict)


def run_scenario(scenario: Scenario, options: RunOptions) -> list[ScenarioResult]:
    """Run one scenario live and judge it; one result per lane.

    Raises InputError before anything starts when an input is unusable, and Interrupted on Ctrl-C (after
    tearing everything down). An environment failure during the run gives results with ``error`` set.

    Example:
        >>> scenario = load_scenario("scenarios/customerio/error-burst.yaml")  # doctest: +SKIP
        >>> run_scenario(scenario, RunOptions())[0].passed                      # doctest: +SKIP
        True
    """
    drill = Drill.prepare(scenario, options)
    with drill:
        try:
            drill.start_stack()
            drill.start_stubs()
            drill.wait_for_targets()
            drill.start_observing()
            drill.start_load()
            drill.run_phases()
            drill.stop_load()
        except ComponentError as exc:
            return drill.error_results(exc)
        return drill.judge()


@dataclass
class Drill:
    """One drill run: its plan, what it started, and what it observed."""

    scenario: Scenario
    options: RunOptions
    plan: CompressionPlan
    work: Path
    rule_files: list[Path]
    rules_info: list[AlertRuleInfo]
    notes: list[CompressionNote]
    lanes: list[str]
    cleanup: ExitStack = field(default_factory=ExitStack)
    stack: Stack | None = None
    profile: Profile | None = None
    stub_ports: list[dict[str, int]] = field(default_factory=list)
    stubs: list[StubProcess] = field(default_factory=list)
    controls: list[StubControl] = field(default_factory=list)
    loads: list[LocustRun] = field(default_factory=list)
    observer: Observer | None = None
    collector: PhaseCollector | None = None
    windows: list[PhaseWindow] = field(default_factory=list)
    # Per faulty phase, each ratio rule's denominator rate (events/s) as the load really drove it.
    event_rates: list[tuple[Phase, RatioRule, float]] = field(default_factory=list)
    observed: list[PhaseObservations] = field(default_factory=list)
    origin_mono: float = 0.0
    origin_wall: float = 0.0

    # -- before anything starts ------------------------------------------------------------------------
    @classmethod
    def prepare(cls, scenario: Scenario, options: RunOptions) -> Drill:
        """Overrides applied, the plan made and the rules compressed; InputError when something is unusable."""
        if options.compress is not None:
            scenario = scenario.with_compress(options.compress)
        if options.seed is not None:
            scenario = scenario.model_copy(update={"seed": options.seed})
        plan = CompressionPlan.for_k(scenario.compress, scenario.scrape_interval, scenario.evaluation_interval)
        if options.keep_dir is not None:
            work = options.keep_dir / scenario.name
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = workdir.make_dir(scenario.name)
        try:
            rule_files, rules_info, notes = compress_scenario_rules(scenario, scenario.compress, work)
        except BaseException:
            if options.keep_dir is None:
                workdir.remove_dir(work)
            raise
        drill = cls(scenario, options, plan, work, rule_files, rules_info, notes, lane_names(scenario.target.lanes))
        drill.profile = scenario.profile()
        return drill

    def __enter__(self) -> Drill:
        if self.options.keep_dir is None:
            self.cleanup.callback(workdir.remove_dir, self.work)
        else:
            self.options.messages.append(f"{self.scenario.name}: working files kept in {self.work}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup.close()

    def clock(self) -> float:
        """Wall seconds since the drill's clock started (targets up)."""
        return time.monotonic() - self.origin_mono

    # -- the steps -------------------------------------------------------------------------------------
    def start_stack(self) -> None:
        scenario, options = self.scenario, self.options
        am_text = compress_alertmanager_config(scenario.alertmanager.read_text(), scenario.compress) \
            if scenario.alertmanager else None  # fmt: skip
        spec = StackSpec(
            components={Component.PROMETHEUS, Component.ALERTMANAGER, Component.JAEGER}
            | ({Component.GRAFANA} if scenario.grafana else set())
            | ({Component.BLACKBOX} if scenario.blackbox else set()),
            scrape_targets=self._targets(),
            probes=self._probes(),
            rule_files=self.rule_files,
            alertmanager_config=am_text,
            dashboards=list(scenario.dashboards),
            prometheus=self.plan.prometheus_settings(),
            provider=options.stack,
            # The stub and Locust listen on loopback only. Containers reach them with host networking on Linux;
            # Docker Desktop forwards host.docker.internal to the host's loopback, so bridge works there.
            network="host" if sys.platform.startswith("linux") else "bridge",
            quiet=options.quiet,
            images=dict(options.images),
            binaries=dict(options.binaries),
        )
        if options.shared_stack is not None:
            self.stack = options.shared_stack.acquire(spec)
        else:
            self.stack = self.cleanup.enter_context(Stack(spec))
        options.messages.append(f"{scenario.name}: {self.stack.reason}")

    def _targets(self) -> list[ScrapeTarget]:
        """One scrape target per service per lane: the service's job and metrics path, labelled with the lane."""
        target, profile = self.scenario.target, self.profile
        if profile is not None:
            self.stub_ports = [{s.name: free_port() for s in profile.services} for _ in self.lanes]
            return [
                ScrapeTarget(s.job_name, f"127.0.0.1:{ports[s.name]}", {"lane": lane}, s.metrics_path)
                for lane, ports in zip(self.lanes, self.stub_ports, strict=True)
                for s in profile.services
            ]
        metrics = urlsplit(target.metrics_url or f"{target.url}/metrics")
        return [ScrapeTarget("target", metrics.netloc, {"lane": self.lanes[0]}, metrics.path or "/metrics")]

    def _probes(self) -> list[Probe]:
        return probes_for(self.scenario.blackbox, self.lanes, self.stub_ports)

    def start_stubs(self) -> None:
        """A stub process per lane, serving every service of the profile; or the url target's fault API."""
        if self.profile is None:
            if self.scenario.target.fault_api and self.scenario.target.url:
                self.controls = [self.cleanup.enter_context(StubControl(self.scenario.target.url))]
            return
        assert self.stack is not None
        for lane, ports in zip(self.lanes, self.stub_ports, strict=True):
            stub = StubProcess(profile=self.profile, lane=lane, ports=ports, seed=self.scenario.seed,
                               otlp_endpoint=self.stack.otlp_http_url, workdir=self.work / f"stub-{lane}",
                               compress=self.scenario.compress)  # fmt: skip
            self.stubs.append(self.cleanup.enter_context(stub))
        self.controls = [stub.control for stub in self.stubs]

    def wait_for_targets(self) -> None:
        assert self.stack is not None
        timeout_s = 15 + 4 * self.plan.scrape_interval_s
        prometheus, count = self.stack.prometheus, len(self.stack.spec.scrape_targets)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(prometheus.query("up == 1")) >= count:
                # Alert state begins now: nothing the start-up caused (a target not listening yet) carries over.
                self.stack.restart_rules()
                return
            interrupt.sleep(0.1, "the wait for scrape targets")
        down = [f"{t.scrape_url}: {t.last_error or t.health}" for t in prometheus.targets() if t.health != "up"]
        raise ComponentError("target", f"not up after {timeout_s:.0f}s: {'; '.join(down)}; is the service listening?")

    def start_observing(self) -> None:
        assert self.stack is not None
        self.origin_mono, self.origin_wall = time.monotonic(), time.time()
        plan = self.plan
        poll_s = max(0.05, min(0.25, plan.evaluation_interval_s / 4))
        value_exprs = {r.alert: r.value_expr for r in self.rules_info if r.value_expr}
        observer = Observer(self.stack.prometheus, self.clock, poll_s, value_exprs,
                            sample_every_s=plan.evaluation_interval_s,
                            max_gap_s=max(2 * plan.evaluation_interval_s, 3.0))  # fmt: skip
        self.observer = self.cleanup.enter_context(observer)
        logs = [LogSource(lane, path, PiiPolicy.of(self.profile.service(name).logs.pii))
                for lane, stub in zip(self.lanes, self.stubs, strict=False) if self.profile is not None
                for name, path in stub.log_files.items()]  # fmt: skip
        self.collector = PhaseCollector(self.stack, self.origin_wall, plan.scrape_interval_s, logs)

    def start_load(self) -> None:
        load = self.scenario.load
        if load is None:
            return
        phases = [
            LoadPhase(self.plan.timescale.to_wall(p.duration), p.users if p.users is not None else load.users,
                      load.spawn_rate)
            for p in self.scenario.phases
        ]  # fmt: skip
        # Locust's clock starts a moment after the drill's; its last phase runs on until the drill stops it.
        last = phases[-1]
        phases[-1] = LoadPhase(last.duration_s + LOAD_TAIL_S, last.users, last.spawn_rate)
        runs: list[tuple[str, dict[str, str]]] = [(self.scenario.target.url or "", {})]
        if self.stubs:
            service = load.service or self.stubs[0].profile.services[0].name
            runs = [(stub.urls[service], service_urls_env(stub.urls)) for stub in self.stubs]
        self.loads = [self.cleanup.enter_context(LocustRun(load.locustfile, host, phases, load.processes, env))
                      for host, env in runs]  # fmt: skip

    def run_phases(self) -> None:
        """Apply each phase's faults on the schedule Locust's shape follows, and record each phase's window.

        A phase's spans and dashboards are collected after the next phase's faults are applied, so the seconds
        that collection takes never push the drill's schedule behind the load's.
        """
        assert self.stack is not None and self.observer is not None and self.collector is not None
        watchdog = Watchdog(self.stack, self.stubs, self.loads, self.observer, str(self.scenario.source))
        pending: tuple[Phase, PhaseWindow] | None = None
        end_at = self.clock()
        for index, phase in enumerate(self.scenario.phases):
            start = end_at
            self.observer.watch_metrics(wanted_metrics(phase))
            self.collector.phase_started()
            for lane, control in zip(self.lanes, self.controls, strict=False):
                control.set(faults_for(phase, lane, self.scenario.compress), seed=self.scenario.seed)
            applied = self.clock()
            if pending is not None:
                self.observed.append(self.collector.collect(*pending))
            end_at = start + self.plan.timescale.to_wall(phase.duration)
            faults = [to_control(f, self.scenario.compress) | ({"lanes": f.lanes} if f.lanes else {})
                      for f in phase.faults]  # fmt: skip
            while (now := self.clock()) < end_at:
                watchdog.check()
                self._report_progress(phase, index, now, end_at, faults)
                interrupt.sleep(min(0.25, max(0.0, end_at - now)), f"phase {phase.name} of {self.scenario.name}")
            self.collector.phase_ended(phase.name)
            self._measure_event_rates(phase)
            self._check_scrapes(phase, self.clock() - start)
            window = PhaseWindow(name=phase.name, start=start, end=self.clock(), faults=faults,
                                 faults_applied_at=applied)  # fmt: skip
            self.windows.append(window)
            pending = (phase, window)
        if pending is not None:
            self.observed.append(self.collector.collect(*pending))
        watchdog.check()

    def _measure_event_rates(self, phase: Phase) -> None:
        if self.stack is not None:
            self.event_rates += measure_event_rates(self.stack.prometheus, self.rules_info, phase)

    def _check_scrapes(self, phase: Phase, window_s: float) -> None:
        """Too many failed scrapes of the stub stop the drill (its verdicts would rest on missing data); a URL
        target's are the user's service's own, a warning."""
        assert self.stack is not None
        timeout_s = min(self.plan.scrape_interval_s, 10.0)
        for gap in measure_scrape_gaps(self.stack.prometheus, phase, window_s):
            if gap.too_many() and self.profile is not None:
                raise ComponentError(gap.job, gap.describe(timeout_s))
            self.options.messages.append(f"{self.scenario.name}: warning: {gap.describe(timeout_s)}")

    def _noise_notes(self) -> list[CompressionNote]:
        notes = noise_notes(self.event_rates, self.scenario.compress, self.profile)
        self.options.messages += [f"{self.scenario.name}: warning: {note.message}" for note in notes]
        return notes

    def _report_progress(self, phase: Phase, index: int, now: float, end_at: float, faults: list[dict]) -> None:
        if self.options.on_progress is None or self.observer is None:
            return
        rps = sum(load.stats().current_rps for load in self.loads)
        self.options.on_progress(
            Progress(self.scenario.name, phase.name, index, len(self.scenario.phases), now, end_at - now,
                     [describe_fault(f) for f in faults], self.observer.current_states(), rps, self.scenario.compress)
        )  # fmt: skip

    def stop_load(self) -> None:
        for load in self.loads:
            load.stop()
        if self.observer is not None:
            self.observer.stop()

    # -- results ---------------------------------------------------------------------------------------
    def timelines(self) -> list[Timeline]:
        """One timeline per lane, from what was observed (complete or not)."""
        received = notifications(self.stack, self.origin_wall) if self.stack is not None else []
        spans = [s for o in self.observed for s in o.spans]
        dashboards = [d for o in self.observed for d in o.dashboards]
        out = []
        targets = self.stack.spec.scrape_targets if self.stack is not None else []
        observer, stack = self.observer, self.stack
        transitions = [] if observer is None or stack is None else transitions_at_evaluations(
            observer.transitions, stack.prometheus, self.origin_wall, self.plan.evaluation_interval_s)  # fmt: skip
        for lane in self.lanes:
            addresses = {t.address for t in targets if t.labels.get("lane") == lane}
            belongs = partial(in_lane, lane=lane, addresses=addresses)
            out.append(Timeline(
                scenario=self.scenario.name, lane=lane, k=self.scenario.compress, phases=self.windows,
                transitions=[t for t in transitions if belongs(t.labels)],
                expr_samples=observer.expr_samples(belongs) if observer else [],
                notifications=[n for n in received if belongs(n.labels)],
                spans=spans,
                metric_samples=observer.metric_samples(belongs) if observer else [],
                dashboards=dashboards,
                logs=[scan for o in self.observed for scan in o.logs.get(lane, [])],
                rules_info=self.rules_info,
                notes=self.notes,
            ))  # fmt: skip
        return out

    def judge(self) -> list[ScenarioResult]:
        self.notes = self.notes + self._noise_notes()
        tolerance_s = self.options.tolerance_s
        if tolerance_s is None:
            tolerance_s = max(0.05, min(0.25, self.plan.evaluation_interval_s / 4)) + self.plan.scrape_interval_s
        return [
            ScenarioResult(name=self.scenario.name, lane=tl.lane, timeline=tl, notes=self.notes,
                           phases=judge(self.scenario, tl, tolerance_s=tolerance_s),
                           versions=self.stack.versions if self.stack else {})
            for tl in self.timelines()
        ]  # fmt: skip

    def error_results(self, exc: ComponentError) -> list[ScenarioResult]:
        """The drill's results when its environment broke: no verdicts, the error naming the component."""
        error = DrillError(component=exc.component, message=str(exc))
        self.options.messages.append(f"{self.scenario.name}: environment error: {exc}")
        if self.options.shared_stack is not None:
            self.options.shared_stack.close()  # it may be the broken part; the next drill starts a fresh one
        try:
            timelines = self.timelines()
        except ComponentError:
            timelines = [Timeline(scenario=self.scenario.name, lane=lane, k=self.scenario.compress,
                                  phases=self.windows) for lane in self.lanes]  # fmt: skip
        return [ScenarioResult(name=self.scenario.name, lane=tl.lane, timeline=tl, phases=[], notes=self.notes,
                               error=error, versions=self.stack.versions if self.stack else {})
                for tl in timelines]  # fmt: skip


def service_urls_env(urls: dict[str, str]) -> dict[str, str]:
    """Every service's URL for Locust: ``FIREDRILL_URL_TOKPULSE_API=http://127.0.0.1:PORT``.

    >>> service_urls_env({"tokpulse-api": "http://127.0.0.1:1"})
    {'FIREDRILL_URL_TOKPULSE_API': 'http://127.0.0.1:1'}
    """
    return {"FIREDRILL_URL_" + re.sub(r"[^A-Z0-9]", "_", name.upper()): url for name, url in urls.items()}


__all__ = ["CompressionNote", "Drill", "Progress", "RunOptions", "faults_for", "in_lane", "lane_names", "run_scenario"]
