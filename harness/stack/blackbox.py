"""The Prometheus blackbox exporter as a stack component: uptime probes of a service's health URL.

What Uptime Kuma or Pingdom do for a team, firedrill does with the blackbox exporter: Prometheus scrapes
``/probe?module=http_2xx&target=URL`` on the exporter once per probe URL, with the standard relabelling (the URL
becomes the ``target`` parameter and the ``instance`` label; the exporter is the scraped address), so a rule on
``probe_success == 0`` sees the service unreachable from outside. The exporter's own config holds one module,
``http_2xx``; the probe URLs live in Prometheus's config, so a reconfigured stack only reloads Prometheus.

Example:
    >>> job = probe_scrape_config([Probe("http://127.0.0.1:8000/health", {"lane": "a"})], "127.0.0.1:9115")
    >>> job["metrics_path"], job["params"], job["static_configs"][0]["targets"]
    ('/probe', {'module': ['http_2xx']}, ['http://127.0.0.1:8000/health'])
    >>> [r.get("target_label") for r in job["relabel_configs"]]
    ['__param_target', 'instance', '__address__']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from harness.stack.spec import Probe

JOB = "blackbox"
MODULE = "http_2xx"
PORT = 9115
# Where the official image (prom/blackbox-exporter) reads its config; the offline image mirrors it.
CONFIG_DIR = "/etc/blackbox_exporter"
# The exporter subtracts this from Prometheus's scrape timeout (X-Prometheus-Scrape-Timeout-Seconds) to bound a
# probe. Its default, 0.5 s, is the whole scrape timeout of a drill compressed x30 (scrape every 0.5 s): the
# probe would get no time at all and fail. A loopback health check answers in milliseconds.
TIMEOUT_OFFSET_S = 0.05
# A probe never waits longer than this, whatever the scrape timeout.
MODULE_TIMEOUT_S = 5.0


def render_config() -> str:
    """The exporter's config: one HTTP module that expects a 2xx (the exporter's default status codes)."""
    config = {"modules": {MODULE: {"prober": "http", "timeout": f"{MODULE_TIMEOUT_S:g}s",
                                   "http": {"preferred_ip_protocol": "ip4"}}}}  # fmt: skip
    return yaml.safe_dump(config, sort_keys=False)


def args(config_path: str, listen: str) -> list[str]:
    """The exporter's command line."""
    return [f"--config.file={config_path}", f"--web.listen-address={listen}", f"--timeout-offset={TIMEOUT_OFFSET_S}"]


def probe_scrape_config(probes: list[Probe], exporter: str) -> dict[str, Any]:
    """The scrape job for ``probes`` through the exporter at ``exporter`` (host:port as Prometheus reaches it).

    The relabelling is the exporter's documented one: ``__address__`` (the URL) goes to the ``target`` parameter
    and to ``instance``; the scraped address becomes the exporter's.
    """
    return {
        "job_name": JOB,
        "metrics_path": "/probe",
        "params": {"module": [MODULE]},
        "static_configs": [{"targets": [probe.url], "labels": dict(probe.labels)} for probe in probes],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def probe_url_from(url: str, from_inside: Callable[[str], str]) -> str:
    """``url`` with its host:port as the exporter reaches it (a container reaches the host's loopback otherwise).

    >>> probe_url_from("http://127.0.0.1:8000/health", lambda a: a.replace("127.0.0.1", "host.docker.internal"))
    'http://host.docker.internal:8000/health'
    """
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=from_inside(parts.netloc)))


# What a probe's scrape exports (blackbox_exporter's http prober), for `firedrill lint`'s contract of the job.
PROBE_EXPOSITION = """\
# firedrill: complete
# HELP probe_dns_lookup_time_seconds Returns the time taken for probe dns lookup in seconds
# TYPE probe_dns_lookup_time_seconds gauge
probe_dns_lookup_time_seconds 0
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.002
# HELP probe_failed_due_to_regex Indicates if probe failed due to regex
# TYPE probe_failed_due_to_regex gauge
probe_failed_due_to_regex 0
# HELP probe_http_content_length Length of http content response
# TYPE probe_http_content_length gauge
probe_http_content_length 16
# HELP probe_http_duration_seconds Duration of http request by phase, summed over all redirects
# TYPE probe_http_duration_seconds gauge
probe_http_duration_seconds{phase="connect"} 0
probe_http_duration_seconds{phase="processing"} 0.001
probe_http_duration_seconds{phase="resolve"} 0
probe_http_duration_seconds{phase="tls"} 0
probe_http_duration_seconds{phase="transfer"} 0
# HELP probe_http_redirects The number of redirects
# TYPE probe_http_redirects gauge
probe_http_redirects 0
# HELP probe_http_ssl Indicates if SSL was used for the final redirect
# TYPE probe_http_ssl gauge
probe_http_ssl 0
# HELP probe_http_status_code Response HTTP status code
# TYPE probe_http_status_code gauge
probe_http_status_code 200
# HELP probe_http_uncompressed_body_length Length of uncompressed response body
# TYPE probe_http_uncompressed_body_length gauge
probe_http_uncompressed_body_length 16
# HELP probe_http_version Returns the version of HTTP of the probe response
# TYPE probe_http_version gauge
probe_http_version 1.1
# HELP probe_ip_addr_hash Specifies the hash of IP address. It's useful to detect if the IP address changes.
# TYPE probe_ip_addr_hash gauge
probe_ip_addr_hash 1.268118805e+09
# HELP probe_ip_protocol Specifies whether probe ip protocol is IP4 or IP6
# TYPE probe_ip_protocol gauge
probe_ip_protocol 4
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 1
"""
