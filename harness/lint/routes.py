"""Alertmanager routing: the config is valid (``amtool check-config``, else ``routes/config``), and where every
alert's static labels lead (``amtool config routes test``), for the routes/* and drill/receiver checks.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.lint.checks import routes_config
from harness.lint.model import Finding, RouteRow, Rule
from harness.lint.source import YamlSource
from harness.promql.amtool import find_amtool

_MATCHER_NAME = re.compile(r"^\s*\{?\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")
_AMTOOL_TIMEOUT_S = 30


@dataclass
class Routing:
    """One Alertmanager config: what amtool says of it, and where each alert's static labels lead."""

    file: str
    path: Path
    source: YamlSource
    amtool: str | None
    findings: list[Finding] = field(default_factory=list)  # routes/config: the config itself
    rows: list[tuple[Rule, RouteRow]] = field(default_factory=list)
    route_labels: set[str] = field(default_factory=set)  # label names that routes below the root match on
    silent: set[str] = field(default_factory=set)  # receivers with no integrations

    @property
    def usable(self) -> bool:
        """amtool is there and accepts the config, so routes can be tested."""
        return self.amtool is not None and not self.findings

    def route(self, labels: dict[str, str]) -> tuple[list[str], bool]:
        """(receivers, whether only the root route matched) for an alert with ``labels``."""
        assert self.amtool is not None
        return _route(self.amtool, self.path, labels)


def static_labels(rule: Rule) -> dict[str, str]:
    """``alertname`` and the rule's labels that hold no template: all that is known before it fires."""
    return {"alertname": rule.name, **{k: v for k, v in rule.labels.items() if "{{" not in v}}


def load_routing(path: Path, rules: list[Rule], amtool: str | None = None) -> Routing:
    """Validate the Alertmanager config at ``path`` and route each alerting rule of ``rules`` through it.

    Only a rule's static labels (and ``alertname``) are known before it fires; labels with templates and
    labels the expression's series carry are not, so they take no part. ``amtool`` defaults to the one of the
    Alertmanager the drills run.

    >>> routing = load_routing(Path("fixtures/customerio/alertmanager.yml"), [])  # doctest: +SKIP
    """
    source = YamlSource.load(path, "Alertmanager config")
    routing = Routing(source.file, path, source, amtool or find_amtool())
    if routing.amtool is None:
        routing.findings.append(
            Finding(
                file=source.file,
                line=1,
                check=routes_config.ID,
                severity="warning",
                message="no amtool installed: the config and its routes were not checked",
                suggestion="run `make setup` (or apt-get install prometheus-alertmanager)",
            )
        )
        return routing
    result = _amtool(routing.amtool, "check-config", str(path))
    if result.returncode != 0:
        routing.findings.append(_config_finding(source, result.stdout + result.stderr))
        return routing
    config = source.doc.data if isinstance(source.doc.data, dict) else {}
    routing.route_labels = _child_route_labels(config.get("route") or {})
    routing.silent = _receivers_without_integrations(config)
    alerts = [r for r in rules if r.kind == "alert"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda rule: routing.route(static_labels(rule)), alerts))
    for rule, (receivers, default_only) in zip(alerts, outcomes, strict=True):
        row = RouteRow(alert=rule.name, labels=static_labels(rule), receivers=receivers, default_only=default_only,
                       file=rule.file, line=rule.line, config=source.file)  # fmt: skip
        routing.rows.append((rule, row))
    return routing


def _amtool(amtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([amtool, *args], capture_output=True, text=True, timeout=_AMTOOL_TIMEOUT_S)


def _route(amtool: str, path: Path, labels: dict[str, str]) -> tuple[list[str], bool]:
    """(receivers, whether only the root route matched) for an alert with ``labels``."""
    args = ["config", "routes", "test", f"--config.file={path}", "--tree", *(f"{k}={v}" for k, v in labels.items())]
    result = _amtool(amtool, *args)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    receivers = lines[-1].strip().split(",") if lines and result.returncode == 0 else []
    # The tree lists every matching route below "default-route"; none listed means only the root matched.
    matched_children = [line for line in lines[:-1] if "receiver:" in line and "default-route" not in line]
    return [r for r in receivers if r], not matched_children


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
        check=routes_config.ID,
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
