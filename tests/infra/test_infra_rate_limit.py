"""The WAF rate limit: present exactly when the stack enables it, in us-east-1, 100 per IP per minute."""

from __future__ import annotations

import json

from infra_helpers import setting

from definitions.api_schemas import RATE_LIMITED
from infra.offline.mock_run import Deployment

WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def test_the_web_acl_exists_exactly_when_the_stack_file_enables_it(deployment: Deployment) -> None:
    enabled = setting(deployment.stack, "wafRateLimit")
    acls = deployment.of_type(WEB_ACL)
    web_acl_id = deployment.one("aws:cloudfront/distribution:Distribution").inputs.get("webAclId")
    if enabled:
        assert len(acls) == 1
        assert web_acl_id == acls[0].outputs["arn"]
    else:
        assert acls == []
        assert web_acl_id is None


def test_cloudfront_web_acls_are_created_in_us_east_1_with_the_stacks_aws_settings(
    deployments: dict[str, Deployment],
) -> None:
    """The web ACL names its region itself and is made by the stack's default provider, so the
    stack's aws:* settings (profile, assume role, default tags) apply to it as to everything else."""
    demo = deployments["demo"]
    acl = demo.one(WEB_ACL)
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert acl.inputs["region"] == "us-east-1"
    assert ":us-east-1:" in acl.outputs["arn"]
    assert acl.provider is None  # the default provider, configured from the stack's aws:* settings
    assert demo.of_type("pulumi:providers:aws") == []  # no second provider to keep in step
    assert all(r.provider is None for r in demo.resources if r.custom)


def test_100_api_requests_per_ip_per_minute_then_429_in_the_api_error_shape(
    deployments: dict[str, Deployment],
) -> None:
    acl = deployments["demo"].one(WEB_ACL).inputs
    assert acl["defaultAction"] == {"allow": {}}
    (rule,) = acl["rules"]
    rate = rule["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["evaluationWindowSec"], rate["aggregateKeyType"]) == (100, 60, "IP")
    scope = rate["scopeDownStatement"]["byteMatchStatement"]
    assert (scope["searchString"], scope["positionalConstraint"]) == ("/api/", "STARTS_WITH")
    response = rule["action"]["block"]["customResponse"]
    assert response["responseCode"] == 429
    (body,) = acl["customResponseBodies"]
    assert body["key"] == response["customResponseBodyKey"]
    assert body["contentType"] == "APPLICATION_JSON"
    assert json.loads(body["content"]) == RATE_LIMITED
    assert set(RATE_LIMITED["error"]) == {"code", "message"}
    assert any("\uac00" <= ch <= "\ud7a3" for ch in RATE_LIMITED["error"]["message"])  # Korean text
