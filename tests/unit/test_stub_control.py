"""The stub control client against a real HTTP/1.1 server that keeps connections alive."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.stub.control import StubControl


class _Faults(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client closes
    connections = 0  # one handler, and one handle(), per connection

    def handle(self) -> None:
        _Faults.connections += 1
        super().handle()

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps({"faults": json.loads(body)["faults"], "seed": 7, "version": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Faults.connections = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Faults)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_every_call_opens_its_own_connection(server: str) -> None:
    """A phase's PUT never rides a connection left idle since the last phase, which the stub may be closing."""
    with StubControl(server) as control:
        assert control.set([{"kind": "error", "rate": 0.1}])["faults"] == [{"kind": "error", "rate": 0.1}]
        assert control.set([])["faults"] == []
    assert _Faults.connections == 2
