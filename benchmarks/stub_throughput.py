"""Throughput of one stub process, driven over loopback from a separate client process.

For each profile (Customer.io, and ``benchmarks/profiles/labelled.yaml``: five labelled families and 50-value
label pools), runs twice: metrics only, then with tracing at 100% exported over OTLP/HTTP (to a real Jaeger
when ``jaeger`` is on PATH, else to a local endpoint that accepts and discards). Prints req/s and the p99
latency the stub adds on top of the simulated downstream latency (observed minus the
``X-Firedrill-Simulated-Ms`` header). Targets: >= 2000 req/s metrics-only, >= 1000 req/s traced. Prints only;
no assertions.

Usage::

    .venv/bin/python benchmarks/stub_throughput.py [--seconds 5] [--connections 160] [--clients 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import workdir as harness_workdir  # noqa: E402
from harness.net import free_port  # noqa: E402
from harness.stub import SIMULATED_HEADER  # noqa: E402
from harness.stub.process import StubProcess  # noqa: E402

MAX_REQUESTS_PER_CLIENT = 200_000
PROFILES = ("customerio", str(Path(__file__).resolve().parent / "profiles" / "labelled.yaml"))
PATHS = ("/v1/track", "/v1/identify", "/v1/send/email")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _request_bytes(host: str, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _connection(host: str, port: int, deadline: float, budget: int, overheads: list[float]) -> int:
    """One keep-alive connection sending requests back to back; returns the error count."""
    reader, writer = await asyncio.open_connection(host, port)
    requests = [_request_bytes(f"{host}:{port}", path, b'{"userId": "bench"}') for path in PATHS]
    marker = SIMULATED_HEADER.lower().encode() + b":"
    errors = 0
    try:
        for i in range(budget):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            writer.write(requests[i % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length, simulated = 0, 0.0
            for line in head.split(b"\r\n")[1:]:
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                elif lower.startswith(marker):
                    simulated = float(line.split(b":", 1)[1])
            await reader.readexactly(length)
            observed_ms = (time.perf_counter() - started) * 1000
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
                continue
            overheads.append(observed_ms - simulated)
    finally:
        writer.close()
    return errors


def client_main(url: str, seconds: float, connections: int) -> None:
    """Client process: keep ``connections`` requests in flight for ``seconds``; print a JSON summary.

    A hand-rolled HTTP/1.1 client on asyncio streams, because a full client library
    costs more CPU per request than the stub itself and would measure the client.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    overheads: list[float] = []

    async def run() -> int:
        deadline = time.monotonic() + seconds
        budget = MAX_REQUESTS_PER_CLIENT // connections
        counts = await asyncio.gather(
            *(_connection(host, int(port), deadline, budget, overheads) for _ in range(connections))
        )
        return sum(counts)

    started = time.monotonic()
    errors = asyncio.run(run())
    elapsed = time.monotonic() - started
    print(json.dumps({"ok": len(overheads), "errors": errors, "elapsed": elapsed, "overheads": overheads}))


def drive(url: str, seconds: float, connections: int, clients: int) -> tuple[float, float, float, int]:
    """Run ``clients`` client processes in parallel; return (req/s, p50 and p99 added ms, errors)."""
    cmd = [sys.executable, __file__, "--client", url, "--seconds", str(seconds), "--connections", str(connections)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(clients)]
    results = [json.loads(p.communicate(timeout=seconds + 60)[0].strip().splitlines()[-1]) for p in procs]
    total = sum(r["ok"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    overheads = [o for r in results for o in r["overheads"]]
    errors = sum(r["errors"] for r in results)
    return total / elapsed, percentile(overheads, 0.5), percentile(overheads, 0.99), errors


class _Discard(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature from base class
        pass


@contextmanager
def otlp_sink() -> Iterator[tuple[str, str]]:
    """An OTLP/HTTP endpoint: real Jaeger if available, else accept-and-discard."""
    jaeger = shutil.which("jaeger")
    if jaeger is None:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Discard)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", "discarding OTLP endpoint (no jaeger on PATH)"
        finally:
            server.shutdown()
        return
    workdir = harness_workdir.make_dir("bench-jaeger")
    otlp, query, grpc = free_port(), free_port(), free_port()
    config = {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["jaeger_storage_exporter"]}
            },
            "telemetry": {"metrics": {"level": "none"}},
        },
        "extensions": {
            "jaeger_storage": {"backends": {"mem": {"memory": {"max_traces": 100000}}}},
            "jaeger_query": {
                "storage": {"traces": "mem"},
                "http": {"endpoint": f"127.0.0.1:{query}"},
                "grpc": {"endpoint": f"127.0.0.1:{grpc}"},
            },
        },
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{otlp}"}}}},
        "processors": {"batch": {}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "mem"}},
    }
    (workdir / "jaeger.yaml").write_text(yaml.safe_dump(config))
    with open(workdir / "jaeger.log", "wb") as log:
        proc = subprocess.Popen([jaeger, "--config", str(workdir / "jaeger.yaml")], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{query}/api/v3/services", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{otlp}", f"real jaeger ({jaeger}), in-memory storage"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        harness_workdir.remove_dir(workdir)


def _line(mode: str, rps: float, p50: float, p99: float, errors: int, target: int) -> str:
    added = f"added p50 {p50:5.1f} ms p99 {p99:6.1f} ms"
    return f"  {mode:<12} : {rps:6.0f} req/s  {added}  errors {errors}  (target >= {target})"


def main() -> int:
    """Run both benchmark modes and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=160, help="keep-alive connections per client process")
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.seconds = min(args.seconds, 30.0)  # bounded load, whatever was asked
    if args.client:
        client_main(args.client, args.seconds, args.connections)
        return 0
    print(
        f"stub throughput: {args.clients} client process(es) x {args.connections} connections, {args.seconds:.0f}s each"
    )
    for profile in PROFILES:
        print(f" profile {Path(profile).stem if '/' in profile else profile}:")
        with StubProcess(profile=profile, seed=1) as stub:
            rps, p50, p99, errors = drive(stub.url, args.seconds, args.connections, args.clients)
        print(_line("metrics only", rps, p50, p99, errors, target=2000))
        with otlp_sink() as (endpoint, what), StubProcess(profile=profile, seed=1, otlp_endpoint=endpoint) as stub:
            rps, p50, p99, errors = drive(stub.url, args.seconds, args.connections, args.clients)
        print(_line("tracing 100%", rps, p50, p99, errors, target=1000))
    print(f"  trace sink   : {what}")
    print("  (added = observed minus simulated downstream latency; at saturation it is mostly queueing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
