"""Render each component's configuration from typed inputs.

Addresses are passed in as the *consumer* sees them (a container on a bridge network reaches the host
through `host.docker.internal`, a local process through 127.0.0.1), so the renderers stay provider-neutral.
"""

from __future__ import annotations

import secrets
from typing import Any

import yaml

from harness.errors import StackError
from harness.stack.spec import PrometheusSettings, ScrapeTarget

# Integrations that would reach a human or a third party; a drill replaces them all with the sink.
_INTEGRATION_KEYS = (
    "email_configs",
    "pagerduty_configs",
    "pushover_configs",
    "slack_configs",
    "opsgenie_configs",
    "webhook_configs",
    "victorops_configs",
    "wechat_configs",
    "telegram_configs",
    "sns_configs",
    "webex_configs",
    "discord_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "jira_configs",
    "rocketchat_configs",
    "incidentio_configs",
)


def prom_duration(seconds: float) -> str:
    """Format seconds as a Prometheus duration, keeping millisecond precision.

    Example:
        >>> prom_duration(20), prom_duration(1.5), prom_duration(0.25)
        ('20s', '1500ms', '250ms')
    """
    millis = max(1, round(seconds * 1000))
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


def render_prometheus(
    settings: PrometheusSettings,
    targets: list[ScrapeTarget],
    rule_files: list[str],
    alertmanager_address: str | None,
    extra_scrape_configs: list[dict[str, Any]] | None = None,
) -> str:
    """prometheus.yml text: one scrape job per distinct job name, each target with its labels, then any scrape
    jobs a component brings (the blackbox exporter's probes)."""
    scrape_timeout = settings.scrape_timeout_s or min(settings.scrape_interval_s, 10.0)
    jobs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for target in targets:
        jobs.setdefault((target.job, target.metrics_path), []).append(
            {"targets": [target.address], "labels": dict(target.labels)}
        )
    scrape_configs = [{"job_name": job, "metrics_path": path, "static_configs": static}
                      for (job, path), static in jobs.items()]  # fmt: skip
    config: dict[str, Any] = {
        "global": {
            "scrape_interval": prom_duration(settings.scrape_interval_s),
            "scrape_timeout": prom_duration(scrape_timeout),
            "evaluation_interval": prom_duration(settings.evaluation_interval_s),
        },
        "rule_files": rule_files,
        "scrape_configs": scrape_configs + list(extra_scrape_configs or []),
    }
    if alertmanager_address:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_address]}]}]}
    return yaml.safe_dump(config, sort_keys=False)


def prometheus_flags(settings: PrometheusSettings) -> list[str]:
    """The command-line flags that time compression scales."""
    return [
        "--web.enable-lifecycle",
        # A stack shared by several drills deletes the previous drill's series between them.
        "--web.enable-admin-api",
        f"--query.lookback-delta={prom_duration(settings.lookback_delta_s)}",
        f"--rules.alert.resend-delay={prom_duration(settings.resend_delay_s)}",
        f"--rules.alert.for-grace-period={prom_duration(settings.for_grace_period_s)}",
    ]


DEFAULT_ALERTMANAGER = """\
route:
  receiver: default
  group_by: [alertname]
receivers:
  - name: default
"""


def render_alertmanager(user_config: str | None, sink_url: str | None, source: str = "alertmanager.yml") -> str:
    """The user's routing tree as-is, with every receiver's integrations replaced by a sink webhook.

    The webhook URL ends in the receiver's name, so the sink records which receiver was reached.

    Example:
        >>> text = render_alertmanager("route: {receiver: pager}\\nreceivers: [{name: pager}]", "http://127.0.0.1:1")
        >>> "http://127.0.0.1:1/receiver/pager" in text
        True
    """
    try:
        config = yaml.safe_load(user_config or DEFAULT_ALERTMANAGER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise StackError(f"{source}{line}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None
    if not isinstance(config, dict) or "route" not in config:
        raise StackError(f"{source}: an Alertmanager config needs a top-level `route:`; add one")
    # Templates live next to the user's file and only shape messages nobody will read here.
    config.pop("templates", None)
    for receiver in config.get("receivers") or []:
        for key in _INTEGRATION_KEYS:
            receiver.pop(key, None)
        if sink_url:
            receiver["webhook_configs"] = [{"url": f"{sink_url}/receiver/{receiver['name']}", "send_resolved": True}]
    return yaml.safe_dump(config, sort_keys=False)


def render_jaeger(host: str, ports: dict[str, int]) -> str:
    """Jaeger v2 all-in-one config (in-memory storage) listening on the given host and ports."""
    config = {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp"],
                    "processors": ["batch"],
                    "exporters": ["jaeger_storage_exporter"],
                }
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                # No self-metrics listener (it would bind :8888) and no self-tracing (to :4317).
                "metrics": {"level": "none"},
                "traces": {"level": "none"},
                "logs": {"level": "info"},
            },
        },
        "extensions": {
            "healthcheckv2": {"use_v2": True, "http": {"endpoint": f"{host}:{ports['health']}"}},
            "jaeger_query": {
                # Jaeger v2 traces its own queries to localhost:4317 by default; with nothing there, its
                # shutdown retries that export for 5 s and gets killed, which slows every teardown and Ctrl-C.
                "enable_tracing": False,
                "storage": {"traces": "memstore"},
                "http": {"endpoint": f"{host}:{ports['query']}"},
                "grpc": {"endpoint": f"{host}:{ports['query_grpc']}"},
            },
            "jaeger_storage": {"backends": {"memstore": {"memory": {"max_traces": 100000}}}},
        },
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{host}:{ports['otlp_grpc']}"},
                    "http": {"endpoint": f"{host}:{ports['otlp_http']}"},
                }
            }
        },
        "processors": {"batch": {"timeout": "200ms"}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "memstore"}},
    }
    return yaml.safe_dump(config, sort_keys=False)


def new_admin_password() -> str:
    """A random Grafana admin password; never the well-known admin/admin."""
    return secrets.token_urlsafe(18)
