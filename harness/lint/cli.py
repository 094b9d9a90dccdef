"""`firedrill lint`: static checks of rules, dashboards, routes and drills against what the target really exports.

Example:
    $ firedrill lint --rules fixtures/customerio/alerts.yml --dashboard fixtures/customerio/dashboard.json \\
          --alertmanager fixtures/customerio/alertmanager.yml --target profile:customerio
    $ firedrill lint scenarios/customerio/error-burst.yaml --format sarif > lint.sarif
    $ firedrill lint --rules alerts.yml --target app=http://127.0.0.1:8000/metrics --target node=node.prom
    $ firedrill lint --list-checks --format markdown

Exit code 0 when clean (warnings allowed unless --strict), 1 on errors, 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.drill.expectations import DashboardExpectation
from harness.drill.model import Scenario, load_scenario
from harness.errors import InputError
from harness.lint import registry
from harness.lint.engine import LintInputs, lint
from harness.lint.output import render
from harness.lint.source import display_path
from harness.programs import check_server
from harness.promql.duration import parse_duration_s
from harness.stack.blackbox import JOB as BLACKBOX_JOB
from harness.stub.profile import ProfileError, resolve_profile_path

FORMATS = ("human", "json", "github", "sarif", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add lint's arguments to ``parser``.

    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> p.parse_args(["--rules", "a.yml", "--target", "node=profile:customerio", "--disable", "a/b,c/d"]).disable
    ['a/b', 'c/d']
    """
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO.yaml",
        help="drill files: lint their rules, dashboards, Alertmanager configs and expectations against their target",
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
    parser.add_argument(
        "--alertmanager",
        action="append",
        default=[],
        dest="alertmanagers",
        metavar="FILE",
        help="Alertmanager config: checked, and every alert routed (repeatable)",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        dest="targets",
        metavar="[JOB=]URL|profile:NAME|FILE",
        help="what the service exports: a /metrics URL, a stub profile, or a saved exposition; JOB= checks "
        'selectors with job="JOB" against it (repeat for several targets; without JOB= it answers for every job)',
    )
    parser.add_argument(
        "--complete",
        action="store_true",
        help="the targets export every label value there is: a missing one is an error",
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
        help="rule evaluation interval when a group sets none (default: scenario's, else 15s)",
    )
    parser.add_argument(
        "--disable",
        action="extend",
        type=_ids,
        default=[],
        metavar="ID[,ID]",
        help="turn checks off (see --list-checks)",
    )
    parser.add_argument(
        "--enable",
        action="extend",
        type=_ids,
        default=[],
        metavar="ID[,ID]",
        help="turn checks on, including those off by default",
    )
    parser.add_argument(
        "--list-checks",
        action="store_true",
        help="print every check and what it finds (--format markdown: the README table)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="human",
        help="human (grouped by file), json, github (workflow annotations), sarif (SARIF 2.1.0 for code "
        "scanning); markdown with --list-checks",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    parser.add_argument(
        "--prometheus",
        metavar="PATH",
        help="judge the rules for this Prometheus: its promtool and its major (default: the one drills run, "
        "FIREDRILL_PROMETHEUS_BIN or the newest installed)",
    )


def _duration(text: str) -> float:
    try:
        return parse_duration_s(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def run(args: argparse.Namespace) -> int:
    """Lint what ``args`` name, print the report, return the exit code (0 clean, 1 findings fail).

    Unreadable inputs raise InputError, which the `firedrill` entry point prints and exits 2 on.

    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> run(p.parse_args(["--rules", "fixtures/customerio/alerts.yml", "--format", "json"]))  # doctest: +SKIP
    0
    """
    if args.list_checks:
        sys.stdout.write((registry.table() if args.format == "markdown" else registry.listing()) + "\n")
        return 0
    if args.format == "markdown":
        raise InputError("--format markdown goes with --list-checks; use human, json, github or sarif for findings")
    registry.selected(args.disable, args.enable)  # unknown ids: exit 2 before anything is read
    report = lint(inputs_from(args))
    sys.stdout.write(render(report, args.format, args.strict) + "\n")
    return report.exit_code(args.strict)


def inputs_from(args: argparse.Namespace) -> LintInputs:
    """Merge the explicit options with what the scenario files name; explicit options win for intervals."""
    rules = [Path(p) for p in args.rules]
    dashboards = [Path(p) for p in args.dashboards]
    alertmanagers = [Path(p) for p in args.alertmanagers]
    targets = list(args.targets)
    scrape, evaluation = args.scrape_interval, args.evaluation_interval
    scenarios = [_scenario(path) for path in args.scenarios]
    for scenario in scenarios:
        rules += scenario.rules
        dashboards += scenario.dashboards + _expectation_dashboards(scenario)
        alertmanagers += [scenario.alertmanager] if scenario.alertmanager else []
        targets += scenario_targets(scenario)
        scrape = scrape or scenario.scrape_interval
        evaluation = evaluation or scenario.evaluation_interval
    if not (rules or dashboards or alertmanagers):
        raise InputError("nothing to lint: give a scenario file, --rules, --dashboard or --alertmanager")
    return LintInputs(
        rules=_unique(rules),
        dashboards=_unique(dashboards),
        alertmanagers=_unique(alertmanagers),
        targets=list(dict.fromkeys(targets)),
        scrape_s=scrape or 15.0,
        evaluation_s=evaluation or 15.0,
        scenarios=scenarios,
        complete=args.complete,
        # A drill's scrape adds lane to every series (see harness.drill.run).
        target_labels=frozenset({"lane"}) if scenarios else frozenset(),
        disable=args.disable,
        enable=args.enable,
        prometheus=check_server("prometheus", args.prometheus, "--prometheus").path if args.prometheus else None,
    )


def scenario_targets(scenario: Scenario) -> list[str]:
    """The targets as the drill scrapes them: each service of the profile under its own job, or ``metrics_url``
    (else ``{url}/metrics``) under job ``target``; and the blackbox exporter's probes under job ``blackbox``.

    >>> from harness.drill.model import Target
    >>> scenario_targets(Scenario.model_construct(target=Target(url="http://127.0.0.1:8000/")))
    ['target=http://127.0.0.1:8000/metrics']
    """
    target = scenario.target
    profile = scenario.profile()
    probes = [f"{BLACKBOX_JOB}=component:blackbox"] if scenario.blackbox else []
    if profile is not None:
        spec = _profile_spec(str(target.profile), Path(profile.source))
        if len(profile.services) == 1:
            return [f"{profile.services[0].job_name}=profile:{spec}", *probes]
        return [f"{s.job_name}=profile:{spec}@{s.name}" for s in profile.services] + probes
    return [f"target={target.metrics_url or str(target.url).rstrip('/') + '/metrics'}", *probes]


def _profile_spec(written: str, source: Path) -> str:
    """The profile as the user named it when that name finds the same file from here, else its path."""
    try:
        same = resolve_profile_path(written) == source
    except ProfileError:
        same = False
    return written if same else display_path(source)


def _scenario(path: str) -> Scenario:
    try:
        # Lint runs promtool and amtool itself, and reports faults that aim at nothing as findings.
        return load_scenario(path, programs=False, aim_faults=False)
    except InputError as exc:
        raise InputError(str(exc)) from None


def _expectation_dashboards(scenario: Scenario) -> list[Path]:
    return [e.dashboard for phase in scenario.phases for e in phase.expect if isinstance(e, DashboardExpectation)]


def _unique(paths: list[Path]) -> list[Path]:
    return list({p.resolve(): p for p in paths}.values())
