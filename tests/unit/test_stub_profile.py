"""The profile format: loading by name and path, and every problem of a broken profile, each with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.stub.profile import ProfileError, load_profile, resolve_profile_path
from harness.stub.profile.dist import Distribution
from harness.stub.profile.labels import LabelSpec
from tests.unit.stub_support import SHOP, profile_from


def test_customerio_is_data_with_no_python_hooks() -> None:
    profile = load_profile("customerio")
    (service,) = profile.services
    assert service.name == "customerio-stub" and service.job_name == "customerio"
    assert service.operation_names == ["identify", "track", "send_email", "webhook"]
    assert service.operation("webhook").require == {"event": ["delivered", "bounced", "opened"]}
    assert [f.type for f in service.metrics].count("counter") == 5
    assert service.queues["email_delivery"].drain_per_second == 500
    assert "hooks:" not in Path(profile.source).read_text()


def test_found_by_name_in_fixtures_name_dir_and_by_path_relative_to_the_scenario(tmp_path: Path) -> None:
    assert resolve_profile_path("customerio").parts[-2:] == ("customerio", "profile.yaml")
    (tmp_path / "mine.yaml").write_text(SHOP.read_text())
    assert resolve_profile_path("mine.yaml", tmp_path) == tmp_path / "mine.yaml"
    assert resolve_profile_path("mine", tmp_path) == tmp_path / "mine.yaml"  # a name beside the scenario
    with pytest.raises(ProfileError, match="unknown profile 'nope'; known: .*customerio"):
        resolve_profile_path("nope", tmp_path)


def test_every_problem_is_listed_each_at_its_line(tmp_path: Path) -> None:
    data = yaml.safe_load(SHOP.read_text())
    api = data["services"][0]
    api["metrics"][0]["type"] = "summery"  # a typo pydantic reports
    api["metrics"][1]["labels"] = ["routes"]  # not a known label
    api["operations"][0]["steps"][3] = {"call": "shop-jobz.enqueue"}  # no such service
    api["metrics"][6]["source"] = {"event": "tool_cal"}  # no such event
    data["services"][1]["queues"]["jobs"]["job"] = "proces"  # no such operation
    with pytest.raises(ProfileError) as raised:
        profile_from(tmp_path, data)
    lines = str(raised.value).splitlines()
    assert all(line.startswith(f"{tmp_path / 'profile.yaml'}:") for line in lines)
    assert len(lines) == 1 and "summery" in lines[0]  # shape errors come first, alone
    api["metrics"][0]["type"] = "counter"
    with pytest.raises(ProfileError) as raised:
        profile_from(tmp_path, data)
    text = str(raised.value)
    assert len(text.splitlines()) == 4, text
    assert "label source 'routes' is not a known label; did you mean 'route'?" in text
    assert "call shop-jobz.enqueue: no service 'shop-jobz'" in text
    assert "no event 'tool_cal' in shop-api; did you mean 'tool_call'?" in text
    assert "job operation 'proces' does not exist; did you mean 'process'?" in text


def test_counter_names_end_in_total(tmp_path: Path) -> None:
    data = {"name": "x", "services": [{"name": "s", "metrics": [
        {"name": "payments_collected_amount_usd", "type": "counter", "source": "request"}]}]}  # fmt: skip
    with pytest.raises(ProfileError, match="end in _total .*; expected payments_collected_amount_usd_total"):
        profile_from(tmp_path, data)


def test_a_family_needs_a_source_that_fits_its_type(tmp_path: Path) -> None:
    data = {"name": "x", "services": [{"name": "s", "metrics": [{"name": "g", "type": "gauge", "source": "request"}]}]}
    with pytest.raises(ProfileError, match="a gauge's source is in_flight, uptime"):
        profile_from(tmp_path, data)


def test_label_specs() -> None:
    assert LabelSpec.model_validate({"values": ["a", "b"], "weights": [3, 1]}).pool_weights() == [3, 1]
    zipf = LabelSpec.model_validate({"values": {"prefix": "s", "count": 3}, "popularity": {"zipf": 1}})
    assert zipf.pool_weights() == [1.0, 0.5, 1 / 3]
    assert LabelSpec.model_validate({"status": "class"}).status_value(429) == "4xx"
    assert LabelSpec.model_validate({"status": {"429": "throttled", "4xx": "bad", "*": "ok"}}).status_value(429) == (
        "throttled"
    )
    with pytest.raises(ValueError, match="exactly one of values"):
        LabelSpec.model_validate({"values": ["a"], "value": "b"})
    with pytest.raises(ValueError, match="header:NAME, body:a.b"):
        LabelSpec.model_validate({"values": ["a"], "from": "cookie:x"})


def test_distributions_clamp_and_shift() -> None:
    import random

    score = Distribution(type="normal", mean=4.3, stddev=2.0, min=1, max=5)
    draws = [score.sample(random.Random(i)) for i in range(200)]
    assert min(draws) >= 1 and max(draws) <= 5
    assert score.shifted(mean=2.9).mean == 2.9
    assert Distribution(type="uniform", low=5, high=30).shifted(mean=27.5).low == 15
    with pytest.raises(ValueError, match="needs mean and stddev"):
        Distribution(type="normal", mean=1)


def test_the_test_instrument_loads() -> None:
    profile = load_profile(SHOP)
    assert profile.service_names == ["shop-api", "shop-jobs"]
    assert {f.type for f in profile.service("shop-api").metrics} == {"counter", "gauge", "histogram", "summary"}
