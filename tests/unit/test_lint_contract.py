"""The metric contract and the smells, on the seed documents' own rules: they report their real problems."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.lint.exposition import Exposition, load_target
from harness.lint.names import did_you_mean
from harness.lint.source import InputError
from tests.unit.lint_support import LINT, ROOT, checks, run_lint


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_seed001_names_against_the_stub_get_did_you_mean() -> None:
    report = run_lint(rules=[LINT / "seed001_alerts.yml"], targets=["profile:customerio"])
    series = {f.message.split(": ")[1].split(" ")[0]: f.suggestion for f in report.findings
              if f.check == "promql/series"}  # fmt: skip
    assert series == {
        "customerio_api_errors_total": 'did you mean customerio_requests_total{status="error"}?',
        "customerio_api_requests_total": "did you mean customerio_requests_total?",
        "customerio_api_latency_ms_bucket": "did you mean customerio_request_duration_seconds_bucket? "
        "(its unit is seconds, not ms: check thresholds)",
    }
    # Seed 001's "p99 > 5s" on seed 000's buckets (largest finite bound 5) can never fire.
    (unreachable,) = [f for f in report.findings if f.check == "smells/unreachable"]
    assert unreachable.line == 37 and "(5)" in unreachable.message and "compare >= 5" in (unreachable.suggestion or "")
    assert report.errors == 4 and report.warnings == 0


def test_seed003_rules_report_rate_versus_ratio_and_missing_series() -> None:
    report = run_lint(rules=[LINT / "seed003_alerts.yml"], targets=[str(LINT / "seed003.prom")], scrape_s=10)
    file = str(LINT / "seed003_alerts.yml")
    assert checks(report) == [
        (file, 10, "smells/rate-units"),  # HighErrorRate: rate > 0.05 "(threshold: 5%)"
        (file, 68, "smells/rate-units"),  # HighLLMCost: rate[1h] > 10 "$10/hour"
        (file, 88, "smells/self-ratio"),  # HighLLMErrorRate: error series divided by itself
        (file, 170, "smells/rate-units"),  # TCPAViolationsPrevented: rate > 10 "10/hour"
        (file, 180, "smells/rate-units"),  # HighOptOutRate: rate[24h] > 50 "in last 24 hours"
        (file, 204, "promql/series"),  # HighMemoryUsage: node_memory_total_bytes is not the app's
    ]
    by_line = {f.line: f for f in report.findings}
    assert "not 5%" in by_line[10].message
    assert "http_requests_total" in (by_line[10].suggestion or "")
    assert "36000 per hour" in by_line[68].message
    assert "increase(tcpa_opt_outs_total[24h]) > 50" in (by_line[180].suggestion or "")


def test_seed003_dashboards_name_metrics_the_app_does_not_export() -> None:
    report = run_lint(dashboards=[LINT / "seed003_dashboard.json"], targets=[str(LINT / "seed003.prom")])
    missing = [f.message.split(": ", 1)[1] for f in report.findings if f.check == "promql/series"]
    assert missing == [
        "auth_sessions_active is not exported by tests/fixtures/lint/seed003.prom",
        "llm_request_duration_seconds is a histogram family: no series is named llm_request_duration_seconds",
        "qdrant_search_duration_seconds is a histogram family: no series is named qdrant_search_duration_seconds",
        "rag_retrieval_duration_seconds is a histogram family: no series is named rag_retrieval_duration_seconds",
    ]


def test_seed000_error_ratio_divides_each_series_by_itself() -> None:
    report = run_lint(
        rules=[LINT / "seed000_alerts.yml"],
        dashboards=[LINT / "seed000_dashboard.json"],
        targets=["profile:customerio"],
    )
    assert checks(report) == [
        (str(LINT / "seed000_alerts.yml"), 7, "smells/self-ratio"),
        (str(LINT / "seed000_dashboard.json"), 12, "smells/self-ratio"),
    ]
    assert "sum without (status)" in (report.findings[0].suggestion or "")


def test_exposition_from_profile_file_and_loopback_url() -> None:
    profile = load_target("profile:customerio")
    saved = load_target(str(LINT / "seed003.prom"))
    assert profile.series["customerio_queue_depth"].is_gauge
    assert profile.buckets["customerio_request_duration_seconds_bucket"][-1] == 5.0
    assert saved.series["http_requests_total"].is_counter
    assert saved.series["http_request_duration_seconds_bucket"].labels == {"method", "endpoint", "le"}
    with _serve(ROOT / LINT / "seed003.prom") as url:
        live = load_target(url)
    assert live.series.keys() == saved.series.keys()
    merged = Exposition.merge([profile, saved])
    assert "customerio_requests_total" in merged.series and "http_requests_total" in merged.series


def test_a_status_code_label_of_a_profile_is_open(tmp_path: Path) -> None:
    # shop's `code` is the response's code: before traffic only 200 exists, yet a 429 or a 503 may come. Its
    # `status` maps codes onto a closed set (success, client_error, error), which lint still checks.
    shop = "profile:tests/fixtures/profiles/shop.yaml@shop-api"
    series = load_target(shop).series["shop_requests_total"]
    assert "code" not in series.values and series.values["storeId"]
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        '  - alert: Throttled\n    expr: sum(rate(shop_requests_total{code="429"}[5m])) > 1\n'
        "    labels: {severity: warning}\n    annotations: {summary: s}\n"
        '  - alert: NoSuchStore\n    expr: sum(rate(shop_requests_total{storeId="store_99"}[5m])) > 1\n'
        "    labels: {severity: warning}\n    annotations: {summary: s}\n"
    )
    report = run_lint(rules=[rules], targets=[shop])
    assert [(f.line, f.check) for f in report.findings] == [(9, "promql/label-value")]


def test_did_you_mean_prefers_the_same_kind_of_series() -> None:
    expo = load_target("profile:customerio")
    assert did_you_mean("customerio_api_queue_depth", expo) == "customerio_queue_depth"
    assert did_you_mean("customerio_email_bounce_total", expo) == "customerio_email_bounced_total"
    assert did_you_mean("completely_unrelated", expo) is None


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("profile:nope", "unknown profile"),
        ("tests/fixtures/lint/missing.prom", "not a URL, profile or file"),
        ("file:tests/fixtures/lint/missing.prom", "exposition file not found"),
        ("tests/fixtures/lint/seed003_alerts.yml", "not a Prometheus text exposition"),
        ("http://127.0.0.1:9/metrics", "cannot fetch metrics"),
    ],
)
def test_unreadable_targets_are_input_errors(spec: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        load_target(spec)


class _Exposition(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


class _serve:
    """An HTTP server on 127.0.0.1 serving one file as /metrics, for the live-URL target."""

    def __init__(self, path: Path) -> None:
        handler = type("Handler", (_Exposition,), {"body": path.read_bytes()})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/metrics"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_seed002_job_label_is_exported_job_and_the_redelivery_gauge_is_no_counter() -> None:
    targets = [f"{job}=profile:tokpulse@{job}" for job in ("tokpulse-api", "tokpulse-webhooks", "tokpulse-jobs")]
    report = run_lint(rules=[LINT / "seed002_alerts.yml"], targets=targets)
    found = {(f.line, f.check) for f in report.findings}
    # job="sync_products" is matched against the scrape jobs: the metric's own job label is exported_job.
    assert (8, "promql/label-value") in found
    (job,) = [f for f in report.findings if f.check == "promql/label-value"]
    assert 'job="sync_products" selects none of the targets\' jobs' in job.message
    # rate() of a gauge named *_rate.
    assert (14, "promql/rate") in found
    # code=~"5.." is fine: a code label takes whatever status a fault or a rejected body gives.
    assert not [f for f in report.findings if f.line == 19], report.findings
    api = load_target("profile:tokpulse@tokpulse-jobs")
    assert {"exported_job", "status", "storeId"} <= api.series["tokpulse_job_attempts_total"].labels
    assert "job" not in api.series["tokpulse_job_attempts_total"].labels  # the target's job label, added by lint


def test_probes_through_the_blackbox_exporter_are_a_complete_contract_of_job_blackbox(tmp_path: Path) -> None:
    rules = tmp_path / "probes.yml"
    rules.write_text(
        "groups:\n- name: uptime\n  rules:\n"
        '  - alert: Unreachable\n    expr: probe_success{job="blackbox"} == 0\n'
        '  - alert: Typo\n    expr: probe_sucess{job="blackbox"} == 0\n'
    )
    assert "probe_success" in load_target("component:blackbox").series
    report = run_lint(rules=[rules], targets=["profile:customerio", "blackbox=component:blackbox"])
    assert [(f.check, f.suggestion) for f in report.findings if f.check.startswith("promql/")] == [
        ("promql/series", "did you mean probe_success?")
    ]
