"""The link-signing secret: in Secrets Manager, generated or given as a Pulumi secret, never plain."""

from __future__ import annotations

import pytest
from infra_helpers import lambda_of

from infra.mock_run import Deployment, Secret, run_program
from runtime.contract import Env, Function

VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def test_without_a_configured_secret_one_is_generated(deployment: Deployment) -> None:
    password = deployment.one("random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] >= 32
    version = deployment.one(VERSION).inputs
    assert version["secretId"] == deployment.one("aws:secretsmanager/secret:Secret").id
    assert isinstance(version["secretString"], Secret)
    assert version["secretString"].value == password.outputs["result"]


def test_functions_are_told_where_the_secret_is_not_what_it_is(deployment: Deployment) -> None:
    secret_arn = deployment.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    value = deployment.one(VERSION).inputs["secretString"].value
    for function in (Function.SMS_SENDER, Function.RESPONSE):
        variables = lambda_of(deployment, function).inputs["environment"]["variables"]
        assert variables[str(Env.LINK_SECRET_ID)] == secret_arn
        assert value not in variables.values()


@pytest.fixture(scope="module")
def configured() -> Deployment:
    return run_program(
        "dev", extra_config={"partner-confirm:linkSecret": Secret("configured-link-secret-value")}
    )


def test_a_configured_pulumi_secret_is_stored_instead(configured: Deployment) -> None:
    assert not configured.of_type("random:index/randomPassword:RandomPassword")
    secret_string = configured.one(VERSION).inputs["secretString"]
    assert isinstance(secret_string, Secret)
    assert secret_string.value == "configured-link-secret-value"
