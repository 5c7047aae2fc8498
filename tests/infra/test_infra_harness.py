"""The offline harness itself (infra/offline/mock_run.py): where the mocks say nothing, it places each
resource in the tree as the Pulumi engine would."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from infra_helpers import lambda_of

from infra.offline.mock_run import Deployment, run_program
from runtime.contract import Function

PREFIX = "urn:pulumi:dev::partner-confirm::"


def test_urns_chain_the_parents_types_as_the_engine_does(deployments: dict[str, Deployment]) -> None:
    """`urn:pulumi:<stack>::<project>::<parent types$type>::<name>`; the stack itself is left out."""
    dev = deployments["dev"]
    functions = dev.one("partnerconfirm:infra:Functions")
    assert functions.urn == f"{PREFIX}partnerconfirm:infra:Functions::functions"
    assert functions.parent is None
    chat = lambda_of(dev, Function.CHAT)
    handler = dev.parent_of(chat)
    assert handler is not None and handler.type == "partnerconfirm:infra:HandlerFunction"
    assert dev.parent_of(handler) == functions
    assert chat.urn == (
        f"{PREFIX}partnerconfirm:infra:Functions$partnerconfirm:infra:HandlerFunction"
        f"$aws:lambda/function:Function::{chat.name}"
    )
    assert chat.parent == handler.urn
    assert len({resource.urn for resource in dev.resources}) == len(dev.resources)


def test_a_name_given_twice_under_two_parents_is_refused(tmp_path: Path) -> None:
    """Pulumi accepts it (the URNs differ), but the mocks see only type and name: the harness says so."""
    (tmp_path / "Pulumi.yaml").write_text("name: twice-probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-northeast-2\n")
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi
            import pulumi_aws as aws

            for owner in ("first", "second"):
                component = pulumi.ComponentResource("probe:index:Owner", owner)
                aws.sns.Topic("topic", opts=pulumi.ResourceOptions(parent=component))
            """
        )
    )
    with pytest.raises(ValueError, match="aws:sns/topic:Topic topic is constructed twice"):
        run_program("dev", program=tmp_path / "__main__.py")
