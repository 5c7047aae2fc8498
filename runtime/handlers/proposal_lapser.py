"""Workflow (Catch States.Timeout of the decision wait): the proposal lapses, unless it was decided."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.workflow_payloads import decided_result
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.proposal import lapse_proposal


@lambda_entry(Function.PROPOSAL_LAPSER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    state = lapse_proposal(event["requestId"], **bootstrap.for_proposal_lapser())
    return decided_result(event["requestId"], state)
