"""Profile loading by name and by path, and rejection of broken profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.stub.latency import Uniform
from harness.stub.profile import PROFILES_DIR, ProfileError, load_profile


def test_customerio_profile() -> None:
    profile = load_profile("customerio")
    assert profile.service.name == "customerio-stub"
    assert profile.operation_names == ["identify", "track", "send_email", "webhook"]
    routes = {op.name: (op.method, op.path) for op in profile.operations}
    assert routes["send_email"] == ("POST", "/v1/send/email")
    assert routes["webhook"] == ("POST", "/v1/webhook")
    assert isinstance(profile.operation("track").latency, Uniform)
    assert profile.metrics.duration_buckets == [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    assert profile.queues["email_delivery"].depth_metric == "customerio_queue_depth"
    assert profile.queues["email_delivery"].drain_per_second == 500
    assert profile.load_hooks() is not None


def test_load_by_path(tmp_path: Path) -> None:
    data = yaml.safe_load((PROFILES_DIR / "customerio.yaml").read_text())
    data["service"]["name"] = "other-stub"
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_profile(str(path)).service.name == "other-stub"


def _broken(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load((PROFILES_DIR / "customerio.yaml").read_text())
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["operations"][2]["on_success"].append({"type": "enqueue", "queue": "nope"}), "unknown queue"),
        (lambda d: d["operations"][3]["on_error"].append({"type": "increment", "counter": "nope"}), "unknown counter"),
        (lambda d: d["operations"].append(dict(d["operations"][0])), "duplicate operation"),
        (lambda d: d["metrics"].update(requests_total="bad name"), "requests_total"),
        (lambda d: d["operations"][0].update(latency={"type": "uniform", "low_ms": 9, "high_ms": 1}), "high_ms"),
    ],
)
def test_broken_profiles_are_rejected(tmp_path: Path, mutate: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(_broken(tmp_path, mutate))


def test_unknown_profile() -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nope'; known: customerio"):
        load_profile("nope")
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("/nonexistent/x.yaml")


def test_profile_names_are_found_in_firedrill_profiles_dir(tmp_path, monkeypatch) -> None:
    from harness.stub.profile import resolve_profile_path

    source = Path(__file__).parents[2] / "fixtures" / "profiles" / "customerio.yaml"
    (tmp_path / "mine.yaml").write_text(source.read_text())
    monkeypatch.setenv("FIREDRILL_PROFILES_DIR", str(tmp_path))
    assert resolve_profile_path("mine") == tmp_path / "mine.yaml"
    assert resolve_profile_path("customerio").name == "customerio.yaml"
