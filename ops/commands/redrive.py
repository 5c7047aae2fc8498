"""`redrive ID --reason TEXT`: a request that ended Timeout or Failed (told, never answered) gets a
fresh partner attempt: a new SMS with a new link, recorded as a Redriven event with the reason and
who asked. One conditional write; the orchestrator starts the attempt's workflow from the table's
stream, as for a new request."""

from __future__ import annotations

import argparse
from datetime import timedelta

from ops import audit, render
from ops.context import Context
from ops.errors import OpsError
from runtime.contract import StackOutput
from runtime.domain.errors import RedriveRefused, RequestNotFound
from runtime.domain.redrive import REASON_MAX_LENGTH, clean_reason
from runtime.services.redrive import redrive_request


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "redrive",
        help="give a timed-out or failed request a fresh partner attempt",
        description="Give a request that ended Timeout or Failed (its customer told, no partner answer, "
        "its reservation matched) a fresh partner attempt: a new SMS with a new link, and a new "
        "message for the customer when it ends. Refused for a request that is open, answered or "
        "unmatched. The reason and who asked are recorded on the request's timeline and in "
        f"{audit.AUDIT_LOG}.",
    )
    parser.add_argument("request_id", metavar="REQUEST_ID")
    parser.add_argument(
        "--reason",
        required=True,
        help=f"why (recorded with the request; at most {REASON_MAX_LENGTH} characters)",
    )
    parser.add_argument("--json", action="store_true", help="the redriven request as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    reason = clean_reason(args.reason)
    if reason is None:
        raise OpsError(f"--reason must say why, in 1 to {REASON_MAX_LENGTH} characters")
    partner_timeout = timedelta(seconds=context.target.require(StackOutput.PARTNER_TIMEOUT_SECONDS))
    context.target.require(StackOutput.RETENTION_DAYS)  # the TTL of what the redrive writes
    workflow = context.workflow
    operator = audit.identify(context.client("sts"))
    try:
        redriven = redrive_request(
            args.request_id,
            details={"reason": reason, "operator": operator.user, "principal": operator.principal},
            repository=context.repository,
            workflow=workflow,
            clock=context.clock,
            partner_timeout=partner_timeout,
        )
    except RequestNotFound:
        raise OpsError(f"request {args.request_id} not found in {context.target.source}") from None
    except RedriveRefused as refused:
        raise OpsError(str(refused)) from None
    # The table's Redriven event records who and why; the local audit file keeps the operator's own trail.
    try:
        audit.record(
            "request_redriven",
            operator=operator,
            target=context.target,
            at=render.iso(redriven.updated_at) or "",
            err=context.err,
            requestId=redriven.request_id,
            attempt=redriven.attempt,
            reason=reason,
        )
    except OpsError as error:
        raise OpsError(f"{error}: the request was redriven all the same (its timeline records it)") from None
    if args.json:
        print(
            render.json_line(
                {
                    "requestId": redriven.request_id,
                    "status": str(redriven.status),
                    "attempt": redriven.attempt,
                    "workflow": redriven.workflow_name,
                    "dueAt": render.iso(redriven.due_at),
                    "reason": reason,
                }
            ),
            file=context.out,
        )
        return 0
    print(
        f"Request {redriven.request_id} redriven: attempt {redriven.attempt}, status {redriven.status}.\n"
        f"Its workflow {redriven.workflow_name} starts from the table's stream and texts the partner a new "
        f"link; the customer is told again by {render.kst(redriven.due_at)} at the latest.\n"
        f"Follow it with: python -m ops {context.target.option} show {redriven.request_id}",
        file=context.out,
    )
    return 0
