"""`make reliability`: start a local stack, run every check at full size, print the table.

Exits non-zero if any check fails. `--quick` runs the sizes `make test` uses. Function logs go to
build/reliability/lambda.log (JSON lines, as Lambda writes them); the console gets the table.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import attrs

from local.stack import LocalStack
from reliability.abuse import (
    check_around_the_site,
    check_reservation_flood,
    check_rotation,
    check_wrong_phone_guesses,
)
from reliability.api_fuzz import check_api_fuzz
from reliability.crashes import check_crash_matrix
from reliability.fault_checks import check_faults
from reliability.invariants import check_invariants
from reliability.load import check_load
from reliability.product import Product
from reliability.races import check_respond_race, check_submit_race
from reliability.report import Row, problems, table
from reliability.tokens import check_tokens

LOG_FILE = Path("build/reliability/lambda.log")
REPORT_FILE = Path("build/reliability/table.md")


@attrs.frozen
class Sizes:
    tokens: int = 10_000
    answer_race: int = 50
    submit_race: int = 20
    flows: int = 1000
    concurrency: int = 100
    fuzz_examples: int = 100
    crash_flows: int = 3
    flood_submits: int = 200
    guesses: int = 100
    partner_timeout: int = 30
    # Seconds a customer has to decide on a proposed time (a lapse is seen within the run).
    decision_timeout: int = 20
    # The sweeper runs this often here (every minute in AWS), so its backstop is seen within the run.
    sweep_period: int = 10


QUICK = Sizes(
    tokens=200,
    flows=20,
    concurrency=10,
    fuzz_examples=15,
    crash_flows=2,
    flood_submits=60,
    guesses=30,
    partner_timeout=10,
    decision_timeout=8,
    sweep_period=5,
)
# The functions keep the link secret this long here (five minutes in AWS), so the rotation check
# sees a retired secret refused within the run.
LINK_SECRET_CACHE_SECONDS = 2


def checks(sizes: Sizes) -> list[tuple[str, Callable[[Product], Sequence[Row]]]]:
    """In the order they run: the load first, on a fresh emulator, which slows as it fills."""
    return [
        ("load", lambda p: [check_load(p, flows=sizes.flows, concurrency=sizes.concurrency)]),
        (
            "races",
            lambda p: [
                check_respond_race(p, concurrency=sizes.answer_race),
                check_submit_race(p, concurrency=sizes.submit_race),
            ],
        ),
        (
            "limits",
            lambda p: [
                check_reservation_flood(p, submits=sizes.flood_submits),
                check_wrong_phone_guesses(p, guesses=sizes.guesses),
                check_around_the_site(p),
            ],
        ),
        ("faults", check_faults),
        ("crash matrix", lambda p: check_crash_matrix(p, flows=sizes.crash_flows)),
        ("tokens", lambda p: [check_tokens(p, count=sizes.tokens)]),
        ("api fuzz", lambda p: [check_api_fuzz(p, examples=sizes.fuzz_examples)]),
        ("rotation", lambda p: [check_rotation(p)]),
    ]


def run(sizes: Sizes, console: TextIO) -> list[Row]:
    """Every check in turn on one stack; the table's invariants are checked after each of them."""
    rows: list[Row] = []
    scans: list[Row] = []
    with LocalStack(
        partner_timeout_seconds=sizes.partner_timeout,
        customer_decision_seconds=sizes.decision_timeout,
        sweep_period_seconds=sizes.sweep_period,
        log_level="WARNING",
        link_secret_cache_seconds=LINK_SECRET_CACHE_SECONDS,
    ) as stack:
        product = Product(stack)
        for name, check in checks(sizes):
            print(f"running {name}...", file=console, flush=True)
            started = time.perf_counter()
            try:
                found = list(check(product))
            except Exception as error:  # noqa: BLE001 - a crashed check is a failed row, the run goes on
                product.clear_faults()
                found = [Row(name, f"crashed: {type(error).__name__}", False, problems=(repr(error),))]
            rows += found
            scans.append(check_invariants(product))
            for row in found:
                verdict = "pass" if row.passed else "FAIL"
                print(f"  {verdict}  {row.name}: {row.figure}", file=console, flush=True)
            print(f"  ({time.perf_counter() - started:.0f} s)", file=console, flush=True)
    rows.append(_invariants_row(scans))
    return rows


def _invariants_row(scans: list[Row]) -> Row:
    violations = tuple(problem for scan in scans for problem in scan.problems)
    return Row(
        "invariants: forward statuses, events, answers told, one notice, places freed, none untold past due",
        f"{len(scans)} scans, last: {scans[-1].figure}",
        passed=all(scan.passed for scan in scans),
        seconds=sum(scan.seconds for scan in scans),
        problems=violations,
    )


def main(argv: list[str] | None = None) -> int:
    options = _parse(argv)
    sizes = QUICK if options.quick else Sizes()
    overrides = {k: v for k, v in vars(options).items() if k != "quick" and v is not None}
    sizes = attrs.evolve(sizes, **overrides)
    console = sys.stdout
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with LOG_FILE.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        rows = run(sizes, console)
    arguments = sys.argv[1:] if argv is None else argv
    command = f"python -m reliability {' '.join(arguments)}" if arguments else "make reliability"
    report = f"{table(rows)}\n\n`{command}`: {time.perf_counter() - started:.0f} s in all.\n"
    REPORT_FILE.write_text(report, encoding="utf-8")
    print(f"\n{report}", file=console)
    if failed := problems(rows):
        print(failed, file=console)
        return 1
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small sizes `make test` uses")
    for name in attrs.fields_dict(Sizes):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, dest=name, default=None)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
