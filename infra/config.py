"""The stack's settings, read once from Pulumi config (Pulumi.<stack>.yaml) into a typed, checked object.

Keys live under the project's namespace (`partner-confirm:partnerTimeoutSeconds`); the region is
`aws:region`. A wrong value stops the program here, with the key's name, before any resource exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
import pulumi

from definitions.bedrock_models import lifecycle_problem
from runtime.domain.deadlines import (
    DEFAULT_CUSTOMER_DECISION_SECONDS,
    check_decision_window,
    check_reminder_after,
    default_reminder_after,
)
from runtime.domain.limits import Limits
from runtime.domain.link_token import MIN_SECRET_BYTES

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})
# A cross-region inference profile id: `<geography>.<provider>.<model>`. Current Claude models can only
# be invoked through one; from Seoul that is `global.` (or `apac.` for the models it serves).
INFERENCE_PROFILE = re.compile(r"(?P<geography>[a-z-]+)\.(?P<model>[a-z0-9-]+\.[A-Za-z0-9.:-]+)")
# RFC 2606/6761 names that receive no mail: an alarm sent there reaches no one.
PLACEHOLDER_EMAIL_DOMAIN = re.compile(r"(?:^|\.)(?:example\.[a-z.]+|example|test|invalid|localhost)$")
EMAIL = re.compile(r"[^@\s]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# What SendTextMessage accepts as an origination identity, by ARN: a phone number, a pool, a sender ID.
SMS_ORIGINATION_ARN = re.compile(
    r"arn:aws[a-z-]*:sms-voice:(?P<region>[a-z0-9-]+):\d{12}:(?:phone-number|pool|sender-id)/\S+"
)
# SendTextMessage's MaxPrice, as its model writes it: US dollars per message, e.g. "0.05".
SMS_MAX_PRICE = re.compile(r"[0-9]{0,2}\.[0-9]{1,5}")
NO_ALARM_EMAIL_WARNING = (
    "alarmEmail is not set: the alarms go to CloudWatch only and e-mail no one. "
    "Set one with `pulumi config set alarmEmail <address>` and confirm the subscription AWS e-mails."
)


# How long requests may be kept: from a day to DynamoDB TTL's practical horizon of a year.
RETENTION_DAYS = range(1, 366)
# Secrets Manager rotates every 1 to 1000 days.
ROTATION_DAYS = range(1, 1001)
LIMIT_KEYS = {
    "openPerReservation": "open_per_reservation",
    "requestsPerReservationPerDay": "requests_per_reservation_per_day",
    "unmatchedPerPhonePerHour": "unmatched_per_phone_per_hour",
    "smsPerPartnerPerHour": "sms_per_partner_per_hour",
}


def _positive(instance: object, attribute: attrs.Attribute, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value}")


def _inference_profile(instance: object, attribute: attrs.Attribute, value: str) -> None:
    found = INFERENCE_PROFILE.fullmatch(value)
    if not found:
        raise ValueError(
            f"{attribute.name} must be an inference profile id such as "
            f"global.anthropic.claude-sonnet-4-6, got {value!r}"
        )
    if problem := lifecycle_problem(found["model"]):
        raise ValueError(f"{attribute.name}: {problem}. Choose an Active model (see the README).")


def _alarm_email(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is None:
        return
    found = EMAIL.fullmatch(value)
    if not found:
        raise ValueError(f"alarmEmail must be an e-mail address, got {value!r}")
    if PLACEHOLDER_EMAIL_DOMAIN.search(found["domain"].lower()):
        raise ValueError(
            f"alarmEmail {value!r} is a placeholder: {found['domain']} receives no mail, so no alarm would "
            "reach anyone. Set a real address (pulumi config set alarmEmail <address>) or remove the "
            "setting (pulumi config rm alarmEmail) to deploy without alarm e-mails."
        )


def _sms_max_price(instance: object, attribute: attrs.Attribute, value: str | None) -> None:
    if value is not None and not SMS_MAX_PRICE.fullmatch(value):
        raise ValueError(f'smsMaxPrice must be US dollars per message such as "0.05", got {value!r}')


def foundation_model(inference_profile_id: str) -> str:
    """`global.anthropic.claude-sonnet-4-6` -> `anthropic.claude-sonnet-4-6`."""
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
    partner_timeout_seconds: int = attrs.field(validator=_positive)
    token_ttl_seconds: int = attrs.field(validator=_positive)
    bedrock_model_id: str = attrs.field(validator=_inference_profile)
    bedrock_fallback_model_id: str = attrs.field(validator=_inference_profile)
    log_retention_days: int = attrs.field(validator=attrs.validators.in_(LOG_RETENTION_DAYS))
    log_level: str = attrs.field(validator=attrs.validators.in_(LOG_LEVELS))
    alarm_email: str | None = attrs.field(validator=_alarm_email)
    load_sample_data: bool
    waf_rate_limit: bool
    api_throttle: ApiThrottle
    table_deletion_protection: bool
    # When a silent partner gets the one reminder (seconds after the SMS; default 60 % of the window).
    reminder_after_seconds: int = attrs.field(validator=_positive)
    # Seconds a customer has to decide on a time the partner proposed; then the proposal lapses.
    customer_decision_seconds: int = attrs.field(validator=_positive)
    # Days a request and everything under it are kept before the table's TTL deletes them.
    retention_days: int = attrs.field(validator=attrs.validators.in_(RETENTION_DAYS))
    # The abuse limits (runtime/domain/limits.py; 0: none).
    limits: Limits = attrs.field(factory=Limits)
    # Secrets Manager rotates the link secret this often.
    link_rotation_days: int = attrs.field(default=30, validator=attrs.validators.in_(ROTATION_DAYS))
    # AWS End User Messaging SMS: the phone number, pool or sender ID to send from, by ARN (unset: the
    # service chooses), and the most one SMS may cost in US dollars (unset: no per-message limit).
    sms_origination_identity: str | None = None
    sms_max_price: str | None = attrs.field(default=None, validator=_sms_max_price)
    # A Pulumi secret when the stack sets one (`pulumi config set --secret linkSecret`); else generated.
    link_secret: pulumi.Output[str] | None = attrs.field(default=None, eq=False)
    # The demo's own phones for sample reservations, a secret: {reservationNumber: {customerPhone?,
    # partnerPhone?}} (`pulumi config set --secret --path 'samplePhones["HTL-100101"].partnerPhone' ...`).
    sample_phones: pulumi.Output[Mapping[str, Any]] | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        # The link dies when its request closes anyway; a shorter TTL would cut the partner's time.
        check_reminder_after(self.reminder_after_seconds, self.partner_timeout_seconds)
        check_decision_window(self.customer_decision_seconds)
        # The customer's token lasts as long as the request is kept: the decision must fit in it.
        if self.customer_decision_seconds >= self.retention_days * 86400:
            raise ValueError(
                f"customerDecisionSeconds ({self.customer_decision_seconds}) must be shorter than "
                f"retentionDays ({self.retention_days} days)"
            )
        if self.token_ttl_seconds < self.partner_timeout_seconds:
            raise ValueError(
                f"tokenTtlSeconds ({self.token_ttl_seconds}) must be at least "
                f"partnerTimeoutSeconds ({self.partner_timeout_seconds})"
            )
        if self.sms_origination_identity is not None:
            found = SMS_ORIGINATION_ARN.fullmatch(self.sms_origination_identity)
            if not found:
                raise ValueError(
                    "smsOriginationIdentity must be the ARN of a phone number, pool or sender ID "
                    "(arn:aws:sms-voice:<region>:<account>:phone-number/<id>), so the functions' policy "
                    f"can name it; got {self.sms_origination_identity!r}"
                )
            if found["region"] != self.region:
                raise ValueError(
                    f"smsOriginationIdentity is in {found['region']}, the stack sends from {self.region}"
                )

    @property
    def name_prefix(self) -> str:
        """Physical names people look for in the console: `partner-confirm-dev-chat`."""
        return f"partner-confirm-{self.stage}"


def read_limits(raw: Mapping[str, Any]) -> Limits:
    """The stack's `limits` object: every key of LIMIT_KEYS, each a count (0: no limit)."""
    unknown = set(raw) - set(LIMIT_KEYS)
    missing = set(LIMIT_KEYS) - set(raw)
    if unknown or missing:
        raise ValueError(
            f"limits must set exactly {sorted(LIMIT_KEYS)}; "
            f"unknown {sorted(unknown)}, missing {sorted(missing)}"
        )
    values = {}
    for key, name in LIMIT_KEYS.items():
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"limits.{key} must be a whole number (0: no limit), got {value!r}")
        values[name] = value
    return Limits(**values)


def read_link_secret(value: str | None) -> pulumi.Output[str] | None:
    """The stack's `linkSecret` (a Pulumi secret), checked here, before anything is created."""
    if value is None:
        return None
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ValueError(
            f"linkSecret must be at least {MIN_SECRET_BYTES} bytes (HMAC-SHA256's key size); set a longer "
            'one (pulumi config set --secret linkSecret "$(openssl rand -hex 32)") or remove it to have '
            "one generated"
        )
    return pulumi.Output.secret(value)


def read_settings() -> StackSettings:
    config = pulumi.Config()
    aws = pulumi.Config("aws")
    throttle = config.require_object("apiThrottle")
    settings = StackSettings(
        stage=pulumi.get_stack(),
        region=aws.require("region"),
        partner_timeout_seconds=(partner_timeout := config.require_int("partnerTimeoutSeconds")),
        reminder_after_seconds=config.get_int("reminderAfterSeconds")
        or default_reminder_after(partner_timeout),
        customer_decision_seconds=config.get_int("customerDecisionSeconds")
        or DEFAULT_CUSTOMER_DECISION_SECONDS,
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
        retention_days=config.require_int("retentionDays"),
        limits=read_limits(config.require_object("limits")),
        link_rotation_days=config.get_int("linkRotationDays") or 30,
        sms_origination_identity=config.get("smsOriginationIdentity") or None,
        sms_max_price=config.get("smsMaxPrice") or None,
        # Read as text to check its length (Config.get_secret only wraps the same value).
        link_secret=read_link_secret(config.get("linkSecret")),
        sample_phones=config.get_secret_object("samplePhones"),
    )
    if settings.alarm_email is None:
        pulumi.log.warn(NO_ALARM_EMAIL_WARNING)
    return settings
