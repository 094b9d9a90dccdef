"""Run a drill live: plan -> stack + stub + load -> observations -> timeline -> verdicts.

Times inside are wall-clock seconds since the drill started; production-equivalent times appear only in the
verdicts and reports (the judge multiplies by k).
"""

from __future__ import annotations

import shutil
import string
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from harness.drill.compress import AlertRuleInfo, CompressionNote, compress_rule_file
from harness.drill.dashboard import panel_queries
from harness.drill.expect import judge
from harness.drill.model import (
    DashboardExpectation,
    LogsExpectation,
    MetricExpectation,
    Phase,
    Scenario,
    TracesExpectation,
)
from harness.drill.observe import Observer
from harness.drill.piiscan import scan_log
from harness.drill.plan import CompressionPlan, compress_alertmanager_config
from harness.drill.timeline import (
    DashboardResult,
    LogScan,
    Notification,
    PhaseWindow,
    SpanSummary,
    Timeline,
    describe_fault,
)
from harness.errors import FiredrillError
from harness.load import LoadPhase, LocustRun
from harness.report.results import ScenarioResult
from harness.stack import Component, ScrapeTarget, Stack, StackSpec
from harness.stack.ports import free_port
from harness.stack.shared import SharedStack
from harness.stack.spec import ProviderName
from harness.stack.stack import check_rule_files
from harness.stub.process import StubProcess, StubStartError

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
    """How to run: which stack provider, compression override, seed, progress callback."""

    stack: ProviderName = "auto"
    compress: float | None = None
    seed: int | None = None
    quiet: bool = True
    on_progress: Callable[[Progress], None] | None = None
    # Extra wall seconds on each budget, for the observer's poll interval and scrape jitter.
    tolerance_s: float | None = None
    keep_dir: Path | None = None
    messages: list[str] = field(default_factory=list)
    # Reuse one running stack across drills (reconfigured per drill) instead of starting one per drill.
    shared_stack: SharedStack | None = None
    images: dict[Component, str] = field(default_factory=dict)


def lane_names(count: int) -> list[str]:
    return list(string.ascii_lowercase[:count]) if count <= 26 else [str(i) for i in range(count)]


def run_scenario(scenario: Scenario, options: RunOptions) -> list[ScenarioResult]:
    """Run one scenario live and judge it; one result per lane.

    Example:
        >>> scenario = load_scenario("scenarios/customerio/error-burst.yaml")  # doctest: +SKIP
        >>> run_scenario(scenario, RunOptions())[0].passed                      # doctest: +SKIP
        True
    """
    if options.compress is not None:
        scenario = scenario.with_compress(options.compress)
    k = scenario.compress
    plan = CompressionPlan.for_k(k, scenario.scrape_interval, scenario.evaluation_interval)
    # promtool first: a broken rule file gets its own file:line error, before anything is rewritten or started.
    check_rule_files(scenario.rules)
    work = Path(tempfile.mkdtemp(prefix=f"firedrill-{scenario.name}-"))
    try:
        rule_files, rules_info, notes = compress_scenario_rules(scenario, k, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    am_text = compress_alertmanager_config(scenario.alertmanager.read_text(), k) if scenario.alertmanager else None
    lanes = lane_names(scenario.target.lanes)
    targets, stub_ports = _targets(scenario, lanes)
    spec = StackSpec(
        components={Component.PROMETHEUS, Component.ALERTMANAGER, Component.JAEGER}
        | ({Component.GRAFANA} if scenario.grafana else set()),
        scrape_targets=targets,
        rule_files=rule_files,
        alertmanager_config=am_text,
        dashboards=list(scenario.dashboards),
        prometheus=plan.prometheus_settings(),
        provider=options.stack,
        # The stub and Locust listen on loopback only. Containers reach them with host networking on Linux;
        # Docker Desktop forwards host.docker.internal to the host's loopback, so bridge works there.
        network="host" if sys.platform.startswith("linux") else "bridge",
        quiet=options.quiet,
        images=dict(options.images),
    )
    poll_s = max(0.05, min(0.25, plan.evaluation_interval_s / 4))
    tolerance_s = options.tolerance_s if options.tolerance_s is not None else poll_s + plan.scrape_interval_s
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        if options.shared_stack is not None:
            stack = options.shared_stack.acquire(spec)
        else:
            stack = cleanup.enter_context(Stack(spec))
        options.messages.append(f"{scenario.name}: {stack.reason}")
        stubs = _start_stubs(scenario, lanes, stub_ports, stack, cleanup, work)
        _wait_for_targets(stack, len(targets), timeout_s=15 + 4 * plan.scrape_interval_s)
        origin_mono, origin_wall = time.monotonic(), time.time()

        def clock() -> float:
            return time.monotonic() - origin_mono

        value_exprs = {r.alert: r.value_expr for r in rules_info if r.value_expr}
        observer = cleanup.enter_context(
            Observer(stack.prometheus, clock, poll_s, value_exprs, sample_every_s=plan.evaluation_interval_s)
        )
        loads = _start_load(scenario, plan, stubs, cleanup)
        windows, spans, dashboards = _run_phases(scenario, options, plan, stack, stubs, lanes, loads, observer, clock)
        for load in loads:
            load.stop()
        observer.stop()
        notifications = _notifications(stack, origin_wall)
        wants_logs = any(isinstance(e, LogsExpectation) for p in scenario.phases for e in p.expect)
        results = []
        log_files: list[Path | None] = [stub.log_file for stub in stubs] or [None] * len(lanes)
        for lane, log_file, target in zip(lanes, log_files, targets, strict=True):
            logs = [LogScan(path=str(log_file), pii_hits=scan_log(log_file))] if wants_logs and log_file else []
            address = target.address
            belongs = partial(_in_lane, lane=lane, address=address)
            timeline = Timeline(
                scenario=scenario.name,
                lane=lane,
                k=k,
                phases=windows,
                transitions=[t for t in observer.transitions if belongs(t.labels)],
                expr_samples=observer.expr_samples(belongs),
                notifications=[n for n in notifications if belongs(n.labels)],
                spans=spans,
                metric_samples=observer.metric_samples(belongs),
                dashboards=dashboards,
                logs=logs,
                rules_info=rules_info,
                notes=notes,
            )
            verdicts = judge(scenario, timeline, tolerance_s=tolerance_s)
            results.append(
                ScenarioResult(name=scenario.name, lane=lane, timeline=timeline, phases=verdicts, notes=notes)
            )
        return results


def compress_scenario_rules(
    scenario: Scenario, k: float, work: Path
) -> tuple[list[Path], list[AlertRuleInfo], list[CompressionNote]]:
    """Each rule file rewritten for factor k into `work`, with per-alert timing info and compression notes."""
    rule_files: list[Path] = []
    rules_info: list[AlertRuleInfo] = []
    notes: list[CompressionNote] = []
    for index, rule_path in enumerate(scenario.rules):
        try:
            compressed = compress_rule_file(rule_path, k, scenario.scrape_interval)
        except ValueError as exc:
            raise FiredrillError(f"{rule_path}: cannot compress its rules ({exc}); run it with --compress 1") from None
        out = work / f"{index:02d}-{rule_path.name}"
        out.write_text(compressed.yaml_text)
        rule_files.append(out)
        rules_info += compressed.alerts
        notes += compressed.notes
    return rule_files, rules_info, notes


def _run_phases(
    scenario: Scenario,
    options: RunOptions,
    plan: CompressionPlan,
    stack: Stack,
    stubs: list[StubProcess],
    lanes: list[str],
    loads: list[LocustRun],
    observer: Observer,
    clock: Callable[[], float],
) -> tuple[list[PhaseWindow], list[SpanSummary], list[DashboardResult]]:
    """Apply each phase's faults on the schedule Locust's shape follows, and record each phase's window.

    A phase's spans and dashboards are collected after the next phase's faults are applied, so the seconds
    that collection takes never push the drill's schedule behind the load's.
    """
    windows: list[PhaseWindow] = []
    spans: list[SpanSummary] = []
    dashboards: list[DashboardResult] = []
    origin_wall = time.time() - clock()

    def collect(phase: Phase, window: PhaseWindow) -> None:
        dashboards.extend(_evaluate_dashboards(stack, phase, plan, window.end - window.start))
        spans.extend(_collect_spans(stack, phase, origin_wall + window.start, origin_wall + window.end))

    pending: tuple[Phase, PhaseWindow] | None = None
    end_at = clock()
    for index, phase in enumerate(scenario.phases):
        start = end_at
        observer.watch_metrics([e.metric for e in phase.expect if isinstance(e, MetricExpectation)])
        for lane, stub in zip(lanes, stubs, strict=False):
            stub.control.set(_faults_for(phase, lane), seed=scenario.seed or options.seed)
        applied = clock()
        if pending is not None:
            collect(*pending)
        end_at = start + plan.timescale.to_wall(phase.duration)
        faults = [f.to_control() for f in phase.faults]
        while (now := clock()) < end_at:
            _check_load(scenario, loads)
            if options.on_progress:
                rps = sum(load.stats().current_rps for load in loads)
                options.on_progress(
                    Progress(scenario.name, phase.name, index, len(scenario.phases), now, end_at - now,
                             [describe_fault(f) for f in faults], observer.current_states(), rps, scenario.compress)
                )  # fmt: skip
            time.sleep(min(0.25, max(0.0, end_at - now)))
        window = PhaseWindow(name=phase.name, start=start, end=clock(), faults=faults, faults_applied_at=applied)
        windows.append(window)
        pending = (phase, window)
    if pending is not None:
        collect(*pending)
    return windows, spans, dashboards


def _targets(scenario: Scenario, lanes: list[str]) -> tuple[list[ScrapeTarget], list[int]]:
    if scenario.target.profile is not None:
        ports = [free_port() for _ in lanes]
        job = scenario.target.profile
        return [
            ScrapeTarget(job, f"127.0.0.1:{port}", {"lane": lane}) for lane, port in zip(lanes, ports, strict=True)
        ], ports
    metrics = urlsplit(scenario.target.metrics_url or f"{scenario.target.url}/metrics")
    return [ScrapeTarget("target", metrics.netloc, {"lane": lanes[0]}, metrics.path or "/metrics")], []


def _start_stubs(
    scenario: Scenario, lanes: list[str], ports: list[int], stack: Stack, cleanup: ExitStack, work: Path
) -> list[StubProcess]:
    if scenario.target.profile is None:
        return []

    stubs = []
    for lane, port in zip(lanes, ports, strict=True):
        stub = StubProcess(profile=scenario.target.profile, lane=lane, port=port, seed=scenario.seed,
                           otlp_endpoint=stack.otlp_http_url, workdir=work / f"stub-{lane}")  # fmt: skip
        try:
            stubs.append(cleanup.enter_context(stub))
        except StubStartError as exc:
            raise FiredrillError(f"{scenario.source}: stub for profile {scenario.target.profile}: {exc}") from None
    return stubs


def _wait_for_targets(stack: Stack, count: int, timeout_s: float) -> None:
    prometheus = stack.prometheus
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(prometheus.query("up == 1")) >= count:
            return
        time.sleep(0.1)
    down = [f"{t.scrape_url}: {t.last_error or t.health}" for t in prometheus.targets() if t.health != "up"]
    raise FiredrillError(f"targets not up after {timeout_s:.0f}s: {'; '.join(down)}; is the service listening?")


def _start_load(
    scenario: Scenario, plan: CompressionPlan, stubs: list[StubProcess], cleanup: ExitStack
) -> list[LocustRun]:
    if scenario.load is None:
        return []
    load = scenario.load
    phases = [
        LoadPhase(plan.timescale.to_wall(p.duration), p.users if p.users is not None else load.users, load.spawn_rate)
        for p in scenario.phases
    ]
    # Locust's clock starts a moment after the drill's; its last phase runs on until the drill stops it.
    last = phases[-1]
    phases[-1] = LoadPhase(last.duration_s + LOAD_TAIL_S, last.users, last.spawn_rate)
    hosts = [stub.url for stub in stubs] or [scenario.target.url or ""]
    return [cleanup.enter_context(LocustRun(load.locustfile, host, phases, load.processes)) for host in hosts]


def _check_load(scenario: Scenario, loads: list[LocustRun]) -> None:
    """Locust stops by itself only when the schedule ends; stopping earlier is an error in the locustfile."""
    for load in loads:
        if not load.running():
            tail = load.log_tail(5).replace("\n", " | ")
            raise FiredrillError(f"{scenario.source}: Locust stopped before the drill ended; its log: {tail}")


def _evaluate_dashboards(stack: Stack, phase: Phase, plan: CompressionPlan, range_s: float) -> list[DashboardResult]:
    results = []
    # Through Grafana when it is in the stack (the panel's own path), else straight to Prometheus.
    has_data = stack.grafana.query_has_data if Component.GRAFANA in stack.running else _prometheus_has_data(stack)
    for expectation in phase.expect:
        if not isinstance(expectation, DashboardExpectation):
            continue
        queries = panel_queries(expectation.dashboard, step_s=plan.scrape_interval_s, range_s=max(range_s, 1.0),
                                scrape_s=plan.scrape_interval_s)  # fmt: skip
        for query in queries:
            try:
                found, error = has_data(query.expr), None
            except Exception as exc:  # a panel's bad query is a verdict, not a crash
                found, error = False, str(exc)
            results.append(
                DashboardResult(dashboard=str(expectation.dashboard), panel_title=query.panel_title,
                                ref_id=query.ref_id, expr=query.expr, has_data=found, error=error, phase=phase.name)
            )  # fmt: skip
    return results


def _prometheus_has_data(stack: Stack) -> Callable[[str], bool]:
    prometheus = stack.prometheus
    return lambda expr: bool(prometheus.query(expr))


def _collect_spans(stack: Stack, phase: Phase, start_wall: float, end_wall: float) -> list[SpanSummary]:
    services = {e.traces.service for e in phase.expect if isinstance(e, TracesExpectation)}
    if not services:
        return []
    time.sleep(0.5)  # the stub's batch span processor flushes every 200 ms
    jaeger = stack.jaeger
    return [
        SpanSummary(
            phase=phase.name,
            service=span.service,
            trace_id=span.trace_id,
            name=span.name,
            duration_s=span.duration_s,
            error=span.error,
            attributes={k: str(v) for k, v in span.attributes.items()},
        )  # fmt: skip
        for service in sorted(services)
        for span in jaeger.find_spans(service, start_wall, end_wall, limit=2000)
    ]


def _notifications(stack: Stack, origin_wall: float) -> list[Notification]:
    if stack.sink is None:
        return []
    notifications = []
    for delivery in stack.sink.deliveries():
        for alert in delivery.alerts:
            status: Literal["firing", "resolved"] = "resolved" if alert.status == "resolved" else "firing"
            notifications.append(
                Notification(receiver=delivery.receiver, status=status, alertnames=[alert.alertname],
                             labels=alert.labels, t=delivery.received_at - origin_wall)
            )  # fmt: skip
    return notifications


def _faults_for(phase: Phase, lane: str) -> list[dict[str, object]]:
    """The phase's faults for one lane: a fault with `lanes: [a, ...]` applies to those lanes only."""
    faults = []
    for fault in phase.faults:
        control = fault.to_control()
        scope = control.pop("lanes", None)
        if scope is None or lane in ([scope] if isinstance(scope, str) else scope):
            faults.append(control)
    return faults


def _in_lane(labels: dict[str, str], lane: str, address: str) -> bool:
    """An alert belongs to a lane by its lane or instance label; one that aggregated both away to all lanes."""
    if "lane" in labels:
        return labels["lane"] == lane
    if "instance" in labels:
        return labels["instance"] == address
    return True


__all__ = ["CompressionNote", "Progress", "RunOptions", "run_scenario"]
