"""The pages' settings file (`/config.json`): what the site's scripts need to know about their stack.

One definition for both targets: the Site component uploads it to S3 and the local gateway serves it,
so the pages never carry an environment's values. Plain Python.
"""

from __future__ import annotations

from typing import Any

from runtime.contract import API_PREFIX

SITE_SETTINGS_FILE = "config.json"


def site_settings(*, partner_timeout_seconds: int) -> dict[str, Any]:
    return {
        # The API shares the site's origin (CloudFront, or the local gateway): a path, not a URL.
        "apiBase": API_PREFIX,
        # How long the customer's page tells people the partner has to answer.
        "partnerTimeoutSeconds": partner_timeout_seconds,
    }
