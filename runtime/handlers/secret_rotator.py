"""Secrets Manager's rotation of the link-signing secret: one step per invocation."""

from typing import Any

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.rotate_secret import rotate_link_secret


@lambda_entry(Function.SECRET_ROTATOR)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    keys = bootstrap.signing_keys(event["SecretId"])
    rotate_link_secret(event["Step"], event["ClientRequestToken"], keys=keys)
    return {"step": event["Step"]}
