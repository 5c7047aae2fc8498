"""`make local`: run the product at http://127.0.0.1:$PORT/ until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TextIO

from local.emulator import LOCAL_CUSTOMER_DECISION_SECONDS, SAMPLE_RESERVATIONS
from local.faults import FaultInvalid, parse_faults
from local.gateway import LOCAL_STACK_HEADER
from local.stack import LocalStack
from runtime.adapters.sample_data import read_reservations
from runtime.domain.deadlines import check_decision_window, check_reminder_after
from runtime.domain.limits import NO_LIMITS, Limits
from runtime.domain.phone import mask_phone

LOG_FILE = Path("build/local/lambda.log")
# Where the running stack describes itself for tools (`python -m ops --local`); removed on stop.
STACK_FILE = Path("build/local/stack.json")
# Faults to start with, as JSON (what POST /_local/faults takes), e.g.
# LOCAL_FAULTS='{"target": "sms", "mode": "transient", "times": 4}' make local
FAULTS_VARIABLE = "LOCAL_FAULTS"


def main(argv: list[str] | None = None) -> int:
    """Function logs and metrics go to LOG_FILE, as Lambda writes them; people read the console."""
    options = _parse(argv)
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stdout
    with LOG_FILE.open("a", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        return _run(options, console)


def _run(options: argparse.Namespace, console: TextIO) -> int:
    if options.reminder_after is not None:
        try:
            check_reminder_after(options.reminder_after, options.partner_timeout)
        except ValueError as error:
            print(f"REMINDER_AFTER cannot be used: {error}", file=console)
            return 2
    try:
        check_decision_window(options.decision_timeout)
    except ValueError as error:
        print(f"DECISION_TIMEOUT cannot be used: {error}", file=console)
        return 2
    try:
        stack = LocalStack(
            host=options.host,
            port=options.port,
            partner_timeout_seconds=options.partner_timeout,
            token_ttl_seconds=options.token_ttl,
            reminder_after_seconds=options.reminder_after,
            customer_decision_seconds=options.decision_timeout,
            log_level=options.log_level,
            limits=Limits() if options.limits == "on" else NO_LIMITS,
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(
                f"Port {options.port} is already in use (is another `make local` running?).\n"
                f"Stop it, or choose another port: make local PORT={options.port + 1}",
                file=console,
            )
            return 2
        raise
    if options.faults:
        try:
            stack.faults.set(*parse_faults(json.loads(options.faults)))
        except (json.JSONDecodeError, FaultInvalid) as error:
            print(f"{FAULTS_VARIABLE} is not a usable fault description: {error}", file=console)
            return 2
    stopped = threading.Event()
    # Ctrl-C and a plain kill stop it cleanly, also where a parent started it with SIGINT ignored
    # (a shell's background job does): the handlers are set, not inherited.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopped.set())
    stack.aws.outbox.listeners.append(
        lambda sms: print(f"SMS to {mask_phone(sms.to)}: {sms.body}", file=console, flush=True)
    )
    stack.start()
    stack.write_outputs(STACK_FILE)
    print(_banner(stack), file=console, flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
        print("\nStopping the local stack...", file=console, flush=True)
    finally:
        STACK_FILE.unlink(missing_ok=True)
        stack.stop()
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--partner-timeout", type=int, default=300, help="seconds the partner has to answer")
    parser.add_argument("--token-ttl", type=int, default=600, help="seconds a partner link stays valid")
    parser.add_argument(
        "--reminder-after",
        type=int,
        default=None,
        help="seconds after the SMS when a silent partner is reminded once (default: 60%% of the timeout)",
    )
    parser.add_argument(
        "--decision-timeout",
        type=int,
        default=LOCAL_CUSTOMER_DECISION_SECONDS,
        help="seconds a customer has to decide on a time the partner proposed (then it lapses)",
    )
    parser.add_argument(
        "--faults",
        default=os.environ.get(FAULTS_VARIABLE, ""),
        help=f"faults to start with, as JSON (default: ${FAULTS_VARIABLE}); see /_local/faults",
    )
    parser.add_argument("--log-level", default="INFO", help=f"function log level (JSON lines in {LOG_FILE})")
    parser.add_argument(
        "--limits",
        choices=("on", "off"),
        default="on",
        help="the abuse limits (per reservation, customer phone and partner phone); off for load tests",
    )
    return parser.parse_args(argv)


def _banner(stack: LocalStack) -> str:
    sample = read_reservations(SAMPLE_RESERVATIONS)[0]
    phone = "0" + sample.customer_phone.removeprefix("+82")
    readable_phone = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return "\n".join(
        [
            "",
            "Partner Confirm is running on this machine (no AWS account needed).",
            f"  Customer page   {stack.url}/",
            f"  SMS outbox      {stack.url}/_local/outbox   (open the partner's link from here)",
            f"  API (OpenAPI)   {stack.url}/api/openapi.json",
            f"  Faults          {stack.url}/_local/faults   (GET shows; POST sets and DELETE clears,"
            f" with the header {LOCAL_STACK_HEADER}: 1)",
            f"  AWS emulator    {stack.aws.endpoint}",
            f"  Partner timeout {stack.partner_timeout_seconds} s (reminder after"
            f" {stack.reminder_after_seconds} s), link valid {stack.token_ttl_seconds} s",
            f"  Decision time   {stack.customer_decision_seconds} s for a customer to decide on a"
            " proposed time",
            f"  Limits          {_limits(stack.limits)}",
            f"  Function logs   {LOG_FILE} (JSON lines and metrics, as Lambda writes them)",
            f"  Operators       make ops ARGS='--local requests --status Timeout' (this stack: {STACK_FILE})",
            f"  Try reservation {sample.reservation_number} with phone {readable_phone}"
            " (more in infra/sample_reservations.json).",
            "Press Ctrl-C to stop.",
        ]
    )


def _limits(limits: Limits) -> str:
    if limits == NO_LIMITS:
        return "off (make local LIMITS=on restores them)"
    return (
        f"{limits.open_per_reservation} open and {limits.requests_per_reservation_per_day} a day per "
        f"reservation, {limits.unmatched_per_phone_per_hour} unmatched lookups per phone and "
        f"{limits.sms_per_partner_per_hour} SMS per partner an hour (make local LIMITS=off lifts them)"
    )


if __name__ == "__main__":
    sys.exit(main())
