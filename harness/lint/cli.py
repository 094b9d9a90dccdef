"""`firedrill lint`: static checks of rules, dashboards and routes against what the target really exports.

Example:
    $ firedrill lint --rules fixtures/customerio/alerts.yml --dashboard fixtures/customerio/dashboard.json \\
          --alertmanager fixtures/customerio/alertmanager.yml --target profile:customerio
    $ firedrill lint scenarios/customerio/error-burst.yaml --format github
    $ firedrill lint --rules alerts.yml --target http://127.0.0.1:8000/metrics --strict

Exit code 0 when clean (warnings allowed unless --strict), 1 on errors, 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.drill.expectations import DashboardExpectation
from harness.drill.model import Scenario, load_scenario
from harness.errors import InputError
from harness.lint.engine import LintInputs, lint
from harness.lint.output import render
from harness.promql.duration import parse_duration_s


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add lint's arguments to ``parser``.

    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> p.parse_args(["--rules", "a.yml", "--target", "profile:customerio"]).targets
    ['profile:customerio']
    """
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO.yaml",
        help="drill files: lint their rules, dashboards, Alertmanager config against their target",
    )
    parser.add_argument("--rules", nargs="+", action="extend", default=[], metavar="FILE", help="rule files")
    parser.add_argument(
        "--dashboard",
        nargs="+",
        action="extend",
        default=[],
        dest="dashboards",
        metavar="FILE",
        help="Grafana dashboard JSON files",
    )
    parser.add_argument("--alertmanager", metavar="FILE", help="Alertmanager config: checked, and every alert routed")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        dest="targets",
        metavar="URL|profile:NAME|FILE",
        help="what the service exports: a /metrics URL, a stub profile, or a saved exposition "
        "file (repeat for several targets)",
    )
    parser.add_argument(
        "--scrape-interval",
        type=_duration,
        metavar="DURATION",
        help="Prometheus scrape interval (default: the scenario's, else 15s)",
    )
    parser.add_argument(
        "--evaluation-interval",
        type=_duration,
        metavar="DURATION",
        help="rule evaluation interval when a group sets none (default: the scenario's, else 15s)",
    )
    parser.add_argument(
        "--format",
        choices=("human", "json", "github"),
        default="human",
        help="human (grouped by file), json, or github (workflow annotations)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")


def _duration(text: str) -> float:
    try:
        return parse_duration_s(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Lint what ``args`` name, print the report, return the exit code (0 clean, 1 findings fail).

    Unreadable inputs raise InputError, which the `firedrill` entry point prints and exits 2 on.

    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> run(p.parse_args(["--rules", "fixtures/customerio/alerts.yml", "--format", "json"]))  # doctest: +SKIP
    0
    """
    inputs = inputs_from(args)
    report = lint(inputs)
    sys.stdout.write(render(report, args.format, args.strict) + "\n")
    return report.exit_code(args.strict)


def inputs_from(args: argparse.Namespace) -> LintInputs:
    """Merge the explicit options with what the scenario files name; explicit options win for intervals."""
    rules = [Path(p) for p in args.rules]
    dashboards = [Path(p) for p in args.dashboards]
    alertmanager = Path(args.alertmanager) if args.alertmanager else None
    targets = list(args.targets)
    scrape, evaluation = args.scrape_interval, args.evaluation_interval
    for path in args.scenarios:
        scenario = _scenario(path)
        rules += scenario.rules
        dashboards += scenario.dashboards + _expectation_dashboards(scenario)
        alertmanager = alertmanager or scenario.alertmanager
        if scenario.target.profile:
            targets.append(f"profile:{scenario.target.profile}")
        elif scenario.target.metrics_url:
            targets.append(scenario.target.metrics_url)
        scrape = scrape or scenario.scrape_interval
        evaluation = evaluation or scenario.evaluation_interval
    if not (rules or dashboards or alertmanager):
        raise InputError("nothing to lint: give a scenario file, --rules, --dashboard or --alertmanager")
    return LintInputs(
        rules=_unique(rules),
        dashboards=_unique(dashboards),
        alertmanager=alertmanager,
        targets=list(dict.fromkeys(targets)),
        scrape_s=scrape or 15.0,
        evaluation_s=evaluation or 15.0,
    )


def _scenario(path: str) -> Scenario:
    try:
        return load_scenario(path)
    except InputError as exc:
        raise InputError(str(exc)) from None


def _expectation_dashboards(scenario: Scenario) -> list[Path]:
    return [e.dashboard for phase in scenario.phases for e in phase.expect if isinstance(e, DashboardExpectation)]


def _unique(paths: list[Path]) -> list[Path]:
    return list({p.resolve(): p for p in paths}.values())
