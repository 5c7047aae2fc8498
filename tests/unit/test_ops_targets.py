"""Which deployment `python -m ops` operates: the local stack's file, a saved outputs file, or a
Pulumi stack through the Pulumi CLI; each missing or incomplete one is a clear error."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from ops.errors import OpsError
from ops.targets import (
    PROJECT_ROOT,
    Target,
    local_target,
    outputs_file_target,
    stack_names,
    stack_target,
)
from runtime.contract import StackOutput

OUTPUTS = {
    "siteUrl": "https://d111111abcdef8.cloudfront.net",
    "region": "ap-northeast-2",
    "tableName": "PartnerConfirmation-dev",
    "streamArn": "arn:aws:dynamodb:ap-northeast-2:123456789012:table/PartnerConfirmation-dev/stream/2026",
    "stateMachineArn": "arn:aws:states:ap-northeast-2:123456789012:stateMachine:partner-confirm-dev-workflow",
    "deadLetterQueueUrl": "https://sqs.ap-northeast-2.amazonaws.com/123456789012/partner-confirm-dev-dead-letters",
    "partnerTimeoutSeconds": 300,
}


def test_outputs_name_everything_the_commands_need():
    target = Target.from_outputs(OUTPUTS, source="stack dev", option="--stack dev")

    assert target.table_name == "PartnerConfirmation-dev"
    assert target.region == "ap-northeast-2"
    assert target.partner_timeout_seconds == 300
    assert target.require(StackOutput.DEAD_LETTER_QUEUE_URL) == OUTPUTS["deadLetterQueueUrl"]
    assert not target.is_local


@pytest.mark.parametrize("missing", [["tableName"], ["region"], ["tableName", "region"]])
def test_outputs_without_the_table_or_region_are_refused_naming_what_is_missing(missing):
    outputs = {k: v for k, v in OUTPUTS.items() if k not in missing}
    with pytest.raises(OpsError, match=f"does not name {', '.join(missing)}"):
        Target.from_outputs(outputs, source="x.json")


def test_an_output_a_command_needs_but_the_stack_lacks_is_named():
    target = Target.from_outputs({"region": "ap-northeast-2", "tableName": "t"}, source="old.json")
    with pytest.raises(OpsError, match=r"old\.json does not name stateMachineArn, which this command needs"):
        target.require(StackOutput.STATE_MACHINE_ARN)
    with pytest.raises(OpsError, match="partnerTimeoutSeconds is not a number"):
        Target.from_outputs({**OUTPUTS, "partnerTimeoutSeconds": "five"}, source="x.json")
    assert (
        Target.from_outputs({**OUTPUTS, "partnerTimeoutSeconds": "8"}, source="x").partner_timeout_seconds
        == 8
    )


def test_the_local_stack_file_missing_means_no_local_stack(tmp_path):
    with pytest.raises(
        OpsError, match=r"no local stack is running here: .*stack.json is missing .*make local"
    ):
        local_target(tmp_path / "build/local/stack.json")


def test_the_local_stack_file_names_the_emulator(tmp_path):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({**OUTPUTS, "endpointUrl": "http://127.0.0.1:4566"}))

    target = local_target(path)

    assert target.is_local and target.endpoint_url == "http://127.0.0.1:4566"
    assert target.option == "--local"


@pytest.mark.parametrize(
    ("content", "error"),
    [(None, "not found"), ("{not json", "is not readable JSON"), ("[1, 2]", "is not a JSON object")],
)
def test_an_outputs_file_that_is_missing_or_not_outputs_is_refused(tmp_path, content, error):
    path = tmp_path / "outputs.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(OpsError, match=error):
        outputs_file_target(path)


def test_without_the_pulumi_cli_the_error_says_how_to_use_an_outputs_file():
    with pytest.raises(OpsError) as error:
        stack_target("demo", which=lambda _: None)
    message = str(error.value)
    assert "Pulumi CLI is not installed" in message
    assert "pulumi stack output --json --stack demo > demo-outputs.json" in message
    assert "--outputs demo-outputs.json" in message


def test_a_stack_is_read_through_pulumi_stack_output_in_this_project():
    ran = []

    def run(command, **options):
        ran.append((command, options["cwd"]))
        return subprocess.CompletedProcess(command, 0, stdout=json.dumps(OUTPUTS), stderr="")

    target = stack_target("dev", which=lambda _: "/usr/bin/pulumi", run=run)

    assert ran == [(["/usr/bin/pulumi", "stack", "output", "--json", "--stack", "dev"], PROJECT_ROOT)]
    assert target.table_name == OUTPUTS["tableName"] and target.option == "--stack dev"


def test_a_failing_pulumi_is_reported_with_its_own_last_words():
    def run(command, **_):
        said = "warning: something\nerror: no stack named 'dev' found\n"
        return subprocess.CompletedProcess(command, 255, stdout="", stderr=said)

    with pytest.raises(
        OpsError, match=r"`pulumi stack output --stack dev` failed: error: no stack named 'dev'"
    ):
        stack_target("dev", which=lambda _: "pulumi", run=run)


def test_the_real_lookup_runs_the_pulumi_found_on_the_path(tmp_path, monkeypatch):
    """A stand-in `pulumi` on PATH: the lookup finds it, runs it and reads what it prints."""
    seen = tmp_path / "arguments"
    script = tmp_path / "pulumi"
    script.write_text(f"#!/bin/sh\necho \"$@\" > {seen}\ncat <<'EOF'\n{json.dumps(OUTPUTS)}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    target = stack_target("demo")

    assert seen.read_text().split() == ["stack", "output", "--json", "--stack", "demo"]
    assert target.dead_letter_queue_url == OUTPUTS["deadLetterQueueUrl"]


def test_the_stacks_offered_are_the_projects_stack_files():
    assert stack_names() == sorted(p.name.split(".")[1] for p in Path(PROJECT_ROOT).glob("Pulumi.*.yaml"))
    assert {"dev", "demo"} <= set(stack_names())
