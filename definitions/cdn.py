"""What CloudFront does besides fetching: managed policies, security headers, and the partner link.

Plain values, used by the Site component.
"""

from __future__ import annotations

import json

from runtime.contract import PARTNER_LINK_PREFIX, PARTNER_PAGE

# AWS managed policies (the same ids in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# Everything the viewer sent except Host, which must name the API's own domain for API Gateway.
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

# The partner's page reads the token from its own address, so the browser keeps the link's URL
# (PARTNER_LINK_PREFIX) while S3 serves PARTNER_PAGE.

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600


def partner_link_rewrite_code() -> str:
    """CloudFront Function (viewer request): `/r/{token}` is served by the partner page."""
    # json.dumps writes the two paths as JavaScript string literals.
    return (
        "function handler(event) {\n"
        "    var request = event.request;\n"
        f"    if (request.uri.startsWith({json.dumps(PARTNER_LINK_PREFIX)})) {{\n"
        f"        request.uri = {json.dumps('/' + PARTNER_PAGE)};\n"
        "    }\n"
        "    return request;\n"
        "}\n"
    )
