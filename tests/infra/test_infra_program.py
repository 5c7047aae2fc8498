"""The program as a whole: outputs, component structure, and resources registered synchronously."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from infra_helpers import setting, stack_file

from infra.offline.mock_run import PROJECT_ROOT, STACKS, Deployment, run_program
from ops.targets import Target
from runtime.contract import StackOutput

COMPONENT_PREFIX = "partnerconfirm:infra:"
EXPORTS = {
    "siteUrl",
    "apiUrl",
    "region",
    "tableName",
    "streamArn",
    "stateMachineArn",
    "deadLetterQueueUrl",
    "partnerTimeoutSeconds",
    "retentionDays",
    "botId",
    "botAliasId",
    "smsEventsTopicArn",
    "operatorsTopicArn",
}


def test_exports_name_the_deployed_resources(deployment: Deployment) -> None:
    exports = deployment.exports
    assert set(exports) == EXPORTS == {str(output) for output in StackOutput} - {"endpointUrl"}
    distribution = deployment.one("aws:cloudfront/distribution:Distribution")
    assert exports["siteUrl"] == f"https://{distribution.outputs['domainName']}"
    assert exports["apiUrl"] == deployment.one("aws:apigatewayv2/api:Api").outputs["apiEndpoint"]
    assert exports["tableName"] == deployment.one("aws:dynamodb/table:Table").outputs["name"]
    assert exports["stateMachineArn"] == deployment.one("aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert exports["botId"] == deployment.one("aws-native:lex:Bot").outputs["awsId"]
    assert exports["botAliasId"] == deployment.one("aws-native:lex:BotAlias").outputs["botAliasId"]
    assert exports["smsEventsTopicArn"] == deployment.one("aws:sns/topic:Topic", "sms-events").outputs["arn"]


@pytest.mark.parametrize("stack", STACKS)
def test_exports_hold_what_the_operators_command_line_needs(
    deployments: dict[str, Deployment], stack: str
) -> None:
    """`python -m ops --stack <stack>` finds the table, its stream, the workflow, the dead-letter queue,
    the region and the partner timeout (for a redrive's due time) in these outputs."""
    deployment = deployments[stack]
    exports = deployment.exports
    table = deployment.one("aws:dynamodb/table:Table")
    queue = deployment.one("aws:sqs/queue:Queue")
    assert exports["region"] == stack_file(stack)["aws:region"]
    assert exports["streamArn"] == table.outputs["streamArn"]
    assert exports["deadLetterQueueUrl"] == queue.outputs["url"]
    assert queue.inputs["name"].endswith("-dead-letters")
    assert exports["partnerTimeoutSeconds"] == setting(stack, "partnerTimeoutSeconds")
    # What the tool reads them with: a target from `pulumi stack output --json`.
    target = Target.from_outputs(json.loads(json.dumps(exports)), source=f"the {stack} stack")
    assert target.table_name == table.outputs["name"]
    assert target.partner_timeout_seconds == setting(stack, "partnerTimeoutSeconds")
    # A redrive's items expire after the stack's retention, as the functions' writes do.
    assert exports["retentionDays"] == target.retention_days == setting(stack, "retentionDays")
    assert target.endpoint_url is None


def test_every_resource_belongs_to_a_component_of_this_project(deployment: Deployment) -> None:
    for resource in deployment.resources:
        parent = deployment.parent_of(resource)
        if parent is None:
            assert resource.type.startswith(COMPONENT_PREFIX), f"{resource.type} {resource.name} is loose"
        else:
            assert parent.type.startswith(COMPONENT_PREFIX)
            # Children are named from their component, so names stay unique and readable in the tree.
            assert resource.name.startswith(f"{parent.name}-"), f"{resource.name} under {parent.name}"


def test_the_product_is_built_from_these_components(deployments: dict[str, Deployment]) -> None:
    def components(deployment: Deployment) -> set[str]:
        return {r.type.removeprefix(COMPONENT_PREFIX) for r in deployment.resources if not r.custom}

    always = {"Table", "LinkSecret", "Bot", "HttpApi", "Site", "Functions", "HandlerFunction", "Workflow"}
    always |= {"ApiRoutes", "Observability", "SmsChannel", "HandOffs", "Operators"}
    always |= {"OriginSecret", "LinkSecretRotation"}
    # The per-client WAF limit on both: without it one client could use up the stage's shared throttle.
    always |= {"RateLimit"}
    assert components(deployments["dev"]) == always
    assert components(deployments["demo"]) == always | {"SampleData"}


def test_every_resource_is_created_while_the_program_runs_not_inside_an_apply(deployment: Deployment) -> None:
    registered = [(r.type, r.name) for r in deployment.resources]
    assert len(set(registered)) == len(registered), "a (type, name) pair is registered twice"
    assert set(registered) == set(deployment.constructed_while_running)


def test_a_resource_created_inside_an_apply_is_detected(tmp_path: Path) -> None:
    """The check above can fail: a program that creates a topic in an apply is caught."""
    (tmp_path / "Pulumi.yaml").write_text("name: apply-probe\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-northeast-2\n")
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi_aws as aws
            queue = aws.sqs.Queue("queue")
            queue.arn.apply(lambda arn: aws.sns.Topic("made-in-apply"))
            """
        )
    )
    probe = run_program("dev", program=tmp_path / "__main__.py")
    assert ("aws:sns/topic:Topic", "made-in-apply") not in probe.constructed_while_running
    assert "made-in-apply" in {r.name for r in probe.resources}


def test_dev_and_demo_differ_only_where_their_files_say(deployments: dict[str, Deployment]) -> None:
    assert setting("demo", "wafRateLimit") and setting("dev", "wafRateLimit")
    assert setting("demo", "loadSampleData") and not setting("dev", "loadSampleData")
    assert setting("demo", "retentionDays") == 90 and setting("dev", "retentionDays") == 14
    # Neither names an alarm address (one is set per deployment, never committed).
    assert not setting("demo", "alarmEmail") and not setting("dev", "alarmEmail")
    dev, demo = deployments["dev"], deployments["demo"]
    types_only_in_demo = {r.type for r in demo.resources} - {r.type for r in dev.resources}
    assert types_only_in_demo == {"partnerconfirm:infra:SampleData", "aws:dynamodb/tableItem:TableItem"}
    assert {r.type for r in dev.resources} <= {r.type for r in demo.resources}


def test_infra_never_imports_boto3() -> None:
    """docs/architecture.md, "Layers": runtime never imports pulumi, infra never imports boto3."""
    modules = sorted(
        ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for p in (PROJECT_ROOT / "infra").rglob("*.py")
        if p.stem != "__init__"
    )
    assert "infra.components.table" in modules
    script = "import importlib, sys\n" + "".join(f"importlib.import_module('{m}')\n" for m in modules)
    script += "sys.exit(1 if 'boto3' in sys.modules else 0)\n"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr or "infra imported boto3"


@pytest.mark.parametrize(
    "module",
    sorted(
        f"definitions.{p.stem}" for p in (PROJECT_ROOT / "definitions").glob("*.py") if p.stem != "__init__"
    ),
)
def test_definitions_shared_with_the_local_stack_import_without_pulumi(module: str) -> None:
    script = f"import sys\nsys.modules['pulumi'] = None\nimport {module}\n"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
