"""Argument parsing and `main`: the target, one subcommand, and one-line errors for what is expected
to go wrong (exit 1); argparse's own usage errors exit 2; success exits 0."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ops.audit import AUDIT_LOG
from ops.commands import dead_letters, export, redrive, requests, show, stats, unclear
from ops.context import Context
from ops.errors import OpsError
from ops.targets import LOCAL_STACK_FILE, Target, local_target, outputs_file_target, stack_names, stack_target
from runtime.domain.errors import DependencyUnavailable

COMMANDS = (requests, show, redrive, export, stats, dead_letters, unclear)
EPILOG = f"""\
Days are UTC days: the table's status index is bucketed by the UTC day a request reached its status.
Times shown to people are KST. Phone numbers are masked; `show --reveal` shows them and is recorded
in {AUDIT_LOG}, as is every redrive. AWS is called with your own credentials (AWS_PROFILE, SSO...).

examples:
  python -m ops --local requests --status Timeout
  python -m ops --stack demo show 0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f
  python -m ops --outputs demo-outputs.json redrive ID --reason "partner called back"
  make ops ARGS="--local stats"
"""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m ops",
        description="Partner Confirm's operators' command line: look at requests, export them,\n"
        "read the dead-letter queue, give a timed-out or failed request a fresh attempt.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = top.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--local", action="store_true", help=f"the stack `make local` runs here (reads {LOCAL_STACK_FILE})"
    )
    where.add_argument(
        "--stack",
        choices=stack_names(),
        help="a deployed stack, through `pulumi stack output --json --stack STACK` (needs the Pulumi CLI)",
    )
    where.add_argument(
        "--outputs",
        type=Path,
        metavar="FILE",
        help="a deployed stack, through a saved `pulumi stack output --json`",
    )
    commands = top.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return top


def target_of(args: argparse.Namespace) -> Target:
    if args.local:
        return local_target()
    if args.stack:
        return stack_target(args.stack)
    return outputs_file_target(args.outputs)


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    session: Any = None,
) -> int:
    """`session`: the boto3 session to call AWS with (default: the operator's own)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        context = Context(target_of(args), out=out, err=err, session=session)
        return int(args.run(args, context))
    except OpsError as error:
        print(f"ops: {error}", file=err)
    except NoCredentialsError:
        print("ops: no AWS credentials found (set AWS_PROFILE, or log in with `aws sso login`)", file=err)
    except (DependencyUnavailable, BotoCoreError) as error:
        print(f"ops: AWS did not answer: {_unreachable(error, args)}", file=err)
    except ClientError as error:
        found = error.response.get("Error", {})
        print(
            f"ops: AWS refused {error.operation_name}: {found.get('Code', '?')}: {found.get('Message', '')}",
            file=err,
        )
    except KeyboardInterrupt:
        print("ops: interrupted", file=err)
        return 130
    except BrokenPipeError:
        # The reader stopped reading (`| head`): say nothing more, and let nothing be flushed to it.
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 1


def _unreachable(error: Exception, args: argparse.Namespace) -> str:
    if args.local:
        return f"{error} (is `make local` still running? its {LOCAL_STACK_FILE} may be left from a stop)"
    return str(error)
