"""Loopback ports: pick free ones, and fail early and clearly when a requested one is taken."""

from __future__ import annotations

import socket

from harness.errors import StackError

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on `host` right now.

    Example:
        >>> 1024 < free_port() < 65536
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(port: int, owner: str, host: str = LOOPBACK) -> None:
    """Raise a one-line StackError when `port` on `host` is already bound by someone else."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise StackError(
                f"{owner}: port {port} on {host} is already in use; stop whatever holds it "
                f"(`ss -ltnp 'sport = :{port}'`) or leave the port unset to pick a free one"
            ) from None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only addresses firedrill sends traffic to."""
    return host == "localhost" or host == "::1" or host.startswith("127.")
