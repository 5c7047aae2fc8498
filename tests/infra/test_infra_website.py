"""The static site: a private bucket, CloudFront in front, /api on the same origin, secure headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infra_helpers import lambda_of, revealed, setting, site_dir, variables_of

from definitions.routes import OPENAPI_PATH, ROUTES, openapi_document
from definitions.site_files import CONTENT_TYPES, site_files
from definitions.site_settings import SITE_SETTINGS_FILE, site_settings
from infra.offline.mock_run import Deployment, Secret
from runtime.contract import ORIGIN_HEADER, Env, Function

BUCKET = "aws:s3/bucket:Bucket"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"


def _objects(deployment: Deployment) -> dict[str, dict]:
    return {o.inputs["key"]: o.inputs for o in deployment.of_type(OBJECT)}


def test_the_bucket_blocks_every_public_access(deployment: Deployment) -> None:
    bucket = deployment.one(BUCKET)
    assert not deployment.of_type("aws:s3/bucketV2:BucketV2")
    block = deployment.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert block["bucket"] == bucket.id
    for setting_name in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[setting_name] is True, setting_name
    ownership = deployment.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}  # ACLs are off
    assert "acl" not in bucket.inputs
    assert not any("acl" in o.inputs for o in deployment.of_type(OBJECT))


def test_the_bucket_is_encrypted(deployment: Deployment) -> None:
    encryption = deployment.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).inputs
    assert encryption["bucket"] == deployment.one(BUCKET).id
    assert encryption["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_only_this_distribution_may_read_the_bucket(deployment: Deployment) -> None:
    bucket = deployment.one(BUCKET)
    distribution_arn = deployment.one(DISTRIBUTION).outputs["arn"]
    policy = deployment.one("aws:s3/bucketPolicy:BucketPolicy").inputs
    assert policy["bucket"] == bucket.id
    allows = [s for s in json.loads(policy["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution_arn}}
        assert statement["Action"] == "s3:GetObject"
        assert statement["Resource"] == f"{bucket.outputs['arn']}/*"


def test_cloudfront_reads_the_bucket_with_origin_access_control(deployment: Deployment) -> None:
    distribution = deployment.one(DISTRIBUTION).inputs
    control = deployment.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert control.inputs["originAccessControlOriginType"] == "s3"
    assert control.inputs["signingBehavior"] == "always"
    origins = {origin["originId"]: origin for origin in revealed(distribution["origins"])}
    bucket_origin = origins[distribution["defaultCacheBehavior"]["targetOriginId"]]
    assert bucket_origin["domainName"] == deployment.one(BUCKET).outputs["bucketRegionalDomainName"]
    assert bucket_origin["originAccessControlId"] == control.id
    assert distribution["defaultRootObject"] == "index.html"
    assert distribution["defaultCacheBehavior"]["viewerProtocolPolicy"] == "redirect-to-https"


def test_api_paths_go_to_the_http_api_uncached(deployment: Deployment) -> None:
    distribution = deployment.one(DISTRIBUTION).inputs
    behaviours = {b["pathPattern"]: b for b in distribution["orderedCacheBehaviors"]}
    api = behaviours["/api/*"]
    assert api["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert api["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
    assert {"GET", "POST", "OPTIONS"} <= set(api["allowedMethods"])
    origin = next(o for o in revealed(distribution["origins"]) if o["originId"] == api["targetOriginId"])
    endpoint = deployment.one("aws:apigatewayv2/api:Api").outputs["apiEndpoint"]
    assert f"https://{origin['domainName']}" == endpoint
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    # The API description is a file in the bucket, matched before the API's wildcard.
    patterns = [b["pathPattern"] for b in distribution["orderedCacheBehaviors"]]
    assert patterns.index(OPENAPI_PATH) < patterns.index("/api/*")


def test_partner_links_are_served_by_the_partner_page(deployment: Deployment) -> None:
    function = deployment.one("aws:cloudfront/function:Function")
    associations = deployment.one(DISTRIBUTION).inputs["defaultCacheBehavior"]["functionAssociations"]
    assert associations == [{"eventType": "viewer-request", "functionArn": function.outputs["arn"]}]
    assert function.inputs["runtime"] == "cloudfront-js-2.0"
    assert function.inputs["publish"] is True
    code = function.inputs["code"]
    assert 'request.uri.startsWith("/r/")' in code
    assert 'request.uri = "/confirm.html"' in code


def test_every_response_carries_the_security_headers(deployment: Deployment) -> None:
    policy = deployment.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    headers = policy.inputs["securityHeadersConfig"]
    csp = headers["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert headers["contentTypeOptions"] == {"override": True}
    assert headers["referrerPolicy"] == {"referrerPolicy": "no-referrer", "override": True}
    assert headers["frameOptions"]["frameOption"] == "DENY"
    distribution = deployment.one(DISTRIBUTION).inputs
    behaviours = [distribution["defaultCacheBehavior"], *distribution["orderedCacheBehaviors"]]
    assert {b["responseHeadersPolicyId"] for b in behaviours} == {policy.id}


def test_every_site_file_is_uploaded_with_its_content_type(deployment: Deployment) -> None:
    objects = _objects(deployment)
    files = site_files(site_dir())
    for file in files:
        assert objects[file.key]["contentType"] == file.content_type
        assert Path(objects[file.key]["source"].path) == file.path
    keys = {file.key for file in files}
    for page in ("index.html", "confirm.html"):
        if (site_dir() / page).exists():
            assert objects[page]["contentType"] == "text/html; charset=utf-8"
    generated = {SITE_SETTINGS_FILE, OPENAPI_PATH.removeprefix("/")}
    assert set(objects) == keys | generated


def test_the_pages_settings_are_generated_for_the_stack(deployment: Deployment) -> None:
    settings = _objects(deployment)[SITE_SETTINGS_FILE]
    assert settings["contentType"] == "application/json"
    expected = site_settings(partner_timeout_seconds=setting(deployment.stack, "partnerTimeoutSeconds"))
    assert json.loads(settings["content"]) == expected
    assert expected["apiBase"] == "/api"


def test_the_openapi_document_is_published_beside_the_api(deployment: Deployment) -> None:
    document = _objects(deployment)[OPENAPI_PATH.removeprefix("/")]
    assert json.loads(document["content"]) == openapi_document()


def test_the_error_page_is_used_for_missing_files_only_if_the_site_has_one(deployment: Deployment) -> None:
    responses = deployment.one(DISTRIBUTION).inputs.get("customErrorResponses") or []
    if (site_dir() / "error.html").exists():
        # Only S3's 403 (a missing key): the API's own 404 and 409 bodies must reach the browser.
        assert [(r["errorCode"], r["responsePagePath"]) for r in responses] == [(403, "/error.html")]
    else:
        assert responses == []


def test_site_files_are_sorted_typed_and_skip_hidden_and_generated_files(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "css" / "app.css").write_text("")
    (tmp_path / "app.js").write_text("")
    (tmp_path / "favicon.ico").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / SITE_SETTINGS_FILE).write_text("{}")
    files = site_files(tmp_path)
    assert [f.key for f in files] == ["app.js", "css/app.css", "favicon.ico", "index.html"]
    types = {f.key: f.content_type for f in files}
    assert types["app.js"] == "text/javascript; charset=utf-8"
    assert types["css/app.css"] == "text/css; charset=utf-8"
    assert types["favicon.ico"] == "image/x-icon"
    cache = {f.key: f.cache_control for f in files}
    assert cache["index.html"] == cache["app.js"] == cache["css/app.css"] == "no-cache"
    assert "max-age" in cache["favicon.ico"]


def test_an_unknown_file_type_stops_the_deployment(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"")
    with pytest.raises(ValueError, match=r"notes\.docx"):
        site_files(tmp_path)


def test_content_types_cover_what_a_static_site_holds() -> None:
    assert {".html", ".css", ".js", ".svg", ".json", ".ico", ".png", ".woff2"} <= set(CONTENT_TYPES)


def test_cloudfront_adds_the_stacks_origin_secret_to_every_api_request_and_only_there(
    deployment: Deployment,
) -> None:
    """The API refuses a request without it (403): only CloudFront, with its WAF and headers, reaches it."""
    distribution = deployment.one(DISTRIBUTION).inputs
    assert isinstance(distribution["origins"], Secret)  # the value stays encrypted in the stack's state
    origins = {origin["originId"]: origin for origin in revealed(distribution["origins"])}
    api_origin = origins[
        next(b for b in distribution["orderedCacheBehaviors"] if b["pathPattern"] == "/api/*")[
            "targetOriginId"
        ]
    ]
    (header,) = api_origin["customHeaders"]
    assert header["name"] == ORIGIN_HEADER
    origin_component = next(r for r in deployment.resources if r.type == "partnerconfirm:infra:OriginSecret")
    (generated,) = deployment.children_of(origin_component)
    assert header["value"] == generated.outputs["result"]
    assert generated.inputs["length"] >= 32 and generated.inputs["special"] is False
    bucket_origin = origins[distribution["defaultCacheBehavior"]["targetOriginId"]]
    assert "customHeaders" not in bucket_origin or not bucket_origin["customHeaders"]
    for function in (Function.CHAT, Function.PARTNER_PAGE, Function.REQUEST_STATUS):
        assert variables_of(lambda_of(deployment, function))[str(Env.ORIGIN_SECRET)] == header["value"]
    assert not any(
        str(Env.ORIGIN_SECRET) in variables_of(lambda_of(deployment, function))
        for function in Function
        if function not in {route.function for route in ROUTES}
    )
