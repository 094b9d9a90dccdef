"""Loopback networking helpers: every server firedrill starts listens on, and every request goes to, loopback."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

LOOPBACK = "127.0.0.1"

# Ports handed out lately, and when. A port is only reserved once its program binds it, a moment later; with
# drills starting at once, the kernel may offer the same free port to two of them in that moment.
_HANDED_OUT: dict[int, float] = {}
_HANDED_OUT_LOCK = threading.Lock()
_RESERVE_S = 60.0


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on `host` right now, and not handed out by this process in the last minute.

    Example:
        >>> 1024 < free_port() < 65536
        True
        >>> len({free_port() for _ in range(200)})
        200
    """
    with _HANDED_OUT_LOCK:
        now = time.monotonic()
        for port in [p for p, at in _HANDED_OUT.items() if now - at > _RESERVE_S]:
            del _HANDED_OUT[port]
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((host, 0))
                port = int(sock.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT[port] = now
                return port


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1.

    Example:
        >>> is_loopback("127.0.0.2"), is_loopback("::1"), is_loopback("10.0.0.1")
        (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
