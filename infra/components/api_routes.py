"""ApiRoutes: definitions/routes.py's routes on the HTTP API, each a Lambda proxy integration (payload 2.0)
that API Gateway, and only this API's route, may invoke."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs
import pulumi
import pulumi_aws as aws

from definitions.routes import Route
from runtime.contract import Function

_PATH_PARAMETER = re.compile(r"\{\w+\}")


@attrs.frozen
class ApiRoutesArgs:
    api_id: pulumi.Input[str]
    execution_arn: pulumi.Input[str]
    routes: Sequence[Route]
    function_arns: Mapping[Function, pulumi.Input[str]]


class ApiRoutes(pulumi.ComponentResource):
    def __init__(self, name: str, args: ApiRoutesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:ApiRoutes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        integrations: dict[Function, aws.apigatewayv2.Integration] = {}
        for function in dict.fromkeys(route.function for route in args.routes):
            integrations[function] = aws.apigatewayv2.Integration(
                f"{name}-{function}",
                api_id=args.api_id,
                integration_type="AWS_PROXY",
                integration_uri=args.function_arns[function],
                payload_format_version="2.0",
                opts=child,
            )
        for route in args.routes:
            route_name = f"{name}-{route.operation_id}"
            aws.apigatewayv2.Route(
                route_name,
                api_id=args.api_id,
                route_key=route.key,
                operation_name=route.operation_id,
                target=pulumi.Output.concat("integrations/", integrations[route.function].id),
                opts=child,
            )
            aws.lambda_.Permission(
                f"{route_name}-invoke",
                action="lambda:InvokeFunction",
                function=args.function_arns[route.function],
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    args.execution_arn, "/*/", route.method, _arn_path(route.path)
                ),
                opts=child,
            )
        self.register_outputs({})


def _arn_path(path: str) -> str:
    """`/api/requests/{requestId}` -> `/api/requests/*`: the source ARN names the request's path."""
    return _PATH_PARAMETER.sub("*", path)
