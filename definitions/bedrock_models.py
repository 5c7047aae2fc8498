"""Bedrock models this product must not be deployed with: the ones no longer Active on Bedrock.

The one list of them, with its source. A stack setting naming one (bare or behind an inference
profile) stops the program (infra/config.py), and a test keeps the committed stack files off it.

Source: "Model lifecycle (Legacy)", the Amazon Bedrock User Guide's table of Legacy and End-of-Life
models (https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle-legacy.html), read on
2026-11-30. To check a model yourself: `aws bedrock get-foundation-model --region ap-northeast-2
--model-identifier <model id>` and read `modelLifecycle.status` (ACTIVE or LEGACY).
"""

from __future__ import annotations

CHECKED_ON = "2026-11-30"
SOURCE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle-legacy.html"

# Foundation model id -> its state on Bedrock on CHECKED_ON (Legacy: still answers, with an EOL date).
NOT_ACTIVE: dict[str, str] = {
    "anthropic.claude-sonnet-4-5-20250929-v1:0": "Legacy since 2026-10-08, EOL 2027-04-08",
    "anthropic.claude-opus-4-1-20250805-v1:0": "Legacy since 2026-07-08, EOL 2027-01-08",
    "anthropic.claude-sonnet-4-20250514-v1:0": "EOL 2026-10-14",
    "anthropic.claude-3-haiku-20240307-v1:0": "EOL 2026-09-10",
    "anthropic.claude-3-sonnet-20240229-v1:0": "EOL 2026-07-30",
    "anthropic.claude-3-5-sonnet-20240620-v1:0": "EOL 2026-07-30",
    "anthropic.claude-3-5-sonnet-20241022-v2:0": "EOL 2026-07-30",
    "anthropic.claude-3-7-sonnet-20250219-v1:0": "EOL 2026-07-30",
    "anthropic.claude-3-5-haiku-20241022-v1:0": "EOL 2026-06-19",
    "anthropic.claude-opus-4-20250514-v1:0": "EOL 2026-05-31",
}


def lifecycle_problem(foundation_model_id: str) -> str | None:
    """Why this model must not be deployed, or None when it is not on the list."""
    state = NOT_ACTIVE.get(foundation_model_id)
    if state is None:
        return None
    return f"{foundation_model_id} is not Active on Bedrock ({state}; {SOURCE}, read {CHECKED_ON})"
