"""The `firedrill` command: parses arguments and calls the library; nothing else lives here.

Example:
    $ firedrill stack up --stack processes          # bring a stack up, print its URLs, Ctrl-C tears it down
    $ firedrill images build                        # offline images from local binaries (air-gapped CI)
    $ firedrill stub --profile customerio --port 8000
    $ firedrill run scenarios/customerio/*.yaml --report out/
    $ firedrill trend nightly-reports/ --out out/trend.html
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from harness import workdir
from harness.errors import FiredrillError, InputError, Interrupted


def _stack_up(args: argparse.Namespace) -> int:
    from harness.stack import Component, ScrapeTarget, Stack, StackSpec
    from harness.stack.processes import explicit_binaries

    components = {Component(name.strip()) for name in args.components.split(",") if name.strip()}
    spec = StackSpec(
        components=components,
        provider=args.stack,
        network=args.network,
        rule_files=[Path(p) for p in args.rules],
        alertmanager_config=Path(args.alertmanager_config).read_text() if args.alertmanager_config else None,
        scrape_targets=[ScrapeTarget(job="target", address=t) for t in args.target],
        binaries=explicit_binaries(args.prometheus, args.alertmanager),
    )
    with Stack(spec) as stack:
        for name, url in stack.urls().items():
            version = f"  ({stack.versions[name]})" if name in stack.versions else ""
            print(f"  {name:<18} {url}{version}")
        print(f"  started: {', '.join(stack.idents())}", flush=True)
        deadline = time.monotonic() + args.hold if args.hold else None
        # Inside the try: a Ctrl-C that comes the moment "stack is up" is read is the orderly stop (exit 0) too.
        try:
            print(
                "stack is up; Ctrl-C tears it down" + (f" (or after {args.hold:.0f}s)" if args.hold else ""),
                flush=True,
            )
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            print("\ntearing down", flush=True)
    print("stack is down", flush=True)
    return 0


def _images_build(args: argparse.Namespace) -> int:
    from harness.stack.containers import docker_client
    from harness.stack.images import build_all, packed
    from harness.stack.processes import explicit_binaries

    binaries = explicit_binaries(args.prometheus, args.alertmanager)
    for component, tag in build_all(prefix=args.prefix, force=args.force, binaries=binaries).items():
        binary, version = packed(docker_client(), tag) or ("", "")
        print(f"  {component.value:<13} {tag:<32} {version or 'version unknown'} from {binary}")
    return 0


def _add_stack_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stack = sub.add_parser("stack", help="bring an observability stack up")
    stack_sub = stack.add_subparsers(dest="action", required=True)
    up = stack_sub.add_parser("up", help="start the stack, print its URLs, tear it down on Ctrl-C")
    up.add_argument(
        "--components",
        default="prometheus,alertmanager,jaeger",
        help="comma-separated subset of prometheus,alertmanager,jaeger,grafana",
    )
    up.add_argument("--stack", choices=["auto", "containers", "processes"], default="auto")
    up.add_argument(
        "--network",
        choices=["bridge", "host"],
        default="bridge",
        help="container networking (env FIREDRILL_NETWORK overrides)",
    )
    up.add_argument("--rules", nargs="*", default=[], help="Prometheus rule files")
    up.add_argument("--alertmanager-config", help="your alertmanager.yml (receivers go to the sink)")
    up.add_argument("--target", action="append", default=[], help="host:port to scrape (repeatable)")
    up.add_argument("--prometheus", metavar="PATH", help="Prometheus binary (processes; default: the newest)")
    up.add_argument("--alertmanager", metavar="PATH", help="Alertmanager binary (processes; default: the newest)")
    up.add_argument("--hold", type=float, default=0.0, help="tear down after this many seconds (0: wait for Ctrl-C)")
    up.set_defaults(handler=_stack_up)

    images = sub.add_parser("images", help="offline images for air-gapped CI")
    images_sub = images.add_subparsers(dest="action", required=True)
    build = images_sub.add_parser("build", help="pack local prometheus, alertmanager, jaeger into images")
    build.add_argument("--prefix", default="firedrill", help="image name prefix (default: firedrill/<name>:offline)")
    build.add_argument("--force", action="store_true", help="rebuild even when the image exists")
    build.add_argument("--prometheus", metavar="PATH", help="the Prometheus to pack (default: the newest installed)")
    build.add_argument("--alertmanager", metavar="PATH", help="the Alertmanager to pack (default: the newest)")
    build.set_defaults(handler=_images_build)


_Adder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _delegate(name: str, module: str, help_text: str) -> _Adder:
    """A subcommand whose arguments and handler live in `module` (`add_arguments(parser)` and `run(args)`)."""

    def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        import importlib

        implementation = importlib.import_module(module)
        parser = sub.add_parser(name, help=help_text, description=help_text)
        implementation.add_arguments(parser)
        parser.set_defaults(handler=implementation.run)

    return add


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firedrill", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--debug", action="store_true", help="print tracebacks (errors are one line without it)")
    sub = parser.add_subparsers(dest="command", required=True)
    adders: list[_Adder] = [
        _add_stack_parser,
        _delegate("stub", "harness.stub.serve", "run the instrumented stub service alone"),
        _delegate("run", "harness.drill.cli", "run drill scenarios and judge them"),
        _delegate("lint", "harness.lint.cli", "static checks of rules, dashboards, routes and drills"),
        _delegate("compare", "harness.report.compare", "compare two report.json files; exit 1 on regression"),
        _delegate("trend", "harness.report.trend", "chart alert timing and verdict flips across report.json files"),
        _delegate("compose", "harness.compose", "write docker-compose configs for a scenario"),
        _delegate("sink", "harness.stack.sink_cli", "run the notification sink alone (for docker-compose)"),
    ]
    for add in adders:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `firedrill` console script; returns the exit code (0 pass, 1 fail, 2 error, 130 Ctrl-C).

    Every firedrill error is printed as one line per problem; a traceback only with ``--debug``.
    """
    args = build_parser().parse_args(argv)
    # What an earlier run killed with SIGKILL left behind: its directories and the processes they recorded.
    for line in workdir.reap():
        print(f"firedrill: removed {line}", file=sys.stderr)
    try:
        return int(args.handler(args))
    except Interrupted as exc:
        print(f"firedrill: {exc}", file=sys.stderr)
        return exc.exit_code
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        for problem in exc.problems:
            print(str(problem) if problem.file else f"firedrill: error: {problem.message}", file=sys.stderr)
        return exc.exit_code
    except FiredrillError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"firedrill: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("firedrill: interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in firedrill: still one line, and the way to the traceback
        if args.debug:
            raise
        print(f"firedrill: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)  # fmt: skip
        return 2


if __name__ == "__main__":
    sys.exit(main())
