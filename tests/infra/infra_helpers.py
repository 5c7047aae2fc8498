"""Reading a captured deployment the way the tests need it: stack files, policies, functions by role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from infra.offline.mock_run import PROJECT_ROOT, CapturedResource, Deployment, Secret
from runtime.contract import Function
from runtime.deployment import FUNCTIONS

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# An address an operator would set (`pulumi config set alarmEmail`); neither stack file names one.
ALARM_EMAIL = "oncall@partner-confirm.co.kr"


def stack_file(stack: str) -> dict[str, Any]:
    """The stack's config exactly as written in Pulumi.<stack>.yaml (typed YAML values)."""
    return yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]


def setting(stack: str, key: str, default: Any = None) -> Any:
    return stack_file(stack).get(f"partner-confirm:{key}", default)


def lambda_of(deployment: Deployment, function: Function) -> CapturedResource:
    """The Lambda running `function`'s handler (found by what it runs, not by how it is named)."""
    found = [r for r in deployment.of_type(FUNCTION) if r.inputs["handler"] == FUNCTIONS[function].handler]
    assert len(found) == 1, f"{function}: {[r.name for r in found]}"
    return found[0]


def revealed(value: Any) -> Any:
    """A captured value with every Secret replaced by what it holds."""
    if isinstance(value, Secret):
        return revealed(value.value)
    if isinstance(value, dict):
        return {key: revealed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revealed(item) for item in value]
    return value


def variables_of(function_resource: CapturedResource) -> dict[str, Any]:
    """A function's environment variables (Pulumi keeps the whole environment secret once one value
    is: the origin secret)."""
    return revealed(function_resource.inputs["environment"])["variables"]


def role_of(deployment: Deployment, function_resource: CapturedResource) -> CapturedResource:
    return next(r for r in deployment.of_type(ROLE) if r.outputs["arn"] == function_resource.inputs["role"])


def policy_of(deployment: Deployment, role: CapturedResource) -> dict[str, Any]:
    """The one inline policy of the role, parsed."""
    policies = [r for r in deployment.of_type(ROLE_POLICY) if r.inputs["role"] == role.outputs["name"]]
    assert len(policies) == 1, f"{role.name} has {len(policies)} policies"
    return json.loads(policies[0].inputs["policy"])


def statements(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in policy["Statement"]}


def actions_of(policy: dict[str, Any], *, excluding: set[str] = frozenset()) -> set[str]:
    return {
        action
        for statement in policy["Statement"]
        if statement["Sid"] not in excluding
        for action in _as_list(statement["Action"])
    }


def trusted_service(role: CapturedResource) -> str:
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    return statement["Principal"]["Service"]


def state_machine_arn(deployment: Deployment) -> str:
    return deployment.one("aws:sfn/stateMachine:StateMachine").outputs["arn"]


def site_dir() -> Path:
    return PROJECT_ROOT / "site"


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
