"""Offline images pack the programs the processes provider runs: the newest by default, another when named, each
tagged with its version; an image is rebuilt when the program it packs is no longer the one chosen."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from harness import programs
from harness.stack.containers import docker_client
from harness.stack.images import build_image, packed
from harness.stack.spec import Component
from tests.conftest import programs_of_major, require_docker

pytestmark = pytest.mark.live


@pytest.fixture
def repository() -> Iterator[str]:
    """A throwaway image repository; every tag made in it is removed after the test."""
    require_docker()
    name = f"firedrill-test-{uuid.uuid4().hex[:8]}/prometheus"
    yield name
    client = docker_client()
    for image in client.images.list(name=name):
        client.images.remove(image.id, force=True)


def test_the_newest_is_packed_and_a_named_one_replaces_it(repository: str) -> None:
    client = docker_client()
    tag = f"{repository}:offline"
    newest = programs.newest("prometheus")
    assert newest is not None and newest.version is not None and newest.major == 3
    build_image(Component.PROMETHEUS, tag)
    assert packed(client, tag) == (newest.path, newest.version)
    first = client.images.get(tag).id
    assert client.images.get(f"{repository}:v{newest.version}").id == first
    build_image(Component.PROMETHEUS, tag)  # the same program: kept
    assert client.images.get(tag).id == first

    debian = programs_of_major(2)[Component.PROMETHEUS]
    said = programs.identify(debian)
    assert said is not None
    build_image(Component.PROMETHEUS, tag, binary=debian)
    assert packed(client, tag) == (debian, said[1])
    assert client.images.get(f"{repository}:v{said[1].split('+')[0]}").id == client.images.get(tag).id
    # The 3 image keeps its version tag; the one it replaced under :offline is not left dangling.
    assert client.images.get(f"{repository}:v{newest.version}").id == first
