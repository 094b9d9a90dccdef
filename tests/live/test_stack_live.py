"""The stack on real programs, both providers: scrape, rule, alert, webhook, span; and every failure path."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from harness.errors import InputError, StackError
from harness.stack import Component, PrometheusSettings, ScrapeTarget, Stack, StackSpec
from tests.conftest import child_pids, sigint_as_in_a_terminal

pytestmark = pytest.mark.live

FAST = PrometheusSettings(
    scrape_interval_s=0.5, evaluation_interval_s=0.5, lookback_delta_s=5, resend_delay_s=0.5, for_grace_period_s=5
)
ALERTMANAGER_CONFIG = """\
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: team
    slack_configs: [{api_url: 'http://127.0.0.1:9/never', channel: '#x'}]
"""


def wait_until(predicate, timeout_s: float = 20.0, step_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    return None


def test_scrape_rule_alert_webhook_and_span(provider: str, target, tmp_path: Path, no_leaks: None) -> None:
    address, gauge = target
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n- name: selftest\n  rules:\n  - alert: SelfTestHigh\n"
        "    expr: firedrill_selftest_up > 5\n    labels: {severity: warning}\n"
    )
    spec = StackSpec(
        provider=provider,  # type: ignore[arg-type]
        scrape_targets=[ScrapeTarget(job="selftest", address=address, labels={"lane": "a"})],
        rule_files=[rules],
        alertmanager_config=ALERTMANAGER_CONFIG,
        prometheus=FAST,
        quiet=True,
    )
    with Stack(spec) as stack:
        assert stack.reason.startswith(provider)
        prometheus = stack.prometheus
        assert wait_until(lambda: prometheus.query('up{job="selftest",lane="a"} == 1'))
        assert not prometheus.alerts(), "the alert must stay silent while the value is below threshold"
        gauge.set(10)
        firing = wait_until(lambda: [a for a in prometheus.alerts() if a.state == "firing"])
        assert firing and firing[0].name == "SelfTestHigh"
        assert stack.sink is not None
        delivery = stack.sink.wait_for("SelfTestHigh", receiver="team", timeout_s=20)
        assert delivery is not None and delivery.version == "4"

        tracer_provider = TracerProvider(resource=Resource.create({"service.name": "firedrill-selftest"}))
        tracer_provider.add_span_processor(
            SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{stack.otlp_http_url}/v1/traces"))
        )
        start = time.time() - 1
        with tracer_provider.get_tracer("selftest").start_as_current_span("selftest-span") as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
        tracer_provider.shutdown()
        jaeger = stack.jaeger
        spans = wait_until(lambda: jaeger.find_spans("firedrill-selftest", start, time.time() + 1), timeout_s=15)
        assert spans and spans[0].trace_id == trace_id and spans[0].name == "selftest-span"


def test_invalid_rule_file_names_file_and_line(provider: str, tmp_path: Path, no_leaks: None) -> None:
    rules = tmp_path / "broken.yml"
    rules.write_text("groups:\n- name: x\n  rules:\n  - alert: Broken\n    expr: rate(foo[5m]) >\n")
    spec = StackSpec(provider=provider, rule_files=[rules], quiet=True)  # type: ignore[arg-type]
    with pytest.raises(InputError) as error:  # bad input, not a broken stack: reported before anything starts
        Stack(spec).start()
    message = str(error.value)
    # The promtool of the Prometheus that would run, named as the command to try (promtool-3.16.0 check rules ...)
    assert "broken.yml:5:" in message and "\n" not in message and "check rules" in message


def test_port_in_use_is_one_clear_line(provider: str, no_leaks: None) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        spec = StackSpec(
            provider=provider,  # type: ignore[arg-type]
            components={Component.PROMETHEUS},
            ports={Component.PROMETHEUS: port},
            quiet=True,
        )
        with pytest.raises(StackError, match=f"port {port} on 127.0.0.1 is already in use"):
            Stack(spec).start()


def test_missing_binary(monkeypatch: pytest.MonkeyPatch, no_leaks: None) -> None:
    monkeypatch.setenv("FIREDRILL_ALERTMANAGER_BIN", "/nonexistent/alertmanager")
    spec = StackSpec(provider="processes", quiet=True)
    expected = "alertmanager: FIREDRILL_ALERTMANAGER_BIN=/nonexistent/alertmanager is not a file; run `make setup`"
    with pytest.raises(StackError, match=re.escape(expected)):
        Stack(spec).start()


def test_no_docker_daemon(monkeypatch: pytest.MonkeyPatch, no_leaks: None) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(StackError, match="no Docker daemon answers.*--stack processes"):
        Stack(StackSpec(provider="containers", components={Component.PROMETHEUS}, quiet=True)).start()
    # auto falls back to processes and says why
    with Stack(StackSpec(provider="auto", components={Component.PROMETHEUS}, quiet=True)) as stack:
        assert stack.reason.startswith("processes: containers: no Docker daemon answers")


def test_image_missing(monkeypatch: pytest.MonkeyPatch, no_leaks: None) -> None:
    from tests.conftest import require_docker

    require_docker()
    monkeypatch.setenv("FIREDRILL_IMAGE_PROMETHEUS", "firedrill/absent:never-built")
    monkeypatch.setenv("FIREDRILL_PULL", "never")
    with pytest.raises(StackError, match="image firedrill/absent:never-built is not present"):
        Stack(StackSpec(provider="containers", components={Component.PROMETHEUS}, quiet=True)).start()


def test_ctrl_c_leaves_nothing_behind(no_leaks: None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "stack", "up", "--stack", "processes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )
    assert process.stdout is not None
    pids: list[int] = []
    for line in process.stdout:
        if line.strip().startswith("started:"):
            pids = [int(part.split()[-1]) for part in line.split(":", 1)[1].split(",")]
        if "stack is up" in line:
            break
    assert len(pids) == 3
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert not child_pids()


def test_a_chosen_port_taken_before_the_program_binds_it_is_chosen_again(
    provider: str, monkeypatch: pytest.MonkeyPatch, no_leaks: None
) -> None:
    """Drills at once race for free ports: one is free when chosen and taken when the program binds it. The stack
    starts the program again on new ports, instead of an environment error."""
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        first_port_chosen_is(taken, monkeypatch)
        with Stack(StackSpec(provider=provider, components={Component.PROMETHEUS}, quiet=True)) as stack:  # type: ignore[arg-type]
            url = stack.url(Component.PROMETHEUS)
            assert f":{taken}" not in url
            assert httpx.get(f"{url}/-/ready", timeout=5).status_code == 200


def test_a_chosen_port_answered_by_another_program_is_not_taken_for_the_component(
    monkeypatch: pytest.MonkeyPatch, no_leaks: None
) -> None:
    """The worse race: the program holding the port answers the readiness check (another drill's blackbox
    exporter answered a Prometheus query in CI). The stack asks who listens, and starts Prometheus on new ports."""
    import http.server
    import threading

    class Anything(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"not prometheus")

        def log_message(self, *args: object) -> None:
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Anything)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        taken = other.server_address[1]
        first_port_chosen_is(taken, monkeypatch)
        with Stack(StackSpec(provider="processes", components={Component.PROMETHEUS}, quiet=True)) as stack:
            url = stack.url(Component.PROMETHEUS)
            assert f":{taken}" not in url
            assert stack.prometheus.query("vector(1)")[0].value == 1
    finally:
        other.shutdown()
        other.server_close()


def first_port_chosen_is(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack's first free port (Prometheus's web port) is ``port``; the rest are free ones."""
    from harness.stack import launch

    real_free_port, picks = launch.free_port, iter([port])
    monkeypatch.setattr(launch, "free_port", lambda: next(picks, None) or real_free_port())
