"""The project and stack files, and the typed settings the program reads from them."""

from __future__ import annotations

import re

import attrs
import pytest
import yaml
from infra_helpers import setting, stack_file

from definitions.bedrock_models import NOT_ACTIVE
from infra.config import INFERENCE_PROFILE, ApiThrottle, StackSettings, foundation_model, read_limits
from infra.offline.mock_run import PROJECT_ROOT, STACKS
from runtime.domain.deadlines import default_reminder_after
from runtime.domain.limits import NO_LIMITS, Limits

SEOUL = "ap-northeast-2"
REQUIRED_SETTINGS = {
    "partnerTimeoutSeconds",
    "tokenTtlSeconds",
    "bedrockModelId",
    "bedrockFallbackModelId",
    "logRetentionDays",
    "loadSampleData",
    "wafRateLimit",
    "apiThrottle",
    "tableDeletionProtection",
    "retentionDays",
    "limits",
    "linkRotationDays",
}
SECRET_LOOKING = re.compile(r"secret|password|token(?!ttl)|apikey|credential|phone", re.IGNORECASE)
LIMITS = {
    "openPerReservation": 3,
    "requestsPerReservationPerDay": 10,
    "unmatchedPerPhonePerHour": 5,
    "smsPerPartnerPerHour": 20,
}
ORIGINATION = "arn:aws:sms-voice:ap-northeast-2:123456789012:pool/pool-0123456789abcdef0123456789abcdef"


def test_project_runs_python_in_the_project_virtualenv() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["name"] == "partner-confirm"
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": ".venv"}}


@pytest.mark.parametrize("stack", STACKS)
def test_stacks_deploy_to_seoul_with_every_setting(stack: str) -> None:
    config = stack_file(stack)
    assert config["aws:region"] == SEOUL
    assert config["aws-native:region"] == SEOUL
    assert {key.removeprefix("partner-confirm:") for key in config} >= REQUIRED_SETTINGS
    assert setting(stack, "partnerTimeoutSeconds") == 300
    assert setting(stack, "tokenTtlSeconds") >= setting(stack, "partnerTimeoutSeconds")
    assert set(setting(stack, "apiThrottle")) == {"rateLimit", "burstLimit"}


@pytest.mark.parametrize("stack", STACKS)
def test_bedrock_is_reached_through_cross_region_inference_profiles(stack: str) -> None:
    for key in ("bedrockModelId", "bedrockFallbackModelId"):
        found = INFERENCE_PROFILE.fullmatch(setting(stack, key))
        assert found and found["geography"] in {"global", "apac"}, setting(stack, key)
        assert found["model"].startswith("anthropic.claude-")
    assert setting(stack, "bedrockModelId") != setting(stack, "bedrockFallbackModelId")


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_files_name_no_model_that_is_not_active_on_bedrock(stack: str) -> None:
    """Not the settings only: any value of the file, and the comments too."""
    text = (PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    assert not [model for model in NOT_ACTIVE if model in text]
    for key in ("bedrockModelId", "bedrockFallbackModelId"):
        assert foundation_model(setting(stack, key)) not in NOT_ACTIVE


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_files_carry_no_placeholder_address(stack: str) -> None:
    text = (PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    assert not re.search(r"@[\w.-]*example\.", text)
    assert setting(stack, "alarmEmail") is None


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_is_written_in_plain_text(stack: str) -> None:
    for key, value in stack_file(stack).items():
        if SECRET_LOOKING.search(key.split(":", 1)[1]):
            assert isinstance(value, dict) and set(value) == {"secure"}, f"{key} is in plain text"


@pytest.mark.parametrize("stack", STACKS)
def test_the_reminder_comes_at_60_percent_of_the_partners_window(stack: str) -> None:
    assert setting(stack, "reminderAfterSeconds") == default_reminder_after(
        setting(stack, "partnerTimeoutSeconds")
    )


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_gives_customers_a_window_to_decide_on_a_proposed_time(stack: str) -> None:
    decision = setting(stack, "customerDecisionSeconds")
    assert 0 < decision < setting(stack, "retentionDays") * 86400
    assert decision == {"dev": 1800, "demo": 86400}[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_both_stacks_have_the_products_limits_and_keep_requests_a_bounded_time(stack: str) -> None:
    assert read_limits(setting(stack, "limits")) == Limits()
    assert setting(stack, "retentionDays") in {14, 90}
    assert setting(stack, "linkRotationDays") == 30
    assert setting(stack, "wafRateLimit") is True


@pytest.mark.parametrize(
    "limits",
    [
        {"openPerReservation": 3, "requestsPerReservationPerDay": 10, "unmatchedPerPhonePerHour": 5},
        {**LIMITS, "smsPerPartner": 20},
        {**LIMITS, "openPerReservation": -1},
        {**LIMITS, "openPerReservation": "3"},
        {**LIMITS, "openPerReservation": True},
    ],
    ids=["missing", "unknown", "negative", "text", "boolean"],
)
def test_a_wrong_limits_object_stops_the_program_naming_it(limits: dict) -> None:
    with pytest.raises(ValueError, match=r"limits|open_per_reservation"):
        read_limits(limits)


def test_limits_of_zero_lift_them() -> None:
    assert read_limits(dict.fromkeys(LIMITS, 0)) == NO_LIMITS


def test_dev_and_demo_differ_where_it_matters() -> None:
    assert setting("demo", "loadSampleData") is True and setting("dev", "loadSampleData") is False
    assert setting("demo", "tableDeletionProtection") is True
    assert setting("dev", "tableDeletionProtection") is False


def _settings(**changes: object) -> StackSettings:
    valid = StackSettings(
        stage="dev",
        region=SEOUL,
        partner_timeout_seconds=300,
        token_ttl_seconds=600,
        bedrock_model_id="global.anthropic.claude-sonnet-4-6",
        bedrock_fallback_model_id="global.anthropic.claude-haiku-4-5-20251001-v1:0",
        log_retention_days=7,
        log_level="INFO",
        alarm_email=None,
        load_sample_data=False,
        waf_rate_limit=False,
        api_throttle=ApiThrottle(rate_limit=20, burst_limit=40),
        table_deletion_protection=False,
        reminder_after_seconds=180,
        customer_decision_seconds=1800,
        retention_days=14,
    )
    return attrs.evolve(valid, **changes)


def test_valid_settings_are_accepted_and_name_the_stack() -> None:
    assert _settings().name_prefix == "partner-confirm-dev"
    assert _settings(alarm_email="oncall@partner-confirm.kr").alarm_email == "oncall@partner-confirm.kr"
    assert _settings(sms_origination_identity=ORIGINATION, sms_max_price="0.05").sms_max_price == "0.05"


@pytest.mark.parametrize(
    "changes",
    [
        {"token_ttl_seconds": 299},  # the link would die before the partner's time is up
        {"reminder_after_seconds": 300},  # a reminder when the partner's time is up
        {"reminder_after_seconds": 0},
        {"partner_timeout_seconds": 0},
        {"bedrock_model_id": "anthropic.claude-haiku-4-5-20251001-v1:0"},  # a model, not a profile
        {"log_retention_days": 10},  # CloudWatch has no 10-day retention
        {"log_level": "VERBOSE"},
        {"alarm_email": "not an address"},
        {"sms_max_price": "5 dollars"},
        {"sms_origination_identity": "+821000002001"},  # a number, not an ARN the policy can name
        {"sms_origination_identity": ORIGINATION.replace("ap-northeast-2", "ap-northeast-1")},
        {"retention_days": 0},  # kept no time at all: the customer's page would lose its request
        {"retention_days": 400},  # past a year: not "less data, for less time"
        {"link_rotation_days": 0},
        {"link_rotation_days": 1001},  # Secrets Manager rotates every 1 to 1000 days
        {"customer_decision_seconds": 0},
        {"customer_decision_seconds": 14 * 86400},  # past the customer's token (kept as long as requests)
    ],
)
def test_invalid_settings_stop_the_program(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _settings(**changes)


@pytest.mark.parametrize("model", sorted(NOT_ACTIVE))
@pytest.mark.parametrize("geography", ["apac", "global"])
def test_a_model_that_is_not_active_on_bedrock_stops_the_program(model: str, geography: str) -> None:
    with pytest.raises(ValueError, match=r"is not Active on Bedrock .*model-lifecycle"):
        _settings(bedrock_fallback_model_id=f"{geography}.{model}")


def test_an_inference_profile_names_its_foundation_model() -> None:
    assert (
        foundation_model("global.anthropic.claude-haiku-4-5-20251001-v1:0")
        == "anthropic.claude-haiku-4-5-20251001-v1:0"
    )
