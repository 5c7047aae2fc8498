"""The stack's settings, read once from Pulumi config (Pulumi.<stack>.yaml) into a typed, checked object.

Keys live under the project's namespace (`partner-confirm:partnerTimeoutSeconds`); the region is
`aws:region`. A wrong value stops the program here, with the key's name, before any resource exists.
"""

from __future__ import annotations

import re

import attrs
import pulumi

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})
# A cross-region inference profile id: `<geography>.<provider>.<model>`. Newer Claude models can only
# be invoked through one; from Seoul that is the `apac.` profile.
INFERENCE_PROFILE = re.compile(r"(?P<geography>[a-z-]+)\.(?P<model>[a-z0-9-]+\.[A-Za-z0-9.:-]+)")


def _positive(instance: object, attribute: attrs.Attribute, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _inference_profile(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not INFERENCE_PROFILE.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be an inference profile id such as "
            f"apac.anthropic.claude-3-5-sonnet-20241022-v2:0, got {value!r}"
        )


def foundation_model(inference_profile_id: str) -> str:
    """`apac.anthropic.claude-3-haiku-20240307-v1:0` -> `anthropic.claude-3-haiku-20240307-v1:0`."""
    found = INFERENCE_PROFILE.fullmatch(inference_profile_id)
    if not found:
        raise ValueError(f"not an inference profile id: {inference_profile_id!r}")
    return found["model"]


@attrs.frozen
class ApiThrottle:
    """API Gateway stage throttling: steady requests per second and the burst bucket size."""

    rate_limit: float = attrs.field(validator=_positive)
    burst_limit: int = attrs.field(validator=_positive)


@attrs.frozen
class StackSettings:
    stage: str
    region: str
    aws_profile: str | None
    partner_timeout_seconds: int = attrs.field(validator=_positive)
    token_ttl_seconds: int = attrs.field(validator=_positive)
    bedrock_model_id: str = attrs.field(validator=_inference_profile)
    bedrock_fallback_model_id: str = attrs.field(validator=_inference_profile)
    log_retention_days: int = attrs.field(validator=attrs.validators.in_(LOG_RETENTION_DAYS))
    log_level: str = attrs.field(validator=attrs.validators.in_(LOG_LEVELS))
    alarm_email: str | None
    load_sample_data: bool
    waf_rate_limit: bool
    api_throttle: ApiThrottle
    table_deletion_protection: bool
    # A Pulumi secret when the stack sets one (`pulumi config set --secret linkSecret`); else generated.
    link_secret: pulumi.Output[str] | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        # The link dies when its request closes anyway; a shorter TTL would cut the partner's time.
        if self.token_ttl_seconds < self.partner_timeout_seconds:
            raise ValueError(
                f"tokenTtlSeconds ({self.token_ttl_seconds}) must be at least "
                f"partnerTimeoutSeconds ({self.partner_timeout_seconds})"
            )

    @property
    def name_prefix(self) -> str:
        """Physical names people look for in the console: `partner-confirm-dev-chat`."""
        return f"partner-confirm-{self.stage}"


def read_settings() -> StackSettings:
    config = pulumi.Config()
    aws = pulumi.Config("aws")
    throttle = config.require_object("apiThrottle")
    return StackSettings(
        stage=pulumi.get_stack(),
        region=aws.require("region"),
        aws_profile=aws.get("profile"),
        partner_timeout_seconds=config.require_int("partnerTimeoutSeconds"),
        token_ttl_seconds=config.require_int("tokenTtlSeconds"),
        bedrock_model_id=config.require("bedrockModelId"),
        bedrock_fallback_model_id=config.require("bedrockFallbackModelId"),
        log_retention_days=config.require_int("logRetentionDays"),
        log_level=config.get("logLevel") or "INFO",
        alarm_email=config.get("alarmEmail") or None,
        load_sample_data=config.require_bool("loadSampleData"),
        waf_rate_limit=config.require_bool("wafRateLimit"),
        api_throttle=ApiThrottle(
            rate_limit=float(throttle["rateLimit"]), burst_limit=int(throttle["burstLimit"])
        ),
        table_deletion_protection=config.require_bool("tableDeletionProtection"),
        link_secret=config.get_secret("linkSecret"),
    )
