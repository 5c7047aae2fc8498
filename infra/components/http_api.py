"""HttpApi: the API Gateway HTTP API, its `$default` stage (throttled, access-logged) and log group.

Routes are a separate component (ApiRoutes): the site's CDN needs this API's address, the functions
need the site's address, and the routes need the functions. Creating the API first breaks that cycle.
"""

from __future__ import annotations

import json

import attrs
import pulumi
import pulumi_aws as aws

from infra.config import ApiThrottle

# One JSON object per request; $context variables are filled in by API Gateway.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
}


@attrs.frozen
class HttpApiArgs:
    name_prefix: str
    throttle: ApiThrottle
    log_retention_days: int


class HttpApi(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    execution_arn: pulumi.Output[str]
    origin_domain: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=f"{args.name_prefix}-api",
            protocol_type="HTTP",
            description="Partner Confirm: customer and partner endpoints, served under the site's /api",
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{args.name_prefix}-api",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_rate_limit": args.throttle.rate_limit,
                "throttling_burst_limit": args.throttle.burst_limit,
            },
            access_log_settings={"destination_arn": access_logs.arn, "format": json.dumps(ACCESS_LOG_FORMAT)},
            opts=child,
        )
        self.api_id = api.id
        self.execution_arn = api.execution_arn
        self.url = api.api_endpoint
        # CloudFront wants a host name: `https://abc.execute-api.ap-northeast-2.amazonaws.com` -> host.
        self.origin_domain = api.api_endpoint.apply(lambda endpoint: endpoint.removeprefix("https://"))
        self.register_outputs({"apiId": self.api_id, "url": self.url})
