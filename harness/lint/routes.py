"""Alertmanager routes: the config is valid (``amtool check-config``), and every alert's static labels lead
somewhere useful (``amtool config routes test``).

- ``routes/config``: amtool rejects the config (its message, at the line it names or the value it quotes).
- ``routes/default``: an alert reaches only the root route's receiver while lacking a label that the child routes
  match on: it was probably meant to be routed (``team`` forgotten, ``severity`` misspelt).
- ``routes/dropped``: an alert reaches a receiver with no integrations; its notifications go nowhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness.lint.model import Finding, RouteRow, Rule
from harness.lint.source import YamlSource

_MATCHER_NAME = re.compile(r"^\s*\{?\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")
_AMTOOL_TIMEOUT_S = 30


def check_routes(path: Path, rules: list[Rule]) -> tuple[list[Finding], list[RouteRow]]:
    """Validate the Alertmanager config at ``path`` and route each alerting rule of ``rules`` through it.

    Only a rule's static labels (and ``alertname``) are known before it fires; labels with templates and
    labels the expression's series carry are not, so they take no part.

    >>> findings, rows = check_routes(Path("fixtures/customerio/alertmanager.yml"), [])  # doctest: +SKIP
    """
    source = YamlSource.load(path, "Alertmanager config")
    amtool = shutil.which("amtool")
    if amtool is None:
        return [
            Finding(
                file=source.file,
                line=1,
                check="routes/config",
                severity="warning",
                message="amtool is not on PATH: the config and its routes were not checked",
                suggestion="install it (apt-get install prometheus-alertmanager)",
            )
        ], []
    result = _amtool(amtool, "check-config", str(path))
    if result.returncode != 0:
        return [_config_finding(source, result.stdout + result.stderr)], []
    config = source.doc.data if isinstance(source.doc.data, dict) else {}
    route_labels = _child_route_labels(config.get("route") or {})
    silent = _receivers_without_integrations(config)
    alerts = [r for r in rules if r.kind == "alert"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda rule: _route(amtool, path, rule), alerts))
    findings: list[Finding] = []
    rows: list[RouteRow] = []
    for rule, (labels, receivers, default_only) in zip(alerts, outcomes, strict=True):
        rows.append(
            RouteRow(
                alert=rule.name,
                labels=labels,
                receivers=receivers,
                default_only=default_only,
                file=rule.file,
                line=rule.line,
            )
        )
        missing = sorted(route_labels - labels.keys())
        if default_only and missing:
            findings.append(
                Finding(
                    file=rule.file,
                    line=rule.line,
                    check="routes/default",
                    severity="warning",
                    message=f"{rule.what} reaches only the default receiver "
                    f"{', '.join(receivers)}: it has no {', '.join(missing)} label, which the "
                    f"routes of {source.file} match on",
                    suggestion=f"add the label{'s' if len(missing) > 1 else ''} {', '.join(missing)} to the rule",
                )
            )
        dropped = [r for r in receivers if r in silent]
        if dropped:
            findings.append(
                Finding(
                    file=rule.file,
                    line=rule.line,
                    check="routes/dropped",
                    severity="warning",
                    message=f"{rule.what} is routed to {', '.join(dropped)}, which has no "
                    "integrations: its notifications go nowhere",
                    suggestion="give the receiver an integration, or route the alert elsewhere",
                )
            )
    return findings, rows


def _amtool(amtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([amtool, *args], capture_output=True, text=True, timeout=_AMTOOL_TIMEOUT_S)


def _route(amtool: str, path: Path, rule: Rule) -> tuple[dict[str, str], list[str], bool]:
    """(labels used, receivers, whether only the root route matched) for one alerting rule."""
    labels = {"alertname": rule.name, **{k: v for k, v in rule.labels.items() if "{{" not in v}}
    args = ["config", "routes", "test", f"--config.file={path}", "--tree", *(f"{k}={v}" for k, v in labels.items())]
    result = _amtool(amtool, *args)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    receivers = lines[-1].strip().split(",") if lines and result.returncode == 0 else []
    # The tree lists every matching route below "default-route"; none listed means only the root matched.
    matched_children = [line for line in lines[:-1] if "receiver:" in line and "default-route" not in line]
    return labels, [r for r in receivers if r], not matched_children


def _config_finding(source: YamlSource, output: str) -> Finding:
    """amtool's complaint at the line it names (``yaml: line N``) or where the value it quotes appears."""
    text = " ".join(line.strip() for line in output.splitlines() if "FAILED" in line) or output.strip()
    message = text.split("FAILED:", 1)[-1].strip() or "amtool check-config failed"
    line = 1
    if match := re.search(r"line (\d+)", message):
        line = int(match.group(1))
    elif match := re.search(r'"([^"]+)"', message):
        line = next((i + 1 for i, s in enumerate(source.lines) if match.group(1) in s), 1)
    return Finding(
        file=source.file,
        line=line,
        check="routes/config",
        severity="error",
        message=message,
        suggestion=f"fix the config (`amtool check-config {source.file}`)",
    )


def _child_route_labels(route: dict[str, Any]) -> set[str]:
    """Label names that routes below the root match on."""
    names: set[str] = set()
    for child in route.get("routes") or []:
        if not isinstance(child, dict):
            continue
        for matcher in child.get("matchers") or []:
            if isinstance(matcher, str) and (m := _MATCHER_NAME.match(matcher)):
                names.add(m.group(1))
        for key in ("match", "match_re"):
            names |= set((child.get(key) or {}).keys())
        names |= _child_route_labels(child)
    return names


def _receivers_without_integrations(config: dict[str, Any]) -> set[str]:
    return {
        str(r.get("name"))
        for r in config.get("receivers") or []
        if isinstance(r, dict) and not any(key.endswith("_configs") and value for key, value in r.items())
    }
