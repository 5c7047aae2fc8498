"""A request that needs a person: the operators are told, with the command that shows it to them."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import MetricWriter, OperatorAlerts
from runtime.contract import LOCAL_STAGE, Metric
from runtime.domain.kst import format_kst
from runtime.domain.model import Request, Status

log = structlog.get_logger()
_WHAT = {Status.TIMEOUT: "the partner did not answer in time", Status.FAILED: "it failed"}


def escalate(request: Request, *, alerts: OperatorAlerts, metrics: MetricWriter, stage: str) -> None:
    """`request`: as stored when it ended Timeout, or Failed for a system reason (delivered from the
    table's stream, at least once: a repeated delivery sends the e-mail again, never loses it).
    The message holds no personal data: the operator looks the request up."""
    reason = f" ({request.failure_reason})" if request.failure_reason else ""
    target = "--local" if stage == LOCAL_STAGE else f"--stack {stage}"
    subject = f"[partner-confirm {stage}] request {request.status}{reason}"
    message = "\n".join(
        [
            f"Request {request.request_id} ended {request.status}{reason}: {_WHAT.get(request.status, '')}.",
            f"Reservation {request.reservation_number}, {request.intent} ({request.intent.label}), "
            f"created {format_kst(request.created_at)} KST.",
            "The customer has been (or is being) told. To see its timeline and call the partner:",
            "",
            f"    python -m ops {target} show {request.request_id} --reveal",
            "",
            "To give the partner a fresh attempt (new link, new SMS):",
            "",
            f'    python -m ops {target} redrive {request.request_id} --reason "..."',
        ]
    )
    alerts.alert(subject, message)
    metrics.count(Metric.ESCALATIONS)
    log.info("request_escalated", status=request.status, reason=request.failure_reason)
