"""The offline image builder: pack locally installed binaries into images laid out like the official ones.

For air-gapped CI where no registry is reachable: `firedrill images build` takes the `prometheus`,
`alertmanager`, `jaeger` and blackbox exporter programs the processes provider would run (the newest Prometheus
and Alertmanager installed, or the ones named), with the shared libraries they load, and `docker import`s each as
a minimal image whose entrypoint, config path and data dir match the official image, so the containers provider
runs them unchanged. An image is rebuilt when the program it packs is no longer the one chosen.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import programs
from harness.errors import StackError
from harness.stack.containers import docker_client, image_present
from harness.stack.processes import INSTALL_HINTS, VERSIONED, find_binary
from harness.stack.spec import Component

_DEFAULT_PROMETHEUS = b"global:\n  scrape_interval: 15s\nscrape_configs: []\n"
_DEFAULT_ALERTMANAGER = b"route:\n  receiver: default\nreceivers:\n  - name: default\n"
_DEFAULT_BLACKBOX = b"modules:\n  http_2xx:\n    prober: http\n"


@dataclass(frozen=True)
class ImageLayout:
    """Where the official image keeps things, and how it starts."""

    binary_path: str
    entrypoint: list[str]
    cmd: list[str]
    files: dict[str, bytes]
    dirs: list[str]
    ports: list[int]
    workdir: str = "/"
    # Files or trees a distribution's build reads at run time (e.g. Debian's Alertmanager templates).
    host_files: tuple[str, ...] = ()


LAYOUTS: dict[Component, ImageLayout] = {
    Component.PROMETHEUS: ImageLayout(
        "/bin/prometheus",
        ["/bin/prometheus"],
        ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
        {"/etc/prometheus/prometheus.yml": _DEFAULT_PROMETHEUS},
        ["/prometheus"],
        [9090],
        "/prometheus",
        ("/usr/share/prometheus/web",),
    ),
    Component.ALERTMANAGER: ImageLayout(
        "/bin/alertmanager",
        ["/bin/alertmanager"],
        ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"],
        {"/etc/alertmanager/alertmanager.yml": _DEFAULT_ALERTMANAGER},
        ["/alertmanager"],
        [9093],
        "/alertmanager",
        ("/usr/share/prometheus/alertmanager",),
    ),
    Component.JAEGER: ImageLayout(
        "/cmd/jaeger/jaeger-linux",
        ["/cmd/jaeger/jaeger-linux"],
        [],
        {},
        ["/tmp/jaeger"],
        [4317, 4318, 5778, 9411, 13133, 14250, 14268, 16686],
    ),
    # prom/blackbox-exporter: the binary at /bin/blackbox_exporter, its config at /etc/blackbox_exporter/.
    Component.BLACKBOX: ImageLayout(
        "/bin/blackbox_exporter",
        ["/bin/blackbox_exporter"],
        ["--config.file=/etc/blackbox_exporter/config.yml"],
        {"/etc/blackbox_exporter/config.yml": _DEFAULT_BLACKBOX},
        [],
        [9115],
    ),
}


def offline_tag(component: Component, prefix: str = "firedrill") -> str:
    """The offline image name for `component`, e.g. `firedrill/prometheus:offline`."""
    return f"{prefix}/{component.value}:offline"


def shared_libraries(binary: str) -> list[str]:
    """Absolute paths of the shared libraries `binary` loads (empty for a static binary)."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True)
    libraries = []
    for line in result.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libraries.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libraries.append(parts[0])
    return libraries


def build_rootfs(component: Component, binary: str) -> bytes:
    """A root filesystem tarball holding the binary, its libraries and the official layout."""
    layout = LAYOUTS[component]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add_dir(tar, "/tmp", mode=0o1777)
        for directory in layout.dirs:
            _add_dir(tar, directory, mode=0o777)
        _add_file(tar, layout.binary_path, Path(binary).read_bytes(), mode=0o755)
        for library in shared_libraries(binary):
            _add_file(tar, library, Path(library).resolve().read_bytes(), mode=0o755)
        _add_file(
            tar,
            "/etc/passwd",
            b"root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        )
        _add_file(tar, "/etc/group", b"root:x:0:\nnobody:x:65534:\n")
        _add_file(tar, "/etc/nsswitch.conf", b"hosts: files dns\n")
        for path, content in layout.files.items():
            _add_file(tar, path, content)
        for root in map(Path, layout.host_files):
            for found in [root, *sorted(root.rglob("*"))] if root.exists() else []:
                if found.is_file():
                    _add_file(tar, str(found), found.read_bytes())
    return buffer.getvalue()


def packed(client: Any, tag: str) -> tuple[str, str] | None:
    """(binary path, version) that the image ``tag`` was packed from, per its labels; None when it is absent."""
    if not image_present(client, tag):
        return None
    labels = client.images.get(tag).labels or {}
    return labels.get("org.firedrill.binary", ""), labels.get("org.firedrill.version", "")


def build_image(component: Component, tag: str | None = None, force: bool = False, binary: str | None = None) -> str:
    """Build the offline image for ``component`` from ``binary`` (default: the program the processes provider
    runs, i.e. the newest Prometheus and Alertmanager); kept when it already packs that program at that version
    and not ``force``. Prometheus and Alertmanager images are also tagged with their version
    (``firedrill/prometheus:v3.16.0``). Returns ``tag``.

    Example:
        >>> build_image(Component.PROMETHEUS)   # doctest: +SKIP
        'firedrill/prometheus:offline'
    """
    tag = tag or offline_tag(component)
    binary = find_binary(component, binary)
    if binary is None:
        raise StackError(f"images: no {component.value} binary to pack; {INSTALL_HINTS[component]}")
    said = programs.identify(binary) if component in VERSIONED else None
    version = said[1] if said else ""
    client = docker_client()
    repository, _, name = tag.rpartition(":")
    version_tag = f"v{version.split('+')[0]}" if version else None
    if not force and packed(client, tag) == (binary, version):
        if version_tag and not image_present(client, f"{repository}:{version_tag}"):
            client.api.tag(tag, repository, version_tag)
        return tag
    replaced = client.images.get(tag).id if image_present(client, tag) else None
    layout = LAYOUTS[component]
    changes = [
        f"ENTRYPOINT {_json(layout.entrypoint)}",
        f"CMD {_json(layout.cmd)}",
        f"WORKDIR {layout.workdir}",
        *[f"EXPOSE {port}" for port in layout.ports],
        f"LABEL org.opencontainers.image.source=firedrill-offline org.firedrill.binary={binary} "
        f"org.firedrill.version={version}",
    ]
    with tempfile.NamedTemporaryFile(suffix=".tar") as rootfs:
        rootfs.write(build_rootfs(component, binary))
        rootfs.flush()
        client.api.import_image_from_file(rootfs.name, repository=repository, tag=name, changes=changes)
    if packed(client, tag) != (binary, version):
        raise StackError(f"images: docker import of {tag} did not produce an image; check `docker images`")
    if version_tag:
        client.api.tag(tag, repository, version_tag)
    if replaced is not None and not client.images.get(replaced).tags:
        client.images.remove(replaced)  # the image this one replaced, now untagged: no dangling copies
    return tag


def build_all(
    prefix: str = "firedrill", force: bool = False, binaries: dict[Component, str] | None = None
) -> dict[Component, str]:
    """Offline images for Prometheus, Alertmanager, Jaeger and the blackbox exporter (Grafana has no local binary
    to pack); ``binaries`` picks other programs than the newest (e.g. Debian's Prometheus 2)."""
    chosen = binaries or {}
    return {c: build_image(c, offline_tag(c, prefix), force, chosen.get(c)) for c in LAYOUTS}


def _json(items: list[str]) -> str:
    import json

    return json.dumps(items)


def _add_dir(tar: tarfile.TarFile, path: str, mode: int) -> None:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, path: str, content: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(path.lstrip("/"))
    info.size = len(content)
    info.mode = mode
    tar.addfile(info, io.BytesIO(content))
