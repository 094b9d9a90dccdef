"""`firedrill run`: load scenarios, run them live, print and write the reports. Exit 0 pass, 1 fail, 2 error."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from harness.drill.model import Scenario, load_scenario
from harness.drill.run import Progress, RunOptions, run_scenario
from harness.drill.yamlsrc import ScenarioError
from harness.errors import FiredrillError
from harness.report.explain import explain
from harness.report.json import write_json
from harness.report.junit import write_junit
from harness.report.results import RunResult, ScenarioResult
from harness.report.table import print_report
from harness.stack import teardown
from harness.stack.shared import SharedStack


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenarios", nargs="+", type=Path, help="drill YAML files")
    parser.add_argument("--stack", choices=["auto", "containers", "processes"], default="auto")
    parser.add_argument("--compress", type=float, help="time-compression factor k (overrides the files)")
    parser.add_argument("--report", type=Path, help="directory for report.json and junit.xml")
    parser.add_argument("--repeat", type=int, default=1, help="run N times and report verdicts that differ")
    parser.add_argument("--seed", type=int, help="random seed for the stub's faults")
    parser.add_argument("--parallel", type=int, default=1, help="run up to N scenarios at once, each in its own stack")
    parser.add_argument(
        "--fresh-stack",
        action="store_true",
        help="start a stack per drill (default without --parallel: one stack, reset between drills)",
    )
    parser.add_argument("--quiet", action="store_true", help="no live progress")


def load_all(paths: list[Path]) -> list[Scenario]:
    """Every scenario, or one ScenarioError carrying the problems of all the files."""
    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return scenarios


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


def run(args: argparse.Namespace) -> int:
    """Run the scenarios named on the command line.

    Example:
        $ firedrill run scenarios/customerio/error-burst.yaml --stack processes --compress 30 --report out/
    """
    console = Console(stderr=True)
    try:
        scenarios = load_all(args.scenarios)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    teardown.register(lambda: None)  # installs the SIGTERM handler from the main thread
    runs: list[list[ScenarioResult]] = []
    started_at = datetime.now(UTC)
    messages: list[str] = []
    # Drills one after another share a stack; parallel drills each need their own.
    shared = SharedStack() if args.parallel <= 1 and not args.fresh_stack else None
    try:
        for attempt in range(max(1, args.repeat)):
            with _LiveStatus(console) if not args.quiet else _NoStatus() as status:
                options = RunOptions(
                    stack=args.stack,
                    compress=args.compress,
                    seed=args.seed,
                    on_progress=status.update,
                    messages=messages,
                    shared_stack=shared,
                )
                with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
                    batches = list(pool.map(partial(run_scenario, options=options), scenarios))
            runs.append([result for batch in batches for result in batch])
            if args.repeat > 1:
                console.print(f"run {attempt + 1}/{args.repeat} done")
    finally:
        if shared is not None:
            shared.close()
    for message in dict.fromkeys(messages):
        console.print(f"[dim]{escape(message)}[/]")
    k = args.compress or scenarios[0].compress
    results = RunResult(compress=k, started_at=started_at, scenarios=runs[-1], repeats=runs[:-1])
    out = Console()
    print_report(results, out if out.is_terminal else Console(width=200))
    for result in results.scenarios:
        for phase in result.phases:
            for verdict in phase.verdicts:
                if not verdict.passed:
                    # Plain print: explanations are aligned text for CI logs, not rich markup.
                    print(f"\n{result.name} [{result.lane}] {phase.phase}: {explain(result, phase.phase, verdict)}")
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        write_json(args.report, results)
        write_junit(args.report, results)
        console.print(f"reports: {args.report / 'report.json'}, {args.report / 'junit.xml'}")
    passed = all(all(r.passed for r in batch) for batch in runs)
    console.print("[green]all expectations held[/]" if passed else "[red]some expectations failed[/]")
    return 0 if passed else 1


class _NoStatus:
    def __enter__(self) -> _NoStatus:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, progress: Progress) -> None:
        pass


__all__ = ["FiredrillError", "add_arguments", "load_all", "run"]
