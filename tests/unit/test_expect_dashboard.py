"""Grafana variable substitution and panel discovery."""

from __future__ import annotations

import json
from pathlib import Path

from harness.promql.dashboards import panel_queries, substitute, template_defaults

DASH = {
    "templating": {
        "list": [
            {"name": "job", "current": {"value": "cio"}},
            {"name": "op", "current": {"value": ["$__all"]}, "includeAll": True},
            {"name": "env", "current": {}, "includeAll": False},
        ]
    },
    "panels": [
        {"title": "Request Rate", "targets": [{"refId": "A", "expr": 'rate(r{job="$job"}[$__rate_interval])'}]},
        {
            "title": "row",
            "type": "row",
            "panels": [
                {"title": "Errors", "targets": [{"expr": 'sum(increase(e{op=~"${op:regex}"}[${__range}]))'}]},
                {"title": "Old", "targets": [{"expr": 'x{env=~"[[env]]"} / $__range_s * $__interval_ms'}]},
                {"title": "Logs", "targets": [{"refId": "A", "query": '{app="x"}'}]},
            ],
        },
    ],
}


def test_template_defaults() -> None:
    assert template_defaults(DASH) == {"job": "cio", "op": ".*", "env": ".+"}


def test_panel_queries_nested_and_substituted(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(DASH))
    got = panel_queries(path, step_s=1, range_s=600, scrape_s=0.5)
    assert [(q.panel_title, q.ref_id, q.expr) for q in got] == [
        ("Request Rate", "A", 'rate(r{job="cio"}[2s])'),
        ("Errors", "A", 'sum(increase(e{op=~".*"}[10m]))'),
        ("Old", "A", 'x{env=~".+"} / 600 * 1000'),
    ]


def test_substitute_leaves_unknown_and_overrides() -> None:
    assert substitute('a{x="$unknown"}', {}) == 'a{x="$unknown"}'
    assert panel_queries(DASH, variables={"job": "other"})[0].expr.startswith('rate(r{job="other"}')
