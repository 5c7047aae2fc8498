"""SNS (the SMS configuration set's delivery events): each outcome on its request's timeline; an
undeliverable link SMS fails the request. A failure is raised, so Lambda retries the delivery."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.sms_events import delivery_outcomes
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.sms_delivery import record_delivery


@lambda_entry(Function.SMS_DELIVERY)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_closing()
    outcomes = delivery_outcomes(event)
    for outcome in outcomes:
        record_delivery(outcome, **dependencies)
    return {"recorded": len(outcomes)}
