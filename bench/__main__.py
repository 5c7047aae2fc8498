"""`make bench`: the performance budgets measured side by side, printed and written to BENCHMARKS.md.

    python -m bench                   measure, print the table, rewrite BENCHMARKS.md
    python -m bench --save-baseline   the same, and record the figures as the "before" column

A missed budget is reported, not failed: the command fails only if a measurement itself breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import calls, cold_start, nlu, package, pages, report, sms, throughput
from bench.figures import Section

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
BASELINE = ROOT / "bench" / "baseline.json"
FIGURES = ROOT / "build" / "bench" / "figures.json"
STACK_LOG = ROOT / "build" / "bench" / "stack.log"
SAMPLES = ROOT / "infra" / "sample_reservations.json"

SECTIONS: tuple[tuple[str, Callable[[], Section]], ...] = (
    ("AWS calls per flow", calls.measure),
    ("cold starts", cold_start.measure),
    ("package sizes", lambda: package.measure(ROOT)),
    ("SMS", lambda: sms.measure(SAMPLES)),
    ("local stack throughput", lambda: throughput.measure(SAMPLES)),
    ("page weights", lambda: pages.measure(ROOT / "site")),
    ("intent understanding", nlu.measure),
)


def measure_all() -> list[Section]:
    STACK_LOG.parent.mkdir(parents=True, exist_ok=True)
    sections = []
    # The handlers log and emit metrics on stdout, as in Lambda: into a file here, the table stays readable.
    with STACK_LOG.open("w", encoding="utf-8") as log:
        for name, measure in SECTIONS:
            print(f"measuring {name}...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            with contextlib.redirect_stdout(log):
                sections.append(measure())
            print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return sections


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--save-baseline", action="store_true", help=f"also write {BASELINE.relative_to(ROOT)}"
    )
    options = parser.parse_args(argv)

    started, measured_at = time.perf_counter(), datetime.now(UTC)
    sections = measure_all()
    seconds = time.perf_counter() - started
    machine, commit = report.this_machine(), report.commit_of(ROOT)
    if options.save_baseline:
        report.save_baseline(BASELINE, sections, machine=machine, commit=commit)
    baseline = report.load_baseline(BASELINE)

    print()
    print(report.console_table(sections, baseline))
    BENCHMARKS.write_text(
        report.benchmarks_markdown(
            sections,
            baseline=baseline,
            machine=machine,
            measured_at=measured_at,
            commit=commit,
            seconds=seconds,
        ),
        encoding="utf-8",
    )
    FIGURES.write_text(
        json.dumps({f.key: f.value for s in sections for f in s.figures}, indent=2) + "\n", encoding="utf-8"
    )
    failed = report.missed(sections)
    print(f"\n{len(failed)} budget(s) missed." if failed else "\nEvery budget is met.")
    print(f"Took {seconds / 60:.1f} min. Written: {BENCHMARKS.name}, {FIGURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
