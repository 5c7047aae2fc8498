"""SNS (the SMS configuration set's delivery events): each outcome on its request's timeline; an
undeliverable link SMS fails the request. A failure is raised, so Lambda retries the delivery."""

from runtime import bootstrap
from runtime.adapters.sms_events import delivery_outcomes
from runtime.contract import Function
from runtime.entrypoint import lambda_entry
from runtime.services.sms_delivery import record_delivery


@lambda_entry(Function.SMS_DELIVERY)
def handle(event, context):
    dependencies = bootstrap.for_closing()
    for outcome in delivery_outcomes(event):
        record_delivery(outcome, **dependencies)
