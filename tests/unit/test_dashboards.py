"""Dashboards as Grafana sees them: normalised for provisioning, each target's datasource, variables loaded,
and the request Grafana's frontend would send (the backend's part is tests/unit/test_grafana_backend.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import InputError
from harness.promql.dashboard_vars import VariableQuery, load_variables, options_from_texts, parse_variable_query
from harness.promql.dashboards import (
    JAEGER,
    PROMETHEUS,
    PROVISIONED,
    Datasource,
    backend_query,
    check_provisioned,
    load,
    panel_queries,
    panel_targets,
    resolve_datasource,
)
from harness.promql.grafana_backend import plan
from harness.promql.grafana_vars import ALL_VALUE, Variable

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/dashboards"


def write(tmp_path: Path, board: dict, name: str = "d.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(board, indent=2))
    return path


# -- normalising ----------------------------------------------------------------------------------------


def test_an_api_export_is_unwrapped_and_gets_a_stable_uid() -> None:
    board = load(FIXTURES / "api_export.json")
    assert board.title == "Saved through the API" and "meta" not in board.model and board.model["id"] is None
    assert board.uid.startswith("fd-api_export-") and len(board.uid) <= 40
    assert load(FIXTURES / "api_export.json").uid == board.uid


def test_inputs_resolve_to_provisioned_uids_and_constants(tmp_path: Path) -> None:
    export = json.loads((FIXTURES / "shared_export.json").read_text())
    export["__inputs"] = [i for i in export["__inputs"] if i["name"] != "DS_LOKI"]
    export["panels"] = export["panels"][:1]
    board = load(write(tmp_path, export))
    assert "__inputs" not in board.model
    assert board.model["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    assert board.model["templating"]["list"][0]["query"] == "customerio"


def test_an_unresolvable_input_names_the_line_that_uses_it() -> None:
    path = FIXTURES / "shared_export.json"
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if '"${DS_LOKI}"' in s)
    with pytest.raises(InputError) as caught:
        load(path, display="shared_export.json")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("shared_export.json", line)
    assert "DS_LOKI needs a loki datasource" in problem.message and "prometheus (uid prometheus)" in problem.message


def test_a_constant_input_without_value_is_unresolvable(tmp_path: Path) -> None:
    board = {"title": "t", "__inputs": [{"name": "VAR_X", "type": "constant"}], "panels": []}
    with pytest.raises(InputError, match=r"d.json:\d+: __inputs VAR_X \(constant\) has no value"):
        load(write(tmp_path, board))


def test_untitled_bad_uid_and_duplicates_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no title"):
        load(write(tmp_path, {"dashboard": {"panels": []}}))
    with pytest.raises(InputError, match="is not a Grafana uid"):
        load(write(tmp_path, {"title": "t", "uid": "has spaces"}))
    one = load(write(tmp_path, {"title": "same", "uid": "u1"}, "a.json"))
    two = load(write(tmp_path, {"title": "same", "uid": "u1"}, "b.json"))
    with pytest.raises(InputError) as caught:
        check_provisioned([one, two])
    assert [p.message.split(" is also")[0] for p in caught.value.problems] == ["uid 'u1'", "title 'same'"]


def test_bad_json_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"title": "x",\n  "panels": [\n}')
    with pytest.raises(InputError, match=r"d.json:3: not valid JSON"):
        load(path)


# -- datasources --------------------------------------------------------------------------------------------

EXTRA = Datasource("other-prom", "Other", "prometheus")
DS_VAR = {"ds": Variable("ds", "datasource", "prometheus", "Prometheus")}


@pytest.mark.parametrize(
    ("ref", "want"),
    [
        (None, PROMETHEUS),  # no reference: the default datasource
        ("default", PROMETHEUS),
        ({"type": "prometheus"}, PROMETHEUS),  # a type without uid: the default (getNameOrUid gives no uid)
        ({"type": "prometheus", "uid": "prometheus"}, PROMETHEUS),
        ("Prometheus", PROMETHEUS),  # a legacy name
        ({"uid": "jaeger"}, JAEGER),
        ({"uid": "other-prom"}, EXTRA),
        ("${ds}", PROMETHEUS),  # a datasource variable's value
        ({"type": "prometheus", "uid": "$ds"}, PROMETHEUS),
        ({"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}, None),  # another Grafana's uid: not found
    ],
)
def test_references_resolve_as_grafanas_datasource_service(ref: object, want: Datasource | None) -> None:
    assert resolve_datasource(ref, DS_VAR, (*PROVISIONED, EXTRA)) == want


def test_each_target_queries_its_own_datasource_or_its_panels_or_the_default() -> None:
    model = {
        "panels": [
            {"title": "panel ds", "datasource": {"uid": "other-prom"},
             "targets": [{"expr": "a"}, {"expr": "b", "datasource": {"uid": "prometheus"}}]},
            {"title": "mixed", "datasource": {"uid": "-- Mixed --"},
             "targets": [{"expr": "c"}, {"expr": "d", "datasource": {"uid": "other-prom"}}]},
            {"title": "no ds", "targets": [{"refId": "B", "expr": "e"}, {"expr": "f", "hide": True}, {"expr": "g"}]},
            {"title": "loki", "datasource": {"type": "loki", "uid": "logs"}, "targets": [{"expr": "{app=\"x\"}"}]},
            {"title": "traces", "datasource": {"uid": "jaeger"}, "targets": [{"expr": "ignored"}]},
            {"title": "lost", "datasource": {"type": "prometheus", "uid": "gone"}, "targets": [{"expr": "h"}]},
        ]
    }  # fmt: skip
    got = [(t.panel_title, t.ref_id, t.expr, t.datasource and t.datasource.uid, t.is_promql)
           for t in panel_targets(model, {}, (*PROVISIONED, EXTRA))]  # fmt: skip
    assert got == [
        ("panel ds", "A", "a", "other-prom", True),
        ("panel ds", "B", "b", "prometheus", True),
        ("mixed", "A", "c", "prometheus", True),
        ("mixed", "B", "d", "other-prom", True),
        ("no ds", "B", "e", "prometheus", True),
        ("no ds", "C", "g", "prometheus", True),  # refIds are assigned skipping used letters; hidden ones skipped
        ("traces", "A", "ignored", "jaeger", False),  # a known non-Prometheus datasource: not PromQL
        ("lost", "A", "h", None, False),  # Grafana shows "datasource gone was not found"
    ]
    assert panel_targets(model, {}, PROVISIONED)[-1].problem == (
        "datasource gone was not found (Grafana shows an error for this panel)"
    )


# -- variables -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("label_values(customerio_requests_total, operation)",
         VariableQuery("label_values", label="operation", match="customerio_requests_total")),
        ("label_values(operation)", VariableQuery("label_values", label="operation")),
        ("label_values({}, job)", VariableQuery("label_values", label="job")),
        ("label_names()", VariableQuery("label_names")),
        ("label_names(customerio)", VariableQuery("label_names", match="customerio")),
        ("metrics(customerio_.*)", VariableQuery("metrics", match="customerio_.*")),
        ("query_result(topk(3, up))", VariableQuery("query_result", expr="topk(3, up)")),
        ('up{job="x"}', VariableQuery("series", match='up{job="x"}')),
    ],
)  # fmt: skip
def test_variable_queries_parse_as_grafanas_prometheus_support(query: str, want: VariableQuery) -> None:
    assert parse_variable_query(query) == want


def test_regex_and_sort_shape_the_options() -> None:
    texts = ["instance-10", "instance-9", "other", "instance-9"]
    assert options_from_texts(texts, "/instance-(.*)/", 3) == [("9", "9"), ("10", "10")]
    # Named groups: value and text; an empty text group falls back to the value, as in Scenes.
    assert options_from_texts(texts, "/instance-(?<value>\\d)(?<text>.*)/") == [("0", "1"), ("9", "9")]
    assert options_from_texts(["b", "A", "c"], sort=6) == [("c", "c"), ("b", "b"), ("A", "A")]


def test_variables_load_with_options_from_the_datasource() -> None:
    asked: list[tuple[VariableQuery, float, float]] = []

    def find(query: VariableQuery, start: float, end: float) -> list[str]:
        asked.append((query, start, end))
        return {"operation": ["track", "send.email"], "lane": ["b", "a"]}[query.label]

    model = {
        "templating": {
            "list": [
                {"name": "op", "type": "query", "multi": True, "includeAll": True, "current": {"value": "$__all"},
                 "query": {"qryType": 1, "query": "label_values(customerio_requests_total,operation)"}},
                {"name": "lane", "type": "query", "query": 'label_values(x{op=~"$op"}, lane)', "sort": 1,
                 "current": {"value": "zz", "text": "zz"}},
                {"name": "env", "type": "custom", "query": "prod : p\\,1, dev", "current": {"value": "dev"}},
                {"name": "k", "type": "constant", "query": "42"},
                {"name": "box", "type": "textbox", "query": "default", "current": {"value": ""}},
                {"name": "ds", "type": "datasource", "query": "prometheus", "current": {"value": "default"}},
                {"name": "filters", "type": "adhoc"},
            ]
        }
    }  # fmt: skip
    found = load_variables(model, find=find, from_ms=1000, to_ms=61000, datasources=PROVISIONED)
    assert asked[1] == (VariableQuery("label_values", "lane", 'x{op=~"(track|send\\\\.email)"}'), 1.0, 61.0)
    assert found["op"].is_all() and found["op"].resolved() == ["track", "send.email"]
    assert (found["lane"].value, found["lane"].text) == ("a", "a")  # "zz" is not offered: the first option
    assert found["env"].options == (("prod", "p,1"), ("dev", "dev")) and found["env"].value == "dev"
    assert (found["k"].value, found["box"].value, found["ds"].value) == ("42", "default", "prometheus")
    assert "filters" not in found


def test_without_a_datasource_to_ask_all_is_any_value() -> None:
    model = {
        "templating": {"list": [{"name": "op", "type": "query", "includeAll": True, "current": {"value": "$__all"}}]}
    }
    (op,) = load_variables(model).values()
    assert op.options is None and op.value == ALL_VALUE


# -- the frontend's request, and the static view lint uses ---------------------------------------------------


def test_the_request_carries_interpolated_expr_min_step_and_interval() -> None:
    model = {
        "templating": {"list": [{"name": "step", "type": "custom", "query": "1m,5m", "current": {"value": "5m"}}]},
        "panels": [{"title": "p", "interval": "10s", "maxDataPoints": 100,
                    "targets": [{"expr": "rate(x[$__rate_interval])", "interval": "$step", "instant": True}]}],
    }  # fmt: skip
    variables = load_variables(model)
    (target,) = panel_targets(model, variables)
    query = backend_query(target, variables, 0, 3_600_000, "500ms")
    assert (query.expr, query.interval, query.max_data_points, query.instant) == (
        "rate(x[$__rate_interval])", "5m", 100, True
    )  # fmt: skip
    assert query.interval_ms == 30_000  # an hour over 100 points is 36 s, rounded to 30s; above the panel's 10s
    assert plan(query, "500ms").step_s == 300  # the Min step wins


def test_panel_queries_run_the_whole_way_for_a_static_view() -> None:
    got = panel_queries(ROOT / "fixtures/customerio/dashboard.json", range_s=3600.0, scrape_s=15.0)
    assert got[0].expr == (
        'sum by (operation) (rate(customerio_requests_total{operation=~".*"}[1m0s]))'  # All: options unknown
    )
    assert got[0].raw_expr.endswith("[$__rate_interval]))")
    assert len(got) == 9
