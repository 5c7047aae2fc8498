"""Every minute (schedule): end each request past its due time, with exactly one customer message."""

from typing import Any

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.sweep import sweep_overdue


@lambda_entry(Function.SWEEPER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    return {"swept": sweep_overdue(**bootstrap.for_sweeper())}
