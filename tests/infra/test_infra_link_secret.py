"""The link-signing secret: in Secrets Manager, generated or given as a Pulumi secret, never plain, at
least 32 bytes, stored with its key id, and rotated by Secrets Manager with the stack's rotation function."""

from __future__ import annotations

import json

import pytest
from infra_helpers import lambda_of, policy_of, role_of, setting, statements, variables_of

from infra.components.link_secret import INITIAL_STAGE
from infra.offline.mock_run import Deployment, Secret, run_program
from runtime.contract import Env, Function
from runtime.deployment import FUNCTIONS, ROTATE_LINK_SECRET

VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
PERMISSION = "aws:lambda/permission:Permission"
CONFIGURED = "configured-link-secret-value-of-at-least-32-bytes"


def _stored(deployment: Deployment) -> dict:
    secret_string = deployment.one(VERSION).inputs["secretString"]
    assert isinstance(secret_string, Secret)
    return json.loads(secret_string.value)


def test_without_a_configured_secret_one_is_generated_and_stored_with_key_id_0(
    deployment: Deployment,
) -> None:
    password = next(
        r
        for r in deployment.of_type("random:index/randomPassword:RandomPassword")
        if r.name.startswith("link-")
    )
    assert password.inputs["length"] >= 32
    version = deployment.one(VERSION).inputs
    assert version["secretId"] == deployment.one(SECRET).id
    assert _stored(deployment) == {"keyId": 0, "secret": password.outputs["result"]}


def test_functions_are_told_where_the_secret_is_not_what_it_is(deployment: Deployment) -> None:
    secret_arn = deployment.one(SECRET).outputs["arn"]
    value = _stored(deployment)["secret"]
    for function in (Function.SMS_SENDER, Function.PARTNER_PAGE):
        variables = variables_of(lambda_of(deployment, function))
        assert variables[str(Env.LINK_SECRET_ID)] == secret_arn
        assert not any(value in str(v) for v in variables.values())


@pytest.fixture(scope="module")
def configured() -> Deployment:
    return run_program("dev", extra_config={"partner-confirm:linkSecret": Secret(CONFIGURED)})


def test_a_configured_pulumi_secret_is_stored_instead(configured: Deployment) -> None:
    assert not [
        r for r in configured.of_type("random:index/randomPassword:RandomPassword") if "link" in r.name
    ]
    assert _stored(configured) == {"keyId": 0, "secret": CONFIGURED}


@pytest.mark.parametrize("short", ["", "x" * 31, "비밀" * 5])
def test_a_configured_secret_shorter_than_32_bytes_stops_the_program(short: str) -> None:
    with pytest.raises(Exception, match="linkSecret must be at least 32 bytes"):
        run_program("dev", extra_config={"partner-confirm:linkSecret": Secret(short)})


def test_the_created_version_keeps_a_label_of_its_own_and_rotations_own_the_others(
    deployment: Deployment,
) -> None:
    """After rotations Pulumi must not move AWSCURRENT back, nor recreate a version AWS deleted."""
    version = deployment.one(VERSION)
    assert version.inputs["versionStages"] == ["AWSCURRENT", INITIAL_STAGE]
    assert version.ignore_changes == ("version_stages",)


def test_secrets_manager_rotates_the_secret_with_the_rotation_function(deployment: Deployment) -> None:
    rotation = deployment.one(ROTATION).inputs
    rotator = lambda_of(deployment, Function.SECRET_ROTATOR).outputs["arn"]
    secret_arn = deployment.one(SECRET).outputs["arn"]
    assert rotation["secretId"] == secret_arn
    assert rotation["rotationLambdaArn"] == rotator
    assert rotation["rotationRules"] == {
        "automaticallyAfterDays": setting(deployment.stack, "linkRotationDays")
    }
    assert rotation["rotateImmediately"] is False  # a deploy never rotates by itself
    (invoke,) = [p.inputs for p in deployment.of_type(PERMISSION) if p.inputs["function"] == rotator]
    assert (
        invoke["principal"] == "secretsmanager.amazonaws.com" == FUNCTIONS[Function.SECRET_ROTATOR].invoked_by
    )
    assert invoke["sourceArn"] == secret_arn  # Secrets Manager may invoke it for this secret only


def test_the_rotation_function_may_rotate_this_secret_and_do_nothing_else(deployment: Deployment) -> None:
    policy = policy_of(deployment, role_of(deployment, lambda_of(deployment, Function.SECRET_ROTATOR)))
    granted = statements(policy)["LinkSecret"]
    assert sorted(granted["Action"]) == sorted(ROTATE_LINK_SECRET.actions)
    assert granted["Resource"] == [deployment.one(SECRET).outputs["arn"]]
    allowed = {s["Sid"] for s in policy["Statement"] if s["Effect"] == "Allow"}
    assert allowed == {"LinkSecret", "WriteLogs", "WriteTraces"}


def test_every_function_keeps_the_secret_it_read_for_minutes_not_its_life(deployment: Deployment) -> None:
    for function, spec in FUNCTIONS.items():
        if Env.LINK_SECRET_ID in spec.environment:
            assert variables_of(lambda_of(deployment, function))[str(Env.LINK_SECRET_CACHE_SECONDS)] == "300"
