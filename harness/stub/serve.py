"""Command line of the stub: ``python -m harness.stub`` (and ``firedrill stub``).

Every service of the profile listens on its own loopback port (``--listen SERVICE=PORT``; ``--port`` for a
one-service profile), all served by one process. Logs go to ``LOG_DIR/<service>.log`` (JSON lines).

Usage::

    python -m harness.stub --profile customerio --port 8000 --lane a \\
        --otlp-endpoint http://127.0.0.1:4318 --log-dir /tmp/stub-logs --seed 7
    python -m harness.stub --profile tokpulse --listen tokpulse-api=3000 --listen tokpulse-jobs=3001 ...

or, wiring it into another CLI::

    >>> import argparse
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
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn

from harness import workdir
from harness.errors import InputError
from harness.net import is_loopback
from harness.stub.app import create_app
from harness.stub.profile import Profile, load_profile
from harness.stub.runtime.tracing import build_tracer_provider

EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the stub's options to ``parser``."""
    parser.add_argument("--profile", default="customerio", help="profile name, or a YAML path")
    parser.add_argument("--port", type=int, default=8000, help="port of the first service (0 = any free port)")
    parser.add_argument("--listen", action="append", default=[], metavar="SERVICE=PORT",
                        help="port of a service (repeatable; services not named get any free port)")  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--lane", default="a", help="lane name recorded in traces and logs")
    parser.add_argument("--otlp-endpoint", help="OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (no tracing if unset)")
    parser.add_argument("--log-dir", type=Path, help="directory for <service>.log (default: a temp dir, removed)")
    parser.add_argument("--seed", type=int, help="seed for fault, label and latency random draws")
    parser.add_argument("--compress", type=float, default=1.0, help="time compression of the drill (summary windows)")
    parser.add_argument("--no-redact", dest="redact", action="store_false", help="log without PII redaction")
    parser.add_argument("--keep", action="store_true", help="keep the default log directory on exit (prints it)")


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


def _ports(profile: Profile, args: argparse.Namespace) -> dict[str, int]:
    ports = {profile.services[0].name: args.port}
    for item in args.listen:
        name, sep, port = item.partition("=")
        if not sep or not port.isdigit():
            raise InputError(f"--listen {item!r}: expected SERVICE=PORT")
        if name not in profile.service_names:
            raise InputError(f"--listen {item!r}: no service {name!r}; known: {', '.join(profile.service_names)}")
        ports[name] = int(port)
    return {name: ports.get(name, 0) for name in profile.service_names}


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; return the process exit code."""
    host = "127.0.0.1" if args.host == "localhost" else args.host
    if not is_loopback(host):
        return _fail(f"refusing to bind non-loopback host {args.host!r}; use 127.0.0.1")
    if args.otlp_endpoint and not is_loopback(urlsplit(args.otlp_endpoint).hostname or ""):
        return _fail(f"refusing non-loopback OTLP endpoint {args.otlp_endpoint!r}")
    try:
        profile = load_profile(args.profile)
        wanted = _ports(profile, args)
    except InputError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_USAGE
    sockets: dict[str, socket.socket] = {}
    try:
        for name, port in wanted.items():
            sockets[name] = _bind(host, port)
    except OSError as exc:
        for sock in sockets.values():
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            return _fail(f"a port of {list(wanted)} on {host} is already in use; pick others with --port/--listen")
        return _fail(f"cannot bind {host}: {exc.strerror}")
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    made_dir = args.log_dir is None
    log_dir: Path = args.log_dir or workdir.make_dir("stub", keep=args.keep)
    providers = {name: build_tracer_provider(name, args.lane, otlp_endpoint=args.otlp_endpoint)
                 for name in profile.service_names}  # fmt: skip
    app = create_app(profile, lane=args.lane, seed=args.seed, k=args.compress, providers=providers, log_dir=log_dir,
                     redact=args.redact, ports=ports)  # fmt: skip
    listening = " ".join(f"{name}=http://{host}:{port}" for name, port in ports.items())
    print(f"firedrill stub: profile={profile.name} lane={args.lane} listening {listening} "
          f"tracing={'on' if args.otlp_endpoint else 'off'} logs={log_dir}", flush=True)  # fmt: skip
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2)
    try:
        _Server(config).run(sockets=list(sockets.values()))
    finally:
        for provider in providers.values():
            if provider is not None:
                provider.shutdown()
        app.stub.close()
        for sock in sockets.values():
            sock.close()
        if made_dir and not args.keep:
            workdir.remove_dir(log_dir)
        elif made_dir:
            print(f"firedrill stub: logs kept in {log_dir}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the stub."""
    parser = argparse.ArgumentParser(prog="python -m harness.stub", description="firedrill instrumented stub service")
    add_arguments(parser)
    return run(parser.parse_args(argv))
