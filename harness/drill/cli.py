"""`firedrill run`: load scenarios, run them live, print and write the reports.

Exit 0 when every expectation held, 1 when any failed, 2 for bad input or an environment error (a drill whose
own stack broke gets no verdict), 130 after Ctrl-C or SIGTERM (everything started is torn down first).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from harness import interrupt
from harness.drill.model import Scenario, load_scenario
from harness.drill.packing import Packing, choose_packing, parse_parallel
from harness.drill.result import RunResult, ScenarioResult
from harness.drill.run import Progress, RunOptions
from harness.drill.suite import describe_runs, raise_first_error, run_suite
from harness.errors import InputError
from harness.report.explain import explain
from harness.report.json import write_json
from harness.report.junit import write_junit
from harness.report.table import print_report
from harness.stack.processes import explicit_binaries
from harness.stack.shared import StackPool

_SUMMARY = {
    "pass": "[green]all expectations held[/]",
    "fail": "[red]some expectations failed[/]",
    "error": "[magenta]the harness's own environment failed: no verdict (exit 2)[/]",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenarios", nargs="+", type=Path, help="drill YAML files")
    parser.add_argument("--stack", choices=["auto", "containers", "processes"], default="auto")
    parser.add_argument("--compress", type=float, help="time-compression factor k (overrides the files)")
    parser.add_argument(
        "--report", type=Path, help="directory for report.json, junit.xml and report.html (created first)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="run N times and report verdicts that differ")
    parser.add_argument("--seed", type=int, help="random seed for the stub's faults (overrides the files)")
    parser.add_argument(
        "--parallel",
        type=_parallel,
        default="auto",
        metavar="auto|N",
        help="drills at once, each on its own stack: auto (default) as many as the machine's measured headroom "
        "allows, longest first; N at most N",
    )
    parser.add_argument(
        "--fresh-stack",
        action="store_true",
        help="start a stack per drill (default: a drill reuses the stack of the drill that ran before it in its slot)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each drill's working files under DIR")
    parser.add_argument("--prometheus", metavar="PATH", help="Prometheus binary (processes; default: the newest)")
    parser.add_argument("--alertmanager", metavar="PATH", help="Alertmanager binary (processes; default: the newest)")
    parser.add_argument("--quiet", action="store_true", help="no live progress")


def _parallel(text: str) -> int | str:
    try:
        return parse_parallel(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--parallel {exc}") from None


def load_all(paths: list[Path], compress: float | None = None) -> list[Scenario]:
    """Every scenario, or one InputError carrying the problems of all the files."""
    scenarios, problems = [], []
    for path in paths:
        try:
            scenario = load_scenario(path)
            scenarios.append(scenario if compress is None else scenario.with_compress(compress))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return scenarios


def prepare_report_dir(directory: Path | None) -> None:
    """Create the report directory before any drill runs, so a verdict is never lost for want of it."""
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".firedrill-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError.at(str(directory), 0, f"cannot write reports here ({exc.strerror}); pick another --report") \
            from None  # fmt: skip


class _LiveStatus:
    """Live progress lines, one per running scenario."""

    def __init__(self, console: Console) -> None:
        self._lines: dict[str, Progress] = {}
        self._live = Live(Text(""), console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> _LiveStatus:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)

    def update(self, progress: Progress) -> None:
        self._lines[progress.scenario] = progress
        text = Text()
        for p in self._lines.values():
            alerts = " ".join(f"{name}={state}" for name, state in sorted(p.alerts.items())) or "no alerts"
            faults = ", ".join(p.faults) or "healthy"
            text.append(
                f"{p.scenario}: phase {p.phase_index + 1}/{p.phases} {p.phase} "
                f"({p.phase_left_s:4.1f}s left, x{p.k:g}) | {faults} | {p.rps:5.0f} req/s | {alerts}\n"
            )
        self._live.update(text)


class _NoStatus:
    def __enter__(self) -> _NoStatus:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, progress: Progress) -> None:
        pass


@contextmanager
def interruptible(console: Console) -> Iterator[None]:
    """SIGINT and SIGTERM ask every drill to stop (they tear down and raise Interrupted); a second one waits."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if not interrupt.requested():
            console.print(f"\n[yellow]{signal.Signals(signum).name}: stopping every drill and tearing down[/]")
        interrupt.request()

    interrupt.reset()
    for sig in previous:
        signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_all(
    scenarios: list[Scenario],
    options: RunOptions,
    packing: Packing,
    pool: StackPool | None,
    console: Console | None = None,
) -> list[ScenarioResult]:
    """Every scenario, as many at once as ``packing`` admits; the main thread only waits, so a signal reaches it.

    A drill that raises stops the others and its error is raised once they have all torn down. With a
    ``console``, says how the suite ran (wall time, how many at once).
    """
    runs = run_suite(scenarios, options, packing, pool, stop_on_error=True)
    raise_first_error(runs)
    if console is not None:
        console.print(f"ran {describe_runs(runs)}")
    return [result for run in runs for result in run.results]


def run(args: argparse.Namespace) -> int:
    """Run the scenarios named on the command line.

    Example:
        $ firedrill run scenarios/customerio/error-burst.yaml --stack processes --compress 30 --report out/
    """
    console = Console(stderr=True)
    binaries = explicit_binaries(args.prometheus, args.alertmanager)  # first: scenarios are checked with their tools
    scenarios = load_all(args.scenarios, args.compress)
    prepare_report_dir(args.report)
    runs: list[list[ScenarioResult]] = []
    started_at = datetime.now(UTC)
    messages: list[str] = []
    # Drills at once each have their own stack; a drill reuses the stack of the one before it in its slot.
    pool = None if args.fresh_stack else StackPool()
    try:
        with interruptible(console):
            packing = choose_packing(scenarios, args.parallel, compress=args.compress)
            console.print(f"packing: {packing.describe()}")
            for attempt in range(max(1, args.repeat)):
                with _LiveStatus(console) if not args.quiet else _NoStatus() as status:
                    options = RunOptions(stack=args.stack, compress=args.compress, seed=args.seed,
                                         on_progress=status.update, messages=messages, keep_dir=args.keep,
                                         binaries=binaries)  # fmt: skip
                    runs.append(run_all(scenarios, options, packing, pool, console))
                if args.repeat > 1:
                    console.print(f"run {attempt + 1}/{args.repeat} done")
    finally:
        if pool is not None:
            pool.close()
    for message in dict.fromkeys(messages):
        console.print(f"[dim]{escape(message)}[/]")
    k = args.compress or scenarios[0].compress
    results = RunResult(compress=k, started_at=started_at, scenarios=runs[-1], repeats=runs[:-1])
    out = Console()
    print_report(results, out if out.is_terminal else Console(width=200))
    for result in results.scenarios:
        if result.error is not None:
            # One line on stderr, as every exit-2 error is; the drill gave no verdict.
            print(f"firedrill: error: {result.name} [{result.lane}]: {result.error.message} (no verdict)",
                  file=sys.stderr)  # fmt: skip
        for phase in result.phases:
            for verdict in phase.verdicts:
                if not verdict.passed:
                    # Plain print: explanations are aligned text for CI logs, not rich markup.
                    print(f"\n{result.name} [{result.lane}] {phase.phase}: {explain(result, phase.phase, verdict)}")
    if args.report:
        from harness.report.html import write_html  # matplotlib: imported only when a report is written

        written = [write_json(args.report, results), write_junit(args.report, results),
                   write_html(args.report, results)]  # fmt: skip
        console.print(f"reports: {', '.join(str(path) for path in written)}")
    console.print(_SUMMARY[results.verdict])
    sys.stdout.flush()
    return results.exit_code


__all__ = ["add_arguments", "load_all", "run"]
