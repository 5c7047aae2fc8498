"""`make local` as a person runs it: a banner with the addresses, a clear word on a busy port, Ctrl-C."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--partner-timeout", "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/config.json", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # bound at once, serving once the emulator is up
            time.sleep(0.2)
    raise AssertionError(f"nothing served on port {port}")


def test_the_banner_a_busy_port_and_ctrl_c():
    port = free_port()
    first = start(port)
    try:
        wait_until_serving(port)
        second = start(port)
        second_output, _ = second.communicate(timeout=60)

        assert second.returncode == 2
        assert f"Port {port} is already in use" in second_output
        assert f"make local PORT={port + 1}" in second_output
        assert (
            requests.get(f"http://127.0.0.1:{port}/config.json", timeout=5).json()["partnerTimeoutSeconds"]
            == 30
        )
    finally:
        first.send_signal(signal.SIGINT)
        first_output, _ = first.communicate(timeout=60)

    assert first.returncode == 0
    assert f"Customer page   http://127.0.0.1:{port}/" in first_output
    assert f"SMS outbox      http://127.0.0.1:{port}/_local/outbox" in first_output
    assert "Stopping the local stack" in first_output
    assert "Traceback" not in first_output
