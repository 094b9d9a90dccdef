"""The containers provider: official images (or offline-built ones) run with Testcontainers.

Bridge networking with published ports is the default, portable to Docker Desktop and CI runners.
Host networking is an option for machines where every byte must stay on loopback: then each program is
told to listen on 127.0.0.1 at a free port, exactly as the processes provider does.
"""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
import time
from typing import Any

from harness.errors import StackError
from harness.stack.launch import CONTAINER_DIRS, STANDARD_PORTS, Launch, Wiring, loopback_ports
from harness.stack.ports import LOOPBACK
from harness.stack.provider import Provider, Running
from harness.stack.spec import Component, StackSpec, image_for

HOST_ALIAS = "host.docker.internal"


def docker_client(timeout: float = 5.0) -> Any:
    """A docker-py client that has answered a ping, or a StackError saying how to get a daemon."""
    try:
        import docker

        client = docker.from_env(timeout=int(max(timeout, 1)))
        client.ping()
        return client
    except Exception as exc:  # docker raises several unrelated types for "no daemon"
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise StackError(
            f"containers: no Docker daemon answers ({reason}); "
            "start one with `make docker` (installs and starts dockerd) or use --stack processes"
        ) from None


def image_present(client: Any, image: str) -> bool:
    import docker.errors

    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_image(client: Any, image: str, pull: bool = True) -> None:
    """Make sure `image` is available locally, pulling it if allowed; StackError with the fix if not."""
    if image_present(client, image):
        return
    if pull:
        try:
            client.images.pull(image)
            return
        except Exception as exc:
            reason = str(exc).splitlines()[0][:160]
            raise StackError(
                f"containers: image {image} is not present and could not be pulled ({reason}); "
                "build offline images with `firedrill images build` and point FIREDRILL_IMAGE_* at them"
            ) from None
    raise StackError(
        f"containers: image {image} is not present; pull it or build offline images with `firedrill images build`"
    )


class Container(Running):
    def __init__(self, component: Component, container: Any, ports: dict[str, int], host_network: bool):
        self.component = component
        self._container = container
        self._ports = ports
        self._host_network = host_network
        self._stopped = False

    @property
    def ident(self) -> str:
        return f"container {self.container_id[:12]}"

    @property
    def container_id(self) -> str:
        return str(self._container.get_container_id())

    def address(self, port: str = "web") -> str:
        if self._host_network:
            return f"{LOOPBACK}:{self._ports[port]}"
        mapped = self._container.get_exposed_port(self._ports[port])
        return f"{LOOPBACK}:{mapped}"

    def alive(self) -> bool:
        try:
            self._container.get_wrapped_container().reload()
            return self._container.get_wrapped_container().status in ("created", "running")
        except Exception:
            return False

    def exit_reason(self) -> str:
        try:
            wrapped = self._container.get_wrapped_container()
            wrapped.reload()
            state = wrapped.attrs.get("State") or {}
        except Exception:
            return "is gone (the container no longer exists)"
        if state.get("OOMKilled"):
            return "was killed for using too much memory"
        return f"{state.get('Status', 'stopped')} with exit code {state.get('ExitCode', '?')}"

    def logs(self, lines: int = 20) -> str:
        try:
            stdout, stderr = self._container.get_logs()
        except Exception:
            return ""
        text = (stdout + stderr).decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def put_files(self, files: dict[str, bytes]) -> None:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            for path, content in files.items():
                info = tarfile.TarInfo(path.lstrip("/"))
                info.size, info.mode, info.mtime = len(content), 0o644, int(time.time())
                tar.addfile(info, io.BytesIO(content))
        if not self._container.get_wrapped_container().put_archive("/", archive.getvalue()):
            raise StackError(f"{self.component.value}: could not copy config files into {self.ident}")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            # By id: testcontainers removes exactly the container it created.
            self._container.stop(force=True, delete_volume=True)
        except Exception:
            pass


class ContainerProvider(Provider):
    """Runs each component as a container of its (configurable) image."""

    name = "containers"

    def __init__(self, network: str = "bridge", pull: bool | None = None) -> None:
        self._host_network = network == "host"
        # FIREDRILL_PULL=never keeps an air-gapped run from reaching for a registry at all.
        self._pull = pull if pull is not None else os.environ.get("FIREDRILL_PULL", "missing") != "never"
        self._network: Any = None
        self._ports: dict[Component, dict[str, int]] = {}
        self._images: dict[Component, str] = {}

    def check(self, spec: StackSpec) -> None:
        client = docker_client()
        self._images = {c: image_for(c, spec.images) for c in spec.components}
        if not image_present(client, "testcontainers/ryuk:0.8.1"):
            # Ryuk's image is usually absent where images are offline; we end our containers by id ourselves.
            os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
        for image in self._images.values():
            ensure_image(client, image, pull=self._pull)

    def wiring(self, spec: StackSpec) -> Wiring:
        if self._host_network:
            ports = loopback_ports(spec)
            self._ports = ports
            return Wiring(LOOPBACK, ports, lambda c, p: f"{LOOPBACK}:{ports[c][p]}", lambda address: address)
        self._ports = STANDARD_PORTS
        return Wiring(
            listen_host="0.0.0.0",
            ports=STANDARD_PORTS,
            peer=lambda c, p: f"{c.value}:{STANDARD_PORTS[c][p]}",
            from_inside=_via_host_gateway,
        )

    def dirs(self, component: Component) -> tuple[str, str]:
        return CONTAINER_DIRS[component]

    def start(self, launch: Launch) -> Running:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.network import Network

        image = self._images.get(launch.component) or image_for(launch.component)
        container = DockerContainer(image).with_command(launch.args) if launch.args else DockerContainer(image)
        for key, value in launch.env.items():
            container.with_env(key, value)
        if launch.component is Component.JAEGER:
            container.with_env("JAEGER_LISTEN_HOST", LOOPBACK if self._host_network else "0.0.0.0")
        for path, content in launch.files.items():
            container.with_copy_into_container(content, path)
        if self._host_network:
            container.with_kwargs(network_mode="host")
        else:
            if self._network is None:
                self._network = Network().create()
            container.with_network(self._network).with_network_aliases(launch.component.value)
            container.with_exposed_ports(*self._ports[launch.component].values())
            container.with_kwargs(extra_hosts={HOST_ALIAS: "host-gateway"})
        try:
            container.start()
        except Exception as exc:
            raise StackError(f"{launch.component.value}: container {image} failed to start: {exc}") from None
        return Container(launch.component, container, self._ports[launch.component], self._host_network)

    def close(self) -> None:
        if self._network is not None:
            with contextlib.suppress(Exception):
                self._network.remove()
            self._network = None


def _via_host_gateway(address: str) -> str:
    host, _, port = address.rpartition(":")
    return f"{HOST_ALIAS}:{port}" if host in (LOOPBACK, "localhost") else address
