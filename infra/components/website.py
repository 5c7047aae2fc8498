"""Site: the static pages in a private S3 bucket behind CloudFront, with the API on the same origin.

The bucket blocks every kind of public access; CloudFront reads it with Origin Access Control, and
the bucket policy admits this distribution only. `/api/*` goes to the HTTP API uncached (browsers
need no CORS), with the origin header the API requires; `/r/*` is served by the partner page, and
every response carries the security headers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws

from definitions import cdn
from definitions.site_files import REVALIDATE, site_files
from definitions.site_settings import SITE_SETTINGS_FILE
from infra import iam
from runtime.contract import ORIGIN_HEADER

SITE_ORIGIN = "site-bucket"
API_ORIGIN = "http-api"
INDEX_PAGE = "index.html"
ERROR_PAGE = "error.html"
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
READ_METHODS = ["GET", "HEAD"]


@attrs.frozen
class SiteArgs:
    name_prefix: str
    site_dir: Path
    api_origin_domain: pulumi.Input[str]
    api_prefix: str
    # The pages' settings (definitions/site_settings.py), written to the bucket as /config.json.
    site_settings: Mapping[str, pulumi.Input[Any]]
    # Served from the bucket at this path (under the API's prefix), as the local gateway serves it.
    openapi_path: str
    openapi_document: Mapping[str, Any]
    # Added to every request CloudFront sends the API (ORIGIN_HEADER): the API refuses any without it.
    origin_secret: pulumi.Input[str]
    web_acl_arn: pulumi.Input[str] | None = None


class Site(pulumi.ComponentResource):
    url: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: SiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Site", name, None, opts)
        bucket, public_access_block = self._private_bucket(name)
        self._upload(name, args, bucket)
        distribution = self._distribution(name, args, bucket)
        self._bucket_policy(name, bucket, distribution, public_access_block)
        self.url = pulumi.Output.concat("https://", distribution.domain_name)
        self.distribution_id = distribution.id
        self.bucket_name = bucket.bucket
        self.register_outputs({"url": self.url, "distributionId": self.distribution_id})

    def _private_bucket(self, name: str) -> tuple[aws.s3.Bucket, aws.s3.BucketPublicAccessBlock]:
        """The pages' bucket: no public access of any kind, owner-enforced objects, encrypted."""
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-bucket", opts=child)
        public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        return bucket, public_access_block

    def _security_headers(self, name: str, args: SiteArgs) -> aws.cloudfront.ResponseHeadersPolicy:
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers",
            name=f"{args.name_prefix}-security-headers",
            comment="CSP, HSTS, nosniff, no frames; no referrer, because partner links carry a token",
            security_headers_config={
                "content_security_policy": {
                    "content_security_policy": cdn.CONTENT_SECURITY_POLICY,
                    "override": True,
                },
                "strict_transport_security": {
                    "access_control_max_age_sec": cdn.HSTS_MAX_AGE_SECONDS,
                    "include_subdomains": True,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "no-referrer", "override": True},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _distribution(self, name: str, args: SiteArgs, bucket: aws.s3.Bucket) -> aws.cloudfront.Distribution:
        """CloudFront: the bucket (through Origin Access Control) by default, `/api/*` to the API."""
        child = pulumi.ResourceOptions(parent=self)
        origin_access = aws.cloudfront.OriginAccessControl(
            f"{name}-origin-access",
            name=f"{args.name_prefix}-site",
            description="CloudFront signs its requests to the private site bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        partner_link = aws.cloudfront.Function(
            f"{name}-partner-link",
            name=f"{args.name_prefix}-partner-link",
            runtime="cloudfront-js-2.0",
            comment=f"{cdn.PARTNER_LINK_PREFIX}* is served by /{cdn.PARTNER_PAGE}",
            code=cdn.partner_link_rewrite_code(),
            publish=True,
            opts=child,
        )
        headers = self._security_headers(name, args)
        return aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"{args.name_prefix}: site and /api",
            default_root_object=INDEX_PAGE,
            http_version="http2and3",
            is_ipv6_enabled=True,
            # PriceClass_200 is the cheapest class with edge locations in Korea.
            price_class="PriceClass_200",
            web_acl_id=args.web_acl_arn,
            origins=[
                {
                    "origin_id": SITE_ORIGIN,
                    "domain_name": bucket.bucket_regional_domain_name,
                    "origin_access_control_id": origin_access.id,
                },
                {
                    "origin_id": API_ORIGIN,
                    "domain_name": args.api_origin_domain,
                    # CloudFront replaces a header of this name a viewer sends: no one can forge it.
                    "custom_headers": [{"name": ORIGIN_HEADER, "value": args.origin_secret}],
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                },
            ],
            default_cache_behavior={
                "target_origin_id": SITE_ORIGIN,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": READ_METHODS,
                "cached_methods": READ_METHODS,
                "cache_policy_id": cdn.CACHING_OPTIMIZED,
                "response_headers_policy_id": headers.id,
                "compress": True,
                "function_associations": [{"event_type": "viewer-request", "function_arn": partner_link.arn}],
            },
            # First match wins: the API description is a file in the bucket, the rest of /api is the API.
            ordered_cache_behaviors=[
                {
                    "path_pattern": args.openapi_path,
                    "target_origin_id": SITE_ORIGIN,
                    "viewer_protocol_policy": "redirect-to-https",
                    "allowed_methods": READ_METHODS,
                    "cached_methods": READ_METHODS,
                    "cache_policy_id": cdn.CACHING_OPTIMIZED,
                    "response_headers_policy_id": headers.id,
                    "compress": True,
                },
                {
                    "path_pattern": f"{args.api_prefix}/*",
                    "target_origin_id": API_ORIGIN,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": ALL_METHODS,
                    "cached_methods": READ_METHODS,
                    "cache_policy_id": cdn.CACHING_DISABLED,
                    # With caching disabled, this policy also forwards `Authorization` (the customer's
                    # token on a decision); CloudFront refuses it in a policy of a caching behaviour.
                    "origin_request_policy_id": cdn.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    "response_headers_policy_id": headers.id,
                    "compress": True,
                },
            ],
            custom_error_responses=self._error_pages(args.site_dir),
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True},
            opts=child,
        )

    def _bucket_policy(
        self,
        name: str,
        bucket: aws.s3.Bucket,
        distribution: aws.cloudfront.Distribution,
        public_access_block: aws.s3.BucketPublicAccessBlock,
    ) -> None:
        """This distribution reads the bucket; nothing reads it over plain HTTP."""
        aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=bucket.id,
            policy=iam.policy_document(
                [
                    {
                        "Sid": "CloudFrontReadsThisSiteOnly",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                        "Condition": {"StringEquals": {"AWS:SourceArn": distribution.arn}},
                    },
                    {
                        "Sid": "DenyPlainHttp",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]
            ),
            # S3 refuses a policy naming "*" until the block is in place to judge it non-public.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access_block]),
        )

    def _upload(self, name: str, args: SiteArgs, bucket: aws.s3.Bucket) -> None:
        child = pulumi.ResourceOptions(parent=self)
        for file in site_files(args.site_dir):
            aws.s3.BucketObjectv2(
                f"{name}-file-{file.key}",
                bucket=bucket.id,
                key=file.key,
                source=pulumi.FileAsset(str(file.path)),
                content_type=file.content_type,
                cache_control=file.cache_control,
                opts=child,
            )
        aws.s3.BucketObjectv2(
            f"{name}-settings",
            bucket=bucket.id,
            key=SITE_SETTINGS_FILE,
            content=pulumi.Output.json_dumps(dict(args.site_settings)),
            content_type="application/json",
            cache_control=REVALIDATE,
            opts=child,
        )
        aws.s3.BucketObjectv2(
            f"{name}-openapi",
            bucket=bucket.id,
            key=args.openapi_path.removeprefix("/"),
            content=json.dumps(args.openapi_document, ensure_ascii=False, indent=2),
            content_type="application/json",
            cache_control=REVALIDATE,
            opts=child,
        )

    @staticmethod
    def _error_pages(site_dir: Path) -> list[aws.cloudfront.DistributionCustomErrorResponseArgsDict]:
        """S3 answers 403 for a missing key (CloudFront may not list the bucket): show the error page.

        Only 403: error responses apply to every origin, and the API's own 404/409 JSON must pass."""
        if not (site_dir / ERROR_PAGE).is_file():
            return []
        return [
            {
                "error_code": 403,
                "response_code": 404,
                "response_page_path": f"/{ERROR_PAGE}",
                "error_caching_min_ttl": 10,
            }
        ]
