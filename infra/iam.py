"""IAM policy documents as data: built as dicts, serialized by Pulumi once every ARN is known."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi

VERSION = "2012-10-17"


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service assume the role."""
    return json.dumps(
        {
            "Version": VERSION,
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def allow(
    sid: str,
    actions: Iterable[str],
    resources: Sequence[pulumi.Input[str]],
    condition: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources),
    }
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def leading_keys(prefixes: Iterable[str]) -> dict[str, Any]:
    """Only items whose partition key begins with one of `prefixes` (every key a request names: a
    transaction's items are authorised one by one, each by its own action and key)."""
    return {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{prefix}*" for prefix in sorted(prefixes)]}
    }


def deny(sid: str, actions: Iterable[str], resources: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """An explicit deny: no allow in any policy of the role can override it."""
    return {"Sid": sid, "Effect": "Deny", "Action": sorted(actions), "Resource": list(resources)}


def deny_all_but(sid: str, actions: Iterable[str], resources: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """An explicit deny of `actions` on every resource except `resources`."""
    return {"Sid": sid, "Effect": "Deny", "Action": sorted(actions), "NotResource": list(resources)}


def policy_document(statements: Iterable[dict[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})
