"""The command line (exit codes, one-line errors) and the StubProcess wrapper."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

import httpx
import pytest

from harness.stub.control import StubControlError
from harness.stub.process import StubProcess, StubStartError
from harness.stub.serve import add_arguments, run
from tests.unit.stub_support import SHOP


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_defaults() -> None:
    args = parse()
    assert (args.profile, args.port, args.host, args.lane, args.redact) == ("customerio", 8000, "127.0.0.1", "a", True)
    assert parse("--no-redact").redact is False


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.com", "::"])
def test_refuses_non_loopback(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse("--host", host)) == 2
    err = capsys.readouterr().err.strip()
    assert "non-loopback" in err and "\n" not in err


def test_refuses_non_loopback_otlp(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse("--otlp-endpoint", "http://10.0.0.1:4318")) == 2
    assert "non-loopback" in capsys.readouterr().err


def test_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert run(parse("--port", str(port))) == 2
    err = capsys.readouterr().err.strip()
    assert "is already in use; pick others with --port/--listen" in err
    assert "\n" not in err


def test_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse("--profile", "nope")) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_stub_process_lifecycle() -> None:
    stub = StubProcess(seed=4, lane="z")
    with stub:
        pid = stub.pid
        assert pid is not None and stub.address == f"127.0.0.1:{stub.port}"
        assert stub.control.health()["lane"] == "z"
        stub.control.set([{"kind": "error", "rate": 1}])
        assert httpx.post(f"{stub.url}/v1/track", json={}).status_code == 500
        with pytest.raises(StubControlError, match="no operation 'refund'"):
            stub.control.add({"kind": "error", "rate": 1, "operation": "refund"})
        assert len(stub.control.clear()["faults"]) == 0
        assert "customerio_requests_total" in httpx.get(stub.metrics_url).text
    assert stub.pid is None
    stub.stop()  # idempotent
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not stub.workdir.exists()  # its own temp dir goes with it


def test_stub_process_keeps_a_given_workdir_and_logs_per_service(tmp_path: Path) -> None:
    with StubProcess(profile=SHOP, workdir=tmp_path / "stub") as stub:
        assert set(stub.urls) == {"shop-api", "shop-jobs"}
        assert httpx.post(f"{stub.urls['shop-jobs']}/v1/jobs", json={}).status_code == 200
        assert "shop_job_queue_size" in httpx.get(f"{stub.urls['shop-jobs']}/metrics").text
    assert '"event":"enqueue 200"' in stub.log_files["shop-jobs"].read_text()


def test_stub_process_start_failure_reports_output(tmp_path: Path) -> None:
    stub = StubProcess(profile=SHOP, ports={"shop-api": 1})  # port 1 needs root on most machines, or is taken
    if os.geteuid() == 0:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            stub = StubProcess(profile=SHOP, ports={"shop-api": busy.getsockname()[1]})
            with pytest.raises(StubStartError, match="already in use"), stub:
                pass
    else:
        with pytest.raises(StubStartError, match="exited"), stub:
            pass


def test_unknown_profile_is_an_input_error() -> None:
    from harness.stub.profile import ProfileError

    with pytest.raises(ProfileError, match="unknown profile"):
        StubProcess(profile="nope")
