"""Loopback ports for the stack: fail early and clearly when a requested one is taken."""

from __future__ import annotations

import socket

from harness.errors import StackError
from harness.net import LOOPBACK, free_port, is_loopback

__all__ = ["LOOPBACK", "ensure_port_free", "free_port", "is_loopback"]


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
