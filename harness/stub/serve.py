"""Command line of the stub: ``python -m harness.stub`` (and ``firedrill stub``).

Usage::

    python -m harness.stub --profile customerio --port 8000 --lane a \\
        --otlp-endpoint http://127.0.0.1:4318 --log-file /tmp/stub.log --seed 7

or, wiring it into another CLI::

    >>> import argparse
import contextlib
    >>> parser = argparse.ArgumentParser(prog="firedrill stub")
    >>> add_arguments(parser)
    >>> parser.parse_args(["--port", "9000"]).port
    9000
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn

from harness.net import is_loopback
from harness.stub.app import create_app
from harness.stub.logs import build_logger, close_logger
from harness.stub.profile import ProfileError, load_profile
from harness.stub.tracing import build_tracer_provider

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the stub's options to ``parser``."""
    parser.add_argument("--profile", default="customerio", help="profile name in fixtures/profiles, or a YAML path")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--lane", default="a", help="lane name recorded in traces and logs")
    parser.add_argument("--otlp-endpoint", help="OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (no tracing if unset)")
    parser.add_argument("--log-file", type=Path, help="JSON-lines log file (default: a new temp dir)")
    parser.add_argument("--seed", type=int, help="seed for fault and latency random draws")
    parser.add_argument(
        "--no-redact", dest="redact", action="store_false", help="log request bodies without PII redaction"
    )


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn server that treats SIGTERM/SIGINT as "stop cleanly" and returns normally."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the captured signal on the way out, which would kill the
            # process before run() flushes buffered spans; forget it and exit 0 instead.
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured.clear()


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; return the process exit code."""
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not is_loopback(host):
        return _fail(f"refusing to bind non-loopback host {args.host!r}; use 127.0.0.1")
    if args.otlp_endpoint and not is_loopback(urlsplit(args.otlp_endpoint).hostname or ""):
        return _fail(f"refusing non-loopback OTLP endpoint {args.otlp_endpoint!r}")
    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        return _fail(str(exc).splitlines()[0])
    try:
        sock = _bind(host, args.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return _fail(f"port {args.port} on {host} is already in use; pick another with --port")
        return _fail(f"cannot bind {host}:{args.port}: {exc.strerror}")
    port = sock.getsockname()[1]
    log_file: Path = args.log_file or Path(tempfile.mkdtemp(prefix="firedrill-stub-")) / "stub.log"
    logger = build_logger(log_file)
    provider = build_tracer_provider(profile.service.name, args.lane, otlp_endpoint=args.otlp_endpoint)
    app = create_app(
        profile, lane=args.lane, tracer_provider=provider, logger=logger, redact_bodies=args.redact, seed=args.seed
    )
    print(
        f"firedrill stub: profile={profile.name} lane={args.lane} listening on http://{host}:{port} "
        f"tracing={'on' if provider else 'off'} log={log_file}",
        flush=True,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    try:
        _Server(config).run(sockets=[sock])
    finally:
        if provider is not None:
            provider.shutdown()
        close_logger(logger)
        sock.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the stub."""
    parser = argparse.ArgumentParser(prog="python -m harness.stub", description="firedrill instrumented stub service")
    add_arguments(parser)
    return run(parser.parse_args(argv))
