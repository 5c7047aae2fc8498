"""`make nlu`: how well the intent step understands the evaluation set's messages.

    python -m bot.eval                  the local classifier: figures, per intent, confusion matrix
    python -m bot.eval --calibrate      compute its "unclear" threshold on the set and store it
    python -m bot.eval --stack dev      replay the set against the dev stack's Lex alias (AWS credentials)
    python -m bot.eval --outputs F.json the same, bot and alias ids from a `pulumi stack output --json` file

Exit code 0 when the figures were measured (missed targets are reported, the unit tests fail on them),
1 when Lex could not answer some messages, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.classifier import LocalIntentClassifier
from bot.eval import calibration, lex
from bot.eval.dataset import BOT_FILE, CALIBRATION, MESSAGES, ROOT, load_cases, load_examples
from bot.eval.metrics import Report
from bot.eval.render import confusion, headline, per_intent, text_table

ClientFactory = Callable[[str | None, str | None], Any]


def lex_client(region: str | None, profile: str | None) -> Any:
    import boto3  # noqa: PLC0415 - only the replay against AWS needs it
    from botocore.config import Config  # noqa: PLC0415

    session = boto3.session.Session(profile_name=profile, region_name=region)
    return session.client(
        "lexv2-runtime", config=Config(retries={"mode": "standard", "total_max_attempts": 3})
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: ClientFactory = lex_client,
    run: lex.Runner | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eval", description=(__doc__ or "").splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack", help="replay against this Pulumi stack's Lex alias (needs AWS credentials)")
    where.add_argument("--outputs", type=Path, help="a `pulumi stack output --json` file naming the bot")
    where.add_argument(
        "--calibrate", action="store_true", help=f"store the threshold in {_shown(CALIBRATION)}"
    )
    parser.add_argument("--region", help="AWS region of the bot (default: the stack file's aws:region)")
    parser.add_argument("--profile", help="AWS profile to use")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if (options.region or options.profile) and not (options.stack or options.outputs):
        parser.error("--region and --profile apply to a replay against Lex (--stack or --outputs)")

    cases = load_cases()
    if options.stack or options.outputs:
        return _replay(options, cases, client_factory, run)
    classifier = LocalIntentClassifier(load_examples(), unclear_below=0.0)
    scored = calibration.score_cases(classifier, cases)
    computed = calibration.calibrate(scored)
    if options.calibrate:
        calibration.store(CALIBRATION, computed, len(cases))
        print(
            f"unclear below {computed}, calibrated on {len(cases)} messages: written to {_shown(CALIBRATION)}"
        )
        return 0

    threshold = float(calibration.stored(CALIBRATION)["unclearBelow"])
    shipped = Report.of((s.expected, calibration.answer(s, threshold)) for s in scored)
    validated = Report.of(calibration.cross_validated(scored))
    if options.json:
        print(
            json.dumps(
                {"threshold": threshold, "stored": shipped.as_dict(), "crossValidated": validated.as_dict()},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(f"The local classifier on {_shown(MESSAGES)} ({len(cases)} messages), from {_shown(BOT_FILE)}.")
    print(f"Threshold: unclear below {threshold} ({_shown(CALIBRATION)}, calibrated on this set).\n")
    _print_report(shipped)
    others = f"{calibration.FOLDS - 1}/{calibration.FOLDS}"
    print(f"\nCross-validated: each message answered with a threshold calibrated on the other {others}.\n")
    print(text_table(headline(validated)))
    if computed != threshold:
        print(
            f"\nThe stored threshold is stale: the files give {computed}. Run: python -m bot.eval --calibrate"
        )
    return 0


def _replay(
    options: argparse.Namespace, cases: list[Any], client_factory: ClientFactory, run: lex.Runner | None
) -> int:
    try:
        if options.stack:
            outputs = lex.stack_outputs(options.stack, **({"run": run} if run else {}))
            where = f"stack {options.stack}"
        else:
            outputs = lex.file_outputs(options.outputs)
            where = str(options.outputs)
        bot_id, alias_id = lex.bot_of(outputs, where)
    except lex.BotNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    region = options.region or (lex.stack_region(options.stack) if options.stack else None)
    classifier = lex.classifier_for(client_factory(region, options.profile), bot_id, alias_id)
    pairs, failures = lex.replay(classifier, cases)
    report = Report.of(pairs)
    if options.json:
        print(
            json.dumps(
                {
                    "bot": {"botId": bot_id, "botAliasId": alias_id},
                    "lex": report.as_dict(),
                    "failures": failures,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(
            f"Lex bot {bot_id}, alias {alias_id} ({where}) on {_shown(MESSAGES)} ({len(cases)} messages).\n"
        )
        _print_report(report)
    for failure in failures:
        print(f"not answered: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _print_report(report: Report) -> None:
    print(text_table(headline(report)))
    print()
    print(text_table(per_intent(report)))
    print("\nConfusion matrix (rows: expected, columns: answered):\n")
    print(text_table(confusion(report)))


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


if __name__ == "__main__":
    sys.exit(main())
