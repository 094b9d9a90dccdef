"""The cs-fte suite's fixtures (seed 004) without a stack: the profile exports what the seed names, one
conversation is the agent's spans, a tool outage fails that tool only, and the rules, routes, dashboard and drills
lint clean. tests/live/test_cs_fte_suite.py runs the drills."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import main
from harness.drill.compress import compress_rule_file
from harness.stub.faults import parse_fault
from harness.stub.profile import load_profile
from tests.unit.stub_support import profile_from, running, sample

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "cs-fte"
SCENARIOS = sorted((ROOT / "scenarios" / "cs-fte").glob("*.yaml"))

# The seed's families (type, labels): the label names are the issue's.
SEED_FAMILIES = {
    "fte_http_requests_total": ("counter", {"method", "endpoint", "status_code"}),
    "fte_http_request_duration_seconds": ("histogram", {"method", "endpoint"}),
    "fte_customer_interactions_total": ("counter", {"channel"}),
    "fte_customer_response_time_seconds": ("histogram", {"channel"}),
    "fte_ticket_operations_total": ("counter", {"type", "status"}),
    "fte_ticket_resolution_time_seconds": ("histogram", set()),
    "fte_agent_thinking_time_seconds": ("histogram", {"channel"}),
    "fte_agent_tool_calls_total": ("counter", {"tool", "status"}),
    "fte_active_conversations": ("gauge", {"channel"}),
    "fte_message_queue_size": ("gauge", {"channel"}),
    "fte_system_uptime_seconds": ("gauge", set()),
    "fte_errors_total": ("counter", {"type", "component"}),
    "fte_customer_satisfaction_score": ("summary", {"channel"}),
    "fte_escalations_total": ("counter", {"reason"}),
}
PII = {"email": "ada.lovelace7@example.com", "phone": "+1 415 555 0142"}


def fast_profile(tmp_path: Path) -> Any:
    """The cs-fte profile with every latency zero: the same spans, labels and families, in no time."""

    def zero(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ({"type": "fixed", "value": 0} if k == "latency" else zero(v)) for k, v in node.items()}
        return [zero(v) for v in node] if isinstance(node, list) else node

    return profile_from(tmp_path, zero(yaml.safe_load((FIXTURES / "profile.yaml").read_text())))


def converse(stub: Any, channel: str, n: int = 1) -> None:
    body = {"customer": {"name": "Ada Lovelace", **PII}, "text": f"Call me on {PII['phone']}"}
    for _ in range(n):
        answer = stub.client.post(f"/v1/channels/{channel}/messages", json=body,
                                  headers={"X-Correlation-ID": "conv_42"})  # fmt: skip
        assert answer.status_code == 200


def test_the_profile_exports_every_family_the_seed_names() -> None:
    profile = load_profile("cs-fte")
    (service,) = profile.services
    families = {f.name: (f.type, set(f.labels)) for f in service.metrics}
    assert families == SEED_FAMILIES
    assert profile.label_pool("channel") == ["email", "chat", "phone"]
    # Python's prometheus_client Summary: _sum and _count, no quantiles (the rule uses the mean).
    assert service.family("fte_customer_satisfaction_score").quantiles == []  # type: ignore[union-attr]
    assert service.logs.format == "structlog" and {"email", "phone"} <= set(service.logs.pii)


def test_a_conversation_is_spans_conversation_thinking_and_tool_calls(tmp_path: Path) -> None:
    with running(fast_profile(tmp_path), tmp_path) as stub:
        converse(stub, "chat", n=5)
        spans = stub.spans.get_finished_spans()
        text = stub.metrics()
    conversations = [s for s in spans if s.name == "conversation"]
    assert len(conversations) == 5 and all(s.attributes["fte.channel"] == "chat" for s in conversations)
    children = {
        c.context.span_id: [s for s in spans if s.parent and s.parent.span_id == c.context.span_id] for c in spans
    }
    for conversation in conversations:
        (thinking,) = [s for s in children[conversation.context.span_id] if s.name == "agent.thinking"]
        tools = [s for s in children[thinking.context.span_id] if s.name.startswith("tool ")]
        assert 1 <= len(tools) <= 3
        assert all(s.name == f"tool {s.attributes['tool_call.tool']}" for s in tools)
    assert sample(text, "fte_customer_interactions_total", channel="chat") == 5
    assert sample(text, "fte_agent_thinking_time_seconds_count", channel="chat") == 5
    (line, *_) = [doc for doc in stub.log("cs-fte") if doc.get("operation") == "handle_message"]
    assert {"event", "timestamp", "level", "correlation_id"} <= set(line) and line["correlation_id"] == "conv_42"
    assert line["event"] == "handle_message 200" and line["channel"] == "chat"
    logged = json.dumps(stub.log("cs-fte"))
    assert PII["email"] not in logged and PII["phone"] not in logged and "Ada Lovelace" not in logged


def test_a_tool_outage_fails_that_tool_and_not_the_conversation(tmp_path: Path) -> None:
    outage = {"kind": "error", "event": "tool_call", "match": {"tool": "get_customer_history"}, "status": 429}
    with running(fast_profile(tmp_path), tmp_path, seed=3) as stub:
        stub.app.stub.faults.replace([parse_fault(outage)])
        converse(stub, "email", n=40)  # every answer is a 200: the agent answers without the tool
        text = stub.metrics()
        spans = stub.spans.get_finished_spans()
    failed = sample(text, "fte_agent_tool_calls_total", tool="get_customer_history", status="error")
    assert failed and sample(text, "fte_agent_tool_calls_total", tool="get_customer_history", status="success") == 0
    for tool in ("search_knowledge_base", "lookup_order"):
        assert sample(text, "fte_agent_tool_calls_total", tool=tool, status="error") == 0
    assert any(s.name == "tool get_customer_history" and not s.status.is_ok for s in spans)


def test_the_rules_compress_with_a_k1_note_only_for_the_restart_rule() -> None:
    rules = compress_rule_file(FIXTURES / "fte_alerting_rules.yml", 30)
    assert {n.rule for n in rules.notes if n.recommend_k1} == {"FteServiceRestarted"}
    restart = [s for s in SCENARIOS if s.stem == "restart"]
    assert restart and yaml.safe_load(restart[0].read_text())["compress"] == 1


@pytest.mark.parametrize("enable", ["alerts/runbook"])
def test_the_suite_lints_clean_with_runbooks_required(enable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["lint", "--enable", enable, "--strict", *map(str, SCENARIOS)]) == 0
