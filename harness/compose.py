"""Render a scenario's stack as files for docker-compose (`firedrill compose SCENARIO`).

The files come from the same code a drill's containers come from: `harness.stack.launch.build_launch` with the
scenario's compressed rules, compressed Alertmanager timings and compressed Prometheus flags, so exploring by
hand runs what a drill runs. The repository's `docker-compose.yml` mounts them from `$FIREDRILL_COMPOSE_DIR`
(default `fixtures/compose`, the rendering of `scenarios/customerio/error-burst.yaml`).

Every service shares one network namespace (the `pod` service), like a Kubernetes pod: the stub listens on
loopback only and sends spans to a loopback OTLP endpoint (its fault-control API has no authentication), so
Prometheus, Jaeger and Locust must reach it, and it them, over 127.0.0.1. That is also the layout of the
harness's own host-network runs. Components with a web UI listen on 0.0.0.0 inside the pod so that Docker can
publish their ports (on the host's 127.0.0.1 only).

Example:
    >>> written = render_compose(Path("scenarios/customerio/error-burst.yaml"), Path("out/compose"))  # doctest: +SKIP
    >>> sorted(str(p.relative_to("out/compose")) for p in written)[:2]                           # doctest: +SKIP
    ['alertmanager/alertmanager.yml', 'grafana/dashboards/00-dashboard.json']
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from harness.drill.model import Scenario, load_scenario
from harness.drill.plan import CompressionPlan, compress_alertmanager_config
from harness.drill.run import compress_scenario_rules
from harness.errors import FiredrillError, InputError
from harness.stack.launch import CONTAINER_DIRS, STANDARD_PORTS, START_ORDER, Launch, Wiring, build_launch
from harness.stack.spec import Component, ScrapeTarget, StackSpec
from harness.stack.stack import check_rule_files
from harness.stub.profile import ProfileError, load_profile, resolve_profile_path
from harness.yamlsrc import YamlDoc

DEFAULT_OUT = Path("out/compose")
# Addresses inside the pod; docker-compose.yml starts the stub, the sink and Locust on these.
POD_HOST = "127.0.0.1"
LANE = "a"
STUB_PORT = 8000
SINK_PORT = 9099
LOCUST_PORT = 8089
# Files the compose services read, as the containers see them.
PROMETHEUS_ARGS = "/etc/prometheus/args"
STUB_PROFILE = "/etc/firedrill/stub/profile.yaml"
STUB_ARGS = "/etc/firedrill/stub/args"
LOCUST_CONF = "/etc/firedrill/locust/locust.conf"
LOCUSTFILE = "/etc/firedrill/locust/locustfile.py"
# Top-level directories of a rendering; stale files in them are removed, nothing else in --out is touched.
OWNED_DIRS = ("prometheus", "alertmanager", "jaeger", "grafana", "stub", "locust")
# The directories docker-compose.yml bind-mounts. Each is created even when empty (no dashboards): Docker
# would otherwise create a missing source itself, owned by root.
MOUNTED_DIRS = (
    "prometheus",
    "alertmanager",
    "jaeger",
    "grafana/provisioning/datasources",
    "grafana/provisioning/dashboards",
    "grafana/dashboards",
    "stub",
    "locust",
)


@dataclass(frozen=True)
class ComposeStack:
    """What the compose services run for one scenario.

    `launches` are the harness's own launches of each component (args, files, environment) wired for the pod;
    `files` holds every file a compose service mounts, by its path inside the container.
    """

    scenario: Scenario
    launches: dict[Component, Launch]
    files: dict[str, bytes]

    def host_files(self) -> dict[PurePosixPath, bytes]:
        """The files by their path relative to the compose directory (see :func:`host_path`)."""
        return {host_path(path): content for path, content in sorted(self.files.items())}


def host_path(container_path: str) -> PurePosixPath:
    """Where a container's file lives in the compose directory: `/etc/` and `/etc/firedrill/` dropped.

    Example:
        >>> str(host_path("/etc/prometheus/rules/00-00-alerts.yml")), str(host_path(STUB_PROFILE))
        ('prometheus/rules/00-00-alerts.yml', 'stub/profile.yaml')
    """
    path = PurePosixPath(container_path)
    for root in (PurePosixPath("/etc/firedrill"), PurePosixPath("/etc")):
        if path.is_relative_to(root):
            return path.relative_to(root)
    raise ValueError(f"{container_path}: not under /etc; compose mounts only configuration directories")


def pod_wiring() -> Wiring:
    """Standard ports, web UIs on 0.0.0.0, and every peer (and the sink and stub) at 127.0.0.1 in the pod."""
    return Wiring(
        listen_host="0.0.0.0",
        ports=STANDARD_PORTS,
        peer=lambda component, port: f"{POD_HOST}:{STANDARD_PORTS[component][port]}",
        from_inside=lambda address: address,
    )


def build_compose_stack(scenario: Scenario) -> ComposeStack:
    """The launches and mounted files for `scenario`, at its compression factor.

    Example:
        >>> stack = build_compose_stack(load_scenario("scenarios/customerio/error-burst.yaml"))  # doctest: +SKIP
        >>> "/etc/prometheus/prometheus.yml" in stack.files                                       # doctest: +SKIP
        True
    """
    doc = YamlDoc.load(scenario.source) if scenario.source else None
    profile_path = _profile_file(scenario, doc)
    profile = load_profile(profile_path)
    # Each service of the profile on its own port in the pod, from STUB_PORT up, as the stub's args say.
    ports = {service.name: STUB_PORT + index for index, service in enumerate(profile.services)}
    if scenario.load is None:
        raise _problem(scenario, doc, ("load",), "firedrill compose starts Locust's web UI; add "
                       "`load: {locustfile: ..., users: N, spawn_rate: R}`")  # fmt: skip
    k = scenario.compress
    plan = CompressionPlan.for_k(k, scenario.scrape_interval, scenario.evaluation_interval)
    # promtool first, as a drill does: a broken rule file gets its own file:line error.
    check_rule_files(scenario.rules)
    am_text = _compressed_alertmanager(scenario, k)
    with tempfile.TemporaryDirectory(prefix="firedrill-compose-") as work:
        rule_files, _, _ = compress_scenario_rules(scenario, k, Path(work))
        spec = StackSpec(
            # The blackbox exporter is not part of the compose pod yet: a drill's probes run with firedrill run.
            components=set(Component) - {Component.BLACKBOX},
            scrape_targets=[
                ScrapeTarget(s.job_name, f"{POD_HOST}:{ports[s.name]}", {"lane": LANE}, s.metrics_path)
                for s in profile.services
            ],
            rule_files=rule_files,
            alertmanager_config=am_text,
            dashboards=list(scenario.dashboards),
            prometheus=plan.prometheus_settings(),
            provider="containers",
            sink_url=f"http://{POD_HOST}:{SINK_PORT}",
        )
        wiring = pod_wiring()
        # Launch reads the rule files while building, so the temporary directory may go afterwards.
        launches = {
            component: build_launch(component, spec, wiring, *CONTAINER_DIRS[component])
            for component in START_ORDER
            if spec.wants(component)
        }
    files: dict[str, bytes] = {}
    for launch in launches.values():
        files.update(launch.files)
    files[PROMETHEUS_ARGS] = _args_file(launches[Component.PROMETHEUS].args)
    files[STUB_PROFILE] = profile_path.read_bytes()
    files[STUB_ARGS] = _args_file(_stub_args(ports, k))
    files[LOCUSTFILE] = scenario.load.locustfile.read_bytes()
    host_port = ports[scenario.load.service or profile.services[0].name]
    files[LOCUST_CONF] = _locust_conf(scenario, host_port).encode()
    return ComposeStack(scenario, launches, dict(sorted(files.items())))


def render_compose(scenario_path: Path, out_dir: Path, compress: float | None = None) -> list[Path]:
    """Write the compose files for the scenario under `out_dir`; return the written paths, sorted.

    Files of an earlier rendering that this one does not write are removed (only inside the directories a
    rendering owns, see OWNED_DIRS), so a mount never serves another scenario's rules. Raises InputError
    (`file:line: ...`) for a malformed scenario, FiredrillError for other bad input.

    Example:
        >>> render_compose(Path("scenarios/customerio/error-burst.yaml"), Path("out/compose"))  # doctest: +SKIP
        [PosixPath('out/compose/alertmanager/alertmanager.yml'), ...]
    """
    scenario = load_scenario(scenario_path)
    if compress is not None:
        if compress < 1:
            raise FiredrillError(f"--compress {compress:g}: a compression factor is >= 1; use 1 for real time")
        scenario = scenario.with_compress(compress)
    stack = build_compose_stack(scenario)
    wanted = {out_dir / relative: content for relative, content in stack.host_files().items()}
    for owned in OWNED_DIRS:
        for existing in sorted((out_dir / owned).rglob("*"), reverse=True):
            if existing.is_file() and existing not in wanted:
                existing.unlink()
            elif existing.is_dir() and not any(existing.iterdir()):
                existing.rmdir()
    for mounted in MOUNTED_DIRS:
        (out_dir / mounted).mkdir(parents=True, exist_ok=True)
    for path, content in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
    return sorted(wanted)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `firedrill compose`'s arguments to `parser`.

    Example:
        >>> parser = argparse.ArgumentParser(prog="firedrill compose")
        >>> add_arguments(parser)
        >>> parser.parse_args(["s.yaml"]).out
        PosixPath('out/compose')
    """
    parser.add_argument("scenario", type=Path, help="the drill file whose stack to render")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--compress", type=float, help="override the scenario's compression factor (>= 1)")


def run(args: argparse.Namespace) -> int:
    """Render, then print how to start docker-compose on the result; exit 2 on bad input.

    Example::

        $ firedrill compose scenarios/customerio/latency.yaml --out out/compose
    """
    try:
        written = render_compose(args.scenario, args.out, args.compress)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files under {args.out}")
    print(f"start it: FIREDRILL_COMPOSE_DIR={args.out.resolve()} GRAFANA_PASSWORD=... docker-compose up --build")
    return 0


def _problem(scenario: Scenario, doc: YamlDoc | None, loc: tuple[str, ...], message: str) -> Exception:
    """`file:line: message` for a scenario read from a file; the bare message for one built in code."""
    if doc is None:
        return FiredrillError(f"scenario {scenario.name}: {message}")
    return InputError([doc.problem(loc, message)])


def _profile_file(scenario: Scenario, doc: YamlDoc | None) -> Path:
    if scenario.target.profile is None:
        raise _problem(scenario, doc, ("target", "url"), "firedrill compose runs the stub, not an external "
                       "service; expected `target: {profile: NAME}`")  # fmt: skip
    try:
        return resolve_profile_path(scenario.target.profile, scenario.base_dir)
    except ProfileError as exc:
        raise _problem(scenario, doc, ("target", "profile"), f"{exc}; expected a profile name or YAML file") from None


def _compressed_alertmanager(scenario: Scenario, k: float) -> str | None:
    if scenario.alertmanager is None:
        return None
    try:
        return compress_alertmanager_config(scenario.alertmanager.read_text(), k)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise FiredrillError(
            f"{scenario.alertmanager}:{line}: not valid YAML ({exc.problem}); fix the syntax"
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise FiredrillError(f"{scenario.alertmanager}:1: {exc}; expected an Alertmanager config mapping") from None


def _args_file(args: list[str]) -> bytes:
    """One argument a line; the compose service splits them with the shell, so none may hold whitespace."""
    spaced = [arg for arg in args if arg != arg.strip() or any(c.isspace() for c in arg)]
    if spaced:
        raise FiredrillError(f"argument {spaced[0]!r} holds whitespace; compose cannot pass it")
    return ("\n".join(args) + "\n").encode()


def _stub_args(ports: dict[str, int], k: float) -> list[str]:
    """The stub's command line in the pod: every service on its port, logs in a file, spans to Jaeger."""
    args = [f"--profile={STUB_PROFILE}", f"--host={POD_HOST}", f"--lane={LANE}", f"--compress={k:g}",
            f"--otlp-endpoint=http://{POD_HOST}:4318", "--log-dir=/tmp/stub-logs"]  # fmt: skip
    return args + [f"--listen={name}={port}" for name, port in ports.items()]


def _locust_conf(scenario: Scenario, host_port: int) -> str:
    """Locust's config file: the scenario's locustfile against the stub, its users as the web UI's defaults."""
    assert scenario.load is not None
    lines = [
        f"# Locust web UI for scenario {scenario.name}; rendered by `firedrill compose`.",
        f"locustfile = {LOCUSTFILE}",
        f"host = http://{POD_HOST}:{host_port}",
        f"users = {scenario.load.users}",
        f"spawn-rate = {scenario.load.spawn_rate:g}",
        f"web-port = {LOCUST_PORT}",
    ]
    if scenario.load.processes > 1:
        lines.append(f"processes = {scenario.load.processes}")
    return "\n".join(lines) + "\n"
