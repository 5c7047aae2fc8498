"""`make local` as a person runs it: a banner with the addresses, a clear word on a busy port, Ctrl-C;
and the stack's description for tools (build/local/stack.json), there while it runs, gone after.

Each run is in a folder of its own (as if it were the repository), so a developer's own running
stack and its files are never touched."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from local.emulator import STARTUP_SECONDS

ROOT = Path(__file__).resolve().parents[2]


# What the local stack allows its emulator to start, twice over: a start, or a stop after one.
PATIENCE = 2 * STARTUP_SECONDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port: int, folder: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--partner-timeout", "30"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def ops(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops", "--local", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def wait_until_serving(port: int, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/config.json", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # bound at once, serving once the emulator is up
            time.sleep(0.2)
    raise AssertionError(f"nothing served on port {port}")


def test_the_banner_a_busy_port_and_ctrl_c(tmp_path):
    port = free_port()
    stack_file = tmp_path / "build/local/stack.json"
    first = start(port, tmp_path)
    try:
        wait_until_serving(port)
        second = start(port, tmp_path)
        second_output, _ = second.communicate(timeout=PATIENCE)

        assert second.returncode == 2
        assert stack_file.exists()  # the stack that failed to start leaves the running one's file alone
        assert f"Port {port} is already in use" in second_output
        assert f"make local PORT={port + 1}" in second_output
        assert (
            requests.get(f"http://127.0.0.1:{port}/config.json", timeout=5).json()["partnerTimeoutSeconds"]
            == 30
        )
        described = json.loads(stack_file.read_text())
        assert described["siteUrl"] == f"http://127.0.0.1:{port}"
        assert described["partnerTimeoutSeconds"] == 30
        assert described["endpointUrl"].startswith("http://127.0.0.1:")
        assert {"region", "tableName", "streamArn", "stateMachineArn", "deadLetterQueueUrl"} <= set(described)
        figures = ops(tmp_path, "stats", "--json")
        assert figures.returncode == 0, figures.stderr
        assert json.loads(figures.stdout)["total"] == 0
    finally:
        first.send_signal(signal.SIGINT)
        first_output, _ = first.communicate(timeout=PATIENCE)

    assert first.returncode == 0
    assert f"Customer page   http://127.0.0.1:{port}/" in first_output
    assert f"SMS outbox      http://127.0.0.1:{port}/_local/outbox" in first_output
    assert "make ops ARGS='--local requests --status Timeout'" in first_output
    assert "Stopping the local stack" in first_output
    assert "Traceback" not in first_output
    assert not stack_file.exists()  # removed on a clean stop
    gone = ops(tmp_path, "stats")
    assert gone.returncode == 1 and "no local stack is running here" in gone.stderr
