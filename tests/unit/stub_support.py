"""Shared pieces of the stub's unit tests: Starlette's TestClient, profiles, and an app with its logs and spans."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from harness.stub.app import StubApp, create_app
from harness.stub.profile import Profile, load_profile
from harness.stub.runtime.tracing import build_tracer_provider

with warnings.catch_warnings():
    # starlette.testclient warns about its httpx usage on import; not ours to fix.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "profiles" / "shop.yaml"


def shop() -> Profile:
    return load_profile(SHOP)


def profile_from(tmp_path: Path, data: dict[str, Any] | str) -> Profile:
    """A profile from a mapping or YAML text, loaded (and checked) the way a user's file is."""
    path = tmp_path / "profile.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return load_profile(path)


@dataclass
class Running:
    """A stub app under TestClient, with its span exporter and log directory."""

    app: StubApp
    client: TestClient
    spans: InMemorySpanExporter
    log_dir: Path

    def log(self, service: str) -> list[dict[str, Any]]:
        path = self.log_dir / f"{service}.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def metrics(self, service: str | None = None) -> str:
        state = self.app.stub.services[service or next(iter(self.app.stub.services))]
        return state.metrics.exposition().decode()


@contextmanager
def running(profile: Profile, tmp_path: Path, seed: int = 1, ports: dict[str, int] | None = None) -> Iterator[Running]:
    """The profile's stub in-process: spans in memory, logs under ``tmp_path``."""
    exporter = InMemorySpanExporter()
    providers = {name: build_tracer_provider(name, "a", exporter=exporter) for name in profile.service_names}
    # Calls between services go through the app itself (dispatched by port), as they would over loopback.
    ports = ports or {name: 20000 + i for i, name in enumerate(profile.service_names)}
    app = create_app(profile, lane="a", seed=seed, providers=providers, log_dir=tmp_path / "logs", ports=ports)
    with TestClient(app, base_url=f"http://127.0.0.1:{next(iter(ports.values()))}") as client:
        app.stub.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        yield Running(app, client, exporter, tmp_path / "logs")
    for provider in providers.values():
        if provider is not None:
            provider.shutdown()
    app.stub.close()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in an exposition (labels must match exactly), or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        if metric != name:
            continue
        found = dict(part.split("=", 1) for part in rest.rstrip("}").split(",") if part) if rest else {}
        if {k: v.strip('"') for k, v in found.items()} == labels:
            return float(value)
    return None


__all__ = ["Running", "TestClient", "profile_from", "running", "sample", "shop"]
