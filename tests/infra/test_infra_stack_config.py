"""The project and stack files, and the typed settings the program reads from them."""

from __future__ import annotations

import re

import attrs
import pytest
import yaml
from infra_helpers import setting, stack_file

from infra.config import ApiThrottle, StackSettings, foundation_model
from infra.mock_run import PROJECT_ROOT, STACKS

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
}
SECRET_LOOKING = re.compile(r"secret|password|token(?!ttl)|apikey|credential", re.IGNORECASE)


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
def test_bedrock_is_reached_through_inference_profiles_served_from_seoul(stack: str) -> None:
    for key in ("bedrockModelId", "bedrockFallbackModelId"):
        model = setting(stack, key)
        assert model.startswith(("global.anthropic.claude-", "apac.anthropic.claude-")), model
    assert setting(stack, "bedrockModelId") != setting(stack, "bedrockFallbackModelId")


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_is_written_in_plain_text(stack: str) -> None:
    for key, value in stack_file(stack).items():
        if SECRET_LOOKING.search(key.split(":", 1)[1]):
            assert isinstance(value, dict) and set(value) == {"secure"}, f"{key} is in plain text"


def test_dev_and_demo_differ_where_it_matters() -> None:
    assert setting("demo", "loadSampleData") is True and setting("dev", "loadSampleData") is False
    assert setting("demo", "tableDeletionProtection") is True
    assert setting("dev", "tableDeletionProtection") is False
    # An alarm address is set per deployment (pulumi config set alarmEmail), never committed.
    assert setting("dev", "alarmEmail") is None and setting("demo", "alarmEmail") is None


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
    )
    return attrs.evolve(valid, **changes)


def test_valid_settings_are_accepted_and_name_the_stack() -> None:
    assert _settings().name_prefix == "partner-confirm-dev"


@pytest.mark.parametrize(
    "changes",
    [
        {"token_ttl_seconds": 299},  # the link would die before the partner's time is up
        {"partner_timeout_seconds": 0},
        {"bedrock_model_id": "anthropic.claude-3-haiku-20240307-v1:0"},  # a model, not a profile
        {"log_retention_days": 10},  # CloudWatch has no 10-day retention
        {"log_level": "VERBOSE"},
    ],
)
def test_invalid_settings_stop_the_program(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _settings(**changes)


def test_an_inference_profile_names_its_foundation_model() -> None:
    assert (
        foundation_model("apac.anthropic.claude-3-haiku-20240307-v1:0")
        == "anthropic.claude-3-haiku-20240307-v1:0"
    )
