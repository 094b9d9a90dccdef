"""Shared pieces of the stub's unit tests: Starlette's TestClient and a zero-latency Customer.io profile."""

from __future__ import annotations

import warnings

from harness.stub.latency import Fixed
from harness.stub.profile import Profile, load_profile

with warnings.catch_warnings():
    # starlette.testclient warns about its httpx usage on import; not ours to fix.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def fast_profile() -> Profile:
    """The customerio profile with baseline latency removed, so tests run in milliseconds."""
    profile = load_profile("customerio")
    for op in profile.operations:
        op.latency = Fixed(ms=0)
    return profile


__all__ = ["TestClient", "fast_profile"]
