"""RateLimit: a WAF web ACL for the CloudFront distribution, at most 100 API requests per client IP per
minute, answered with the API's own error shape and status 429.

CloudFront web ACLs live in us-east-1 whatever the stack's region: the web ACL names that region itself
(pulumi-aws 7's per-resource `region`), so it is made by the stack's own provider and with all of the
stack's AWS settings (profile, assume role, default tags, allowed accounts), not by a second provider
that would have to copy them. Only `/api/` is counted: a page view loads several static files, and
those are cached at the edge.
"""

from __future__ import annotations

import json

import attrs
import pulumi
import pulumi_aws as aws

from definitions.api_schemas import RATE_LIMITED

CLOUDFRONT_REGION = "us-east-1"
REQUESTS_PER_WINDOW = 100
WINDOW_SECONDS = 60
RATE_LIMITED_BODY_KEY = "rate-limited"


@attrs.frozen
class RateLimitArgs:
    name_prefix: str
    api_prefix: str


class RateLimit(pulumi.ComponentResource):
    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: RateLimitArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:RateLimit", name, None, opts)
        metric = f"{args.name_prefix}-api-rate"
        web_acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=f"{args.name_prefix}-site",
            description=f"At most {REQUESTS_PER_WINDOW} API requests per IP per {WINDOW_SECONDS} s",
            scope="CLOUDFRONT",
            region=CLOUDFRONT_REGION,
            default_action={"allow": {}},
            custom_response_bodies=[
                {
                    "key": RATE_LIMITED_BODY_KEY,
                    "content": json.dumps(RATE_LIMITED, ensure_ascii=False),
                    "content_type": "APPLICATION_JSON",
                }
            ],
            rules=[
                {
                    "name": "api-requests-per-ip",
                    "priority": 0,
                    "action": {
                        "block": {
                            "custom_response": {
                                "response_code": 429,
                                "custom_response_body_key": RATE_LIMITED_BODY_KEY,
                                "response_headers": [{"name": "retry-after", "value": str(WINDOW_SECONDS)}],
                            }
                        }
                    },
                    "statement": {
                        "rate_based_statement": {
                            "limit": REQUESTS_PER_WINDOW,
                            "evaluation_window_sec": WINDOW_SECONDS,
                            "aggregate_key_type": "IP",
                            "scope_down_statement": {
                                "byte_match_statement": {
                                    "search_string": f"{args.api_prefix}/",
                                    "positional_constraint": "STARTS_WITH",
                                    "field_to_match": {"uri_path": {}},
                                    "text_transformations": [{"priority": 0, "type": "NONE"}],
                                }
                            },
                        }
                    },
                    "visibility_config": {
                        "cloudwatch_metrics_enabled": True,
                        "metric_name": metric,
                        "sampled_requests_enabled": True,
                    },
                }
            ],
            visibility_config={
                "cloudwatch_metrics_enabled": True,
                "metric_name": f"{args.name_prefix}-site",
                "sampled_requests_enabled": True,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.web_acl_arn = web_acl.arn
        self.register_outputs({"webAclArn": self.web_acl_arn})
