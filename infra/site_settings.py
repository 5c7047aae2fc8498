"""The settings the static pages read at `/config.json`: generated per stack, never hard-coded.

Plain Python, shared by the Site component (uploaded next to the pages) and the local gateway.
"""

from __future__ import annotations

from typing import Any

from runtime.contract import API_PREFIX

SITE_SETTINGS_FILE = "config.json"


def site_settings(*, partner_timeout_seconds: int) -> dict[str, Any]:
    return {"apiBase": API_PREFIX, "partnerTimeoutSeconds": partner_timeout_seconds}
