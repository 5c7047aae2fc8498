"""The HTTP API: routes from definitions/routes.py as Lambda proxy integrations, throttled and logged."""

from __future__ import annotations

import json
import re

import pytest
from infra_helpers import lambda_of, setting

from definitions.routes import ROUTES, Route
from infra.offline.mock_run import Deployment

API = "aws:apigatewayv2/api:Api"
ROUTE = "aws:apigatewayv2/route:Route"
INTEGRATION = "aws:apigatewayv2/integration:Integration"


def test_an_http_api_with_a_throttled_auto_deployed_default_stage(deployment: Deployment) -> None:
    assert deployment.one(API).inputs["protocolType"] == "HTTP"
    stage = deployment.one("aws:apigatewayv2/stage:Stage").inputs
    assert stage["name"] == "$default"
    assert stage["autoDeploy"] is True
    throttle = setting(deployment.stack, "apiThrottle")
    assert stage["defaultRouteSettings"]["throttlingRateLimit"] == throttle["rateLimit"]
    assert stage["defaultRouteSettings"]["throttlingBurstLimit"] == throttle["burstLimit"]


def test_access_logs_are_json_lines_in_their_own_log_group(deployment: Deployment) -> None:
    settings = deployment.one("aws:apigatewayv2/stage:Stage").inputs["accessLogSettings"]
    log_group = deployment.one("aws:cloudwatch/logGroup:LogGroup", "api-access-logs")
    assert settings["destinationArn"] == log_group.outputs["arn"]
    fields = json.loads(settings["format"])
    assert fields["requestId"] == "$context.requestId"
    assert {"status", "routeKey", "ip", "latencyMs"} <= set(fields)


def test_the_api_has_exactly_the_shared_routes(deployment: Deployment) -> None:
    keys = [route.inputs["routeKey"] for route in deployment.of_type(ROUTE)]
    assert sorted(keys) == sorted(route.key for route in ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_each_route_proxies_to_its_function_with_payload_v2(deployment: Deployment, route: Route) -> None:
    api_id = deployment.one(API).id
    declared = next(r for r in deployment.of_type(ROUTE) if r.inputs["routeKey"] == route.key)
    assert declared.inputs["apiId"] == api_id
    integration = next(
        i for i in deployment.of_type(INTEGRATION) if declared.inputs["target"] == f"integrations/{i.id}"
    )
    assert integration.inputs["apiId"] == api_id
    assert integration.inputs["integrationType"] == "AWS_PROXY"
    assert integration.inputs["payloadFormatVersion"] == "2.0"
    assert integration.inputs["integrationUri"] == lambda_of(deployment, route.function).outputs["arn"]


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_only_this_api_route_may_invoke_the_function(deployment: Deployment, route: Route) -> None:
    execution_arn = deployment.one(API).outputs["executionArn"]
    function_arn = lambda_of(deployment, route.function).outputs["arn"]
    # Any stage, this method, this path with each path parameter as a wildcard.
    expected_source = f"{execution_arn}/*/{route.method}" + re.sub(r"\{\w+\}", "*", route.path)
    permissions = [
        p.inputs
        for p in deployment.of_type("aws:lambda/permission:Permission")
        if p.inputs.get("sourceArn") == expected_source
    ]
    assert len(permissions) == 1, expected_source
    assert permissions[0]["function"] == function_arn
    assert permissions[0]["principal"] == "apigateway.amazonaws.com"
    assert permissions[0]["action"] == "lambda:InvokeFunction"


def test_every_invoke_permission_belongs_to_a_route_the_secrets_rotation_or_the_sms_events(
    deployment: Deployment,
) -> None:
    permissions = deployment.of_type("aws:lambda/permission:Permission")
    by_api = [p for p in permissions if p.inputs["principal"] == "apigateway.amazonaws.com"]
    assert len(by_api) == len(ROUTES)
    rotation, sms_events = sorted(
        (p for p in permissions if p not in by_api), key=lambda p: p.inputs["principal"]
    )
    assert rotation.inputs["principal"] == "secretsmanager.amazonaws.com"
    assert sms_events.inputs["principal"] == "sns.amazonaws.com"
    assert sms_events.inputs["sourceArn"] == deployment.exports["smsEventsTopicArn"]
