"""The Stack: any subset of Prometheus, Alertmanager, Jaeger and Grafana, wired together, torn down for sure."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx

from harness.errors import InputError, StackError
from harness.proc import log_tail
from harness.promql.promtool import check_rule_files, find_promtool
from harness.stack import teardown
from harness.stack.clients import (
    AlertmanagerClient,
    BlackboxClient,
    Client,
    GrafanaClient,
    JaegerClient,
    PrometheusClient,
)
from harness.stack.containers import ContainerProvider
from harness.stack.launch import START_ORDER, Launch, Wiring, build_launch, grafana_dashboards
from harness.stack.ports import LOOPBACK, free_port
from harness.stack.processes import ProcessProvider
from harness.stack.provider import Provider, Running
from harness.stack.readiness import PortTaken, wait_ready
from harness.stack.render import prometheus_flags
from harness.stack.sink import NotificationSink
from harness.stack.spec import Component, StackSpec

# How often a component's start is tried when its port was taken as it started.
_PORT_ATTEMPTS = 3


def choose_provider(spec: StackSpec) -> tuple[Provider, str]:
    """The provider for `spec` and why it was chosen (auto: containers when Docker and the images are there)."""
    network = os.environ.get("FIREDRILL_NETWORK", spec.network)
    named = ", ".join(f"{c.value} {path}" for c, path in spec.binaries.items())
    if spec.provider == "processes":
        return _checked(ProcessProvider(), spec), "processes: asked for"
    if spec.provider == "containers":
        if named:
            raise InputError(
                f"local programs were named ({named}) but containers run images; use --stack processes, "
                "or pick an image (--firedrill-image, FIREDRILL_IMAGE_<COMPONENT>)"
            )
        return _checked(ContainerProvider(network=network), spec), f"containers: asked for ({network} network)"
    if named:
        return _checked(ProcessProvider(), spec), f"processes: local programs were named ({named})"
    try:
        provider = _checked(ContainerProvider(network=network), spec)
        return provider, f"containers: Docker answers and the images are present ({network} network)"
    except StackError as exc:
        return _checked(ProcessProvider(), spec), f"processes: {exc}"


def _checked(provider: Provider, spec: StackSpec) -> Provider:
    """`provider` once it has said it can run `spec`; closed (its temp dirs removed) when it cannot."""
    try:
        provider.check(spec)
    except BaseException:
        provider.close()
        raise
    return provider


class Stack:
    """A running observability stack. Use it as a context manager; teardown always happens.

    Example:
        >>> spec = StackSpec(components={Component.PROMETHEUS, Component.ALERTMANAGER}, provider="processes")
        >>> with Stack(spec) as stack:                 # doctest: +SKIP
        ...     print(stack.urls())
        ...     stack.prometheus.query("up")
    """

    def __init__(self, spec: StackSpec) -> None:
        self.spec = spec
        self.running: dict[Component, Running] = {}
        self.provider: Provider | None = None
        self.reason = ""
        self.sink: NotificationSink | None = None
        self.grafana_password: str | None = None
        self._handle: int | None = None
        self._wiring: Wiring | None = None
        # What each running program says it is ("3.16.0"; "unknown" when it would not say), for the reports.
        self.versions: dict[str, str] = {}
        # One client per component, reused and closed with the stack (a client per access leaked sockets).
        self._clients: dict[Component, Client] = {}

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> Stack:
        self._handle = teardown.register(self.stop)
        try:
            self._check_inputs(self.spec)
            if self.spec.wants(Component.ALERTMANAGER) and self.spec.sink_url is None:
                self.sink = NotificationSink().start()
                self.spec.sink_url = self.sink.url
            self.provider, self.reason = choose_provider(self.spec)
            self._say(f"stack provider: {self.reason}")
            self._wiring = self.provider.wiring(self.spec)
            for component in START_ORDER:
                if self.spec.wants(component):
                    self._start_component(component)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _check_inputs(spec: StackSpec) -> None:
        """Rule files and dashboards that cannot be used: an InputError before anything starts or stops."""
        check_rule_files(spec.rule_files, _promtool(spec))
        if spec.wants(Component.GRAFANA):
            grafana_dashboards(spec)

    def _start_component(self, component: Component) -> None:
        assert self.provider is not None and self._wiring is not None
        config_dir, data_dir = self.provider.dirs(component)
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            launch = build_launch(component, self.spec, self._wiring, config_dir, data_dir)
            self.running[component] = self.provider.start(launch)
            try:
                self._wait_ready(component, launch)
                break
            except PortTaken:
                if attempt == _PORT_ATTEMPTS or not self._chose_its_ports(component):
                    raise
            # Components started later are told the new ports, and none started earlier needs them (START_ORDER).
            self.running.pop(component).stop()
            ports = self._wiring.ports[component]
            ports.update({name: free_port() for name in ports})
            self._say(f"{component.value}: its port was taken as it started; again on {sorted(ports.values())}")
        if component is Component.GRAFANA:
            self.grafana_password = launch.secrets["admin_password"]
        self.versions[component.value] = self._read_version(component)

    def _chose_its_ports(self, component: Component) -> bool:
        """Whether firedrill chose the component's loopback ports (a port the user fixed is theirs to free; a
        container on its own network has its standard ports to itself)."""
        assert self._wiring is not None
        return component not in self.spec.ports and self._wiring.listen_host == LOOPBACK

    def _read_version(self, component: Component) -> str:
        """The running program's own word on its version; "unknown" when its API gives none."""
        clients: dict[Component, Callable[[], Any]] = {
            Component.PROMETHEUS: lambda: self.prometheus,
            Component.ALERTMANAGER: lambda: self.alertmanager,
            Component.JAEGER: lambda: self.jaeger,
            Component.GRAFANA: lambda: self.grafana,
            Component.BLACKBOX: lambda: self.blackbox,
        }
        try:
            return str(clients[component]().version() or "unknown")
        except StackError:
            return "unknown"

    def can_serve(self, spec: StackSpec) -> bool:
        """True when `spec` differs from the running stack only in what :meth:`reconfigure` can change.

        Components, provider, images or programs, and Prometheus's command-line flags are fixed for a stack's life;
        rules, scrape targets, intervals, routes and dashboards are not.
        """
        return (
            bool(self.running)
            and spec.components == self.spec.components
            and spec.provider == self.spec.provider
            and spec.network == self.spec.network
            and spec.images == self.spec.images
            and spec.binaries == self.spec.binaries
            and prometheus_flags(spec.prometheus) == prometheus_flags(self.spec.prometheus)
        )

    def reconfigure(self, spec: StackSpec) -> Stack:
        """Point this running stack at another drill, with no state carried over from the last one.

        Prometheus reloads the new targets, deletes every series, then reloads the new rules (under new
        paths, so no alert state is copied); Alertmanager and Grafana restart on their ports with empty
        data; the sink forgets its deliveries. Jaeger keeps running: spans are found by time window.

        Example:
            >>> with Stack(spec_a) as stack:           # doctest: +SKIP
            ...     stack.reconfigure(spec_b)          # same components and flags, other rules and targets
        """
        if not self.can_serve(spec):
            raise StackError("this stack cannot serve that spec (components, images or flags differ); start another")
        assert self.provider is not None and self._wiring is not None
        self._check_inputs(spec)
        spec.sink_url, spec.generation = self.spec.sink_url, self.spec.generation + 1
        spec.ports = self.spec.ports
        self.spec = spec
        # The old Alertmanager stops and the sink forgets its deliveries before the new rules load: alerts of the
        # new rules reach only the new Alertmanager (Prometheus resends them), and nothing it delivers is wiped.
        restart = [c for c in (Component.ALERTMANAGER, Component.GRAFANA) if c in self.running]
        for component in restart:
            self._close_clients(component)
            self.running.pop(component).stop()
            self.provider.forget_data(component)
        if self.sink is not None:
            self.sink.clear()
        if Component.PROMETHEUS in self.running:
            self._reload_prometheus(spec)
        for component in restart:
            self._start_component(component)
        return self

    def _reload_prometheus(self, spec: StackSpec) -> None:
        assert self.provider is not None and self._wiring is not None
        config_dir, data_dir = self.provider.dirs(Component.PROMETHEUS)
        launch = build_launch(Component.PROMETHEUS, spec, self._wiring, config_dir, data_dir)
        config_path = f"{config_dir}/prometheus.yml"
        # Targets first and no rules: the old series go stale and are deleted before any new rule sees them.
        without_rules = build_launch(
            Component.PROMETHEUS, replace(spec, rule_files=[]), self._wiring, config_dir, data_dir
        ).files[config_path]
        running = self.running[Component.PROMETHEUS]
        running.put_files({config_path: without_rules})
        self._post(Component.PROMETHEUS, "/-/reload")
        self._post(Component.PROMETHEUS, "/api/v1/admin/tsdb/delete_series", {"match[]": '{__name__=~".+"}'})
        running.put_files(launch.files)
        self._post(Component.PROMETHEUS, "/-/reload")

    def restart_rules(self) -> None:
        """Load the same rules again under new paths, so every alert starts inactive (Prometheus carries a
        group's state over a reload when its file is unchanged). A drill calls it once its targets are up: an
        alert its own start-up caused (``up == 0`` while the service was still starting) is not carried in."""
        if Component.PROMETHEUS not in self.running or not self.spec.rule_files:
            return
        assert self.provider is not None and self._wiring is not None
        self.spec.generation += 1
        config_dir, data_dir = self.provider.dirs(Component.PROMETHEUS)
        launch = build_launch(Component.PROMETHEUS, self.spec, self._wiring, config_dir, data_dir)
        self.running[Component.PROMETHEUS].put_files(launch.files)
        self._post(Component.PROMETHEUS, "/-/reload")

    def _post(self, component: Component, path: str, params: dict[str, str] | None = None) -> None:
        url = self.url(component) + path
        try:
            response = httpx.post(url, params=params, timeout=10.0)
        except httpx.HTTPError as exc:
            raise StackError(f"{component.value}: POST {url} failed ({type(exc).__name__})") from None
        if response.status_code >= 300:
            raise StackError(f"{component.value}: POST {url} -> HTTP {response.status_code}: {response.text[:300]}")

    def check_alive(self) -> None:
        """Raise StackError naming the first component that has died, with the last lines of its log."""
        for component, running in self.running.items():
            if not running.alive():
                how = running.exit_reason() or "stopped"
                raise StackError(
                    f"{component.value}: {running.ident} {how} mid-drill; last log lines: {log_tail(running.logs(20))}"
                )

    def stop(self) -> None:
        """End every component this stack started (by PID or container id), then its sink and temp dirs."""
        self._close_clients()
        # At once: each waits for its program to exit (Prometheus flushes its head block), and Ctrl-C has 2 s.
        running = list(self.running.values())
        if running:
            with ThreadPoolExecutor(max_workers=len(running), thread_name_prefix="firedrill-stop") as pool:
                list(pool.map(lambda each: each.stop(), running))  # every one is asked; the first error is raised
        self.running.clear()
        if self.provider is not None:
            self.provider.close()
            self.provider = None
        if self.sink is not None:
            self.sink.close()
            self.sink = None
        if self._handle is not None:
            teardown.unregister(self._handle)
            self._handle = None

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_ready(self, component: Component, launch: Launch) -> None:
        wait_ready(component, self.running[component], launch, self.spec.ready_timeout_s)

    def _say(self, message: str) -> None:
        if not self.spec.quiet:
            print(f"firedrill: {message}", flush=True)

    # -- where things are ------------------------------------------------------------------------------
    def url(self, component: Component, port: str = "web") -> str:
        if component not in self.running:
            raise StackError(f"{component.value} is not part of this stack; add it to the stack's components")
        return self.running[component].url(port)

    def urls(self) -> dict[str, str]:
        """Human-facing URLs of every running component."""
        names = {Component.JAEGER: "query"}
        found = {c.value: self.url(c, names.get(c, "web")) for c in self.running}
        if Component.JAEGER in self.running:
            found["jaeger-otlp-http"] = self.url(Component.JAEGER, "otlp_http")
        if self.sink is not None:
            found["sink"] = self.sink.url
        return found

    def _client(self, component: Component, build: Callable[[], Any]) -> Any:
        if component not in self._clients:
            self._clients[component] = build()
        return self._clients[component]

    def _close_clients(self, *components: Component) -> None:
        for component in components or list(self._clients):
            client = self._clients.pop(component, None)
            if client is not None:
                client.close()

    @property
    def prometheus(self) -> PrometheusClient:
        url = self.url(Component.PROMETHEUS)
        return self._client(Component.PROMETHEUS, lambda: PrometheusClient(url))  # type: ignore[no-any-return]

    @property
    def alertmanager(self) -> AlertmanagerClient:
        url = self.url(Component.ALERTMANAGER)
        return self._client(Component.ALERTMANAGER, lambda: AlertmanagerClient(url))  # type: ignore[no-any-return]

    @property
    def jaeger(self) -> JaegerClient:
        url = self.url(Component.JAEGER, "query")
        return self._client(Component.JAEGER, lambda: JaegerClient(url))  # type: ignore[no-any-return]

    @property
    def blackbox(self) -> BlackboxClient:
        url = self.url(Component.BLACKBOX)
        return self._client(Component.BLACKBOX, lambda: BlackboxClient(url))  # type: ignore[no-any-return]

    @property
    def grafana(self) -> GrafanaClient:
        url, password = self.url(Component.GRAFANA), self.grafana_password or ""
        return self._client(Component.GRAFANA, lambda: GrafanaClient(url, password))  # type: ignore[no-any-return]

    @property
    def otlp_http_url(self) -> str:
        return self.url(Component.JAEGER, "otlp_http")

    def idents(self) -> list[str]:
        """What teardown will end: `pid N` / `container ID` per component."""
        return [r.ident for r in self.running.values()]


def _promtool(spec: StackSpec) -> str | None:
    """The promtool of the Prometheus `spec` runs (a container's is unknown here: the newest installed)."""
    return find_promtool(spec.binaries.get(Component.PROMETHEUS))
