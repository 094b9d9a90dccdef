"""What a profile exports before any traffic, service by service: the contract ``firedrill lint`` checks against.

Example:
    >>> texts = profile_expositions(load_profile("customerio"))
    >>> list(texts), "customerio_requests_total" in texts["customerio"]
    (['customerio'], True)
"""

from __future__ import annotations

from harness.stub.profile import Profile, load_profile
from harness.stub.runtime.state import StubState

__all__ = ["load_profile", "profile_expositions"]


def profile_expositions(profile: Profile) -> dict[str, str]:
    """Scrape job -> the text exposition that service serves when it starts (every series it creates up front)."""
    stub = StubState.build(profile, lane="a", seed=0)
    try:
        return {state.spec.job_name: state.metrics.exposition().decode() for state in stub.services.values()}
    finally:
        stub.close()
