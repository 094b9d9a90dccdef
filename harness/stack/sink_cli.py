"""`firedrill sink`: the notification sink alone, in the foreground, printing one line per delivery.

docker-compose runs it next to Alertmanager, whose rendered config sends every receiver's notifications here,
so `docker-compose logs -f sink` shows which receiver each alert reached.

Example::

    $ firedrill sink --port 9099
    firedrill sink: listening on http://127.0.0.1:9099 (Alertmanager webhooks to /receiver/<name>)
    2026-11-25T13:09:37Z receiver=team-customerio status=firing alerts=CioHighErrorRate
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import TextIO

from harness.errors import FiredrillError
from harness.stack.sink import NotificationSink, WebhookDelivery

DEFAULT_PORT = 9099


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sink's options to `parser`.

    Example:
        >>> parser = argparse.ArgumentParser(prog="firedrill sink")
        >>> add_arguments(parser)
        >>> parser.parse_args(["--host", "0.0.0.0"]).port
        9099
    """
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 inside a container)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to bind (default {DEFAULT_PORT})")


def delivery_line(delivery: WebhookDelivery) -> str:
    """One delivery as the line `firedrill sink` prints.

    Example:
        >>> d = WebhookDelivery("team", "firing", [], {}, received_at=0.0)
        >>> delivery_line(d)
        '1970-01-01T00:00:00Z receiver=team status=firing alerts=-'
    """
    when = datetime.fromtimestamp(delivery.received_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts = ",".join(delivery.alertnames) or "-"
    return f"{when} receiver={delivery.receiver or '-'} status={delivery.status or '-'} alerts={alerts}"


def serve(host: str, port: int, stop: threading.Event, out: TextIO | None = None) -> None:
    """Record and print deliveries on `host:port` until `stop` is set.

    Example:
        >>> stop = threading.Event(); stop.set()
        >>> serve("127.0.0.1", 0, stop)  # doctest: +ELLIPSIS
        firedrill sink: listening on http://127.0.0.1:... (Alertmanager webhooks to /receiver/<name>)
    """
    out = out or sys.stdout  # looked up per call, so a replaced sys.stdout is honoured
    lock = threading.Lock()

    def show(delivery: WebhookDelivery) -> None:
        # Deliveries arrive on the server's threads; one lock keeps their lines whole.
        with lock:
            print(delivery_line(delivery), file=out, flush=True)

    try:
        sink = NotificationSink(host=host, port=port, on_delivery=show)
    except OSError as exc:
        raise FiredrillError(
            f"sink: cannot bind {host}:{port} ({exc.strerror}); pick another --port or stop what holds it"
        ) from None
    with sink:
        print(f"firedrill sink: listening on {sink.url} (Alertmanager webhooks to /receiver/<name>)", file=out,
              flush=True)  # fmt: skip
        # A bounded wait, so a signal handler setting `stop` is noticed promptly on any platform.
        while not stop.wait(0.5):
            pass


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; exit 0.

    Example::

        $ firedrill sink --host 0.0.0.0 --port 9099
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # As PID 1 in a container a process ignores SIGTERM unless it handles it: `docker stop` would wait 10 s.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    serve(args.host, args.port, stop)
    return 0
