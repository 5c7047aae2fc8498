"""`make plan`: the program under mocks, offline, printed as a tree and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.offline import plan
from infra.offline.mock_run import Deployment
from runtime.deployment import NEW_REQUEST_FILTER, REDRIVEN_FILTER, SWEEP_SCHEDULE


def test_the_plan_lists_every_resource_with_resolved_inputs(deployment: Deployment) -> None:
    records = plan.plan_records(deployment)
    assert len(records) == len(deployment.resources)
    assert all(set(record) == {"type", "name", "parent", "inputs"} for record in records)
    by_name = {record["name"]: record for record in records}
    machine = by_name["workflow-state-machine"]
    assert machine["parent"] == "workflow"
    assert json.loads(machine["inputs"]["definition"])["StartAt"] == "SendSMS"
    policy = by_name["functions-chat-policy"]["inputs"]["policy"]
    assert json.loads(policy)["Statement"]
    assert by_name["link-secret-version"]["inputs"]["secretString"] == "[secret]"
    code = by_name["functions-chat-function"]["inputs"]["code"]["archive"]
    # The built archive's folder (sources with their bytecode), named relative to the project.
    assert code["runtime/handlers/chat.py"]["file"].startswith("build/code/")
    assert code["runtime/handlers/chat.py"]["file"].endswith("/runtime/handlers/chat.py")
    assert any(name.startswith("runtime/handlers/__pycache__/chat.") for name in code)
    # Filter patterns as Lambda receives them: JSON text, which a filter linter can read.
    mapping = by_name["hand-offs-orchestrator-stream"]
    assert mapping["parent"] == "hand-offs"
    patterns = [json.loads(f["pattern"]) for f in mapping["inputs"]["filterCriteria"]["filters"]]
    assert patterns == [NEW_REQUEST_FILTER, REDRIVEN_FILTER]
    assert json.loads(by_name["hand-offs-sweeper-schedule-role"]["inputs"]["assumeRolePolicy"])["Statement"]
    json.dumps(records)  # everything is plain JSON


def test_the_tree_shows_components_and_their_resources(deployment: Deployment) -> None:
    lines = list(plan.tree_lines(deployment))
    assert lines[0].startswith(f"Stack partner-confirm/{deployment.stack}")
    functions = lines.index("    partnerconfirm:infra:Functions  functions")
    assert lines[functions + 1].startswith(
        "        aws:lambda/layerVersion:LayerVersion  functions-dependencies"
    )
    assert any(
        'handler="runtime.handlers.chat.handle"' in line and "memorySize=512" in line for line in lines
    )
    assert "Outputs:" in lines
    hand_offs = lines.index("    partnerconfirm:infra:HandOffs  hand-offs")
    assert lines[hand_offs + 1].startswith("        aws:sqs/queue:Queue  hand-offs-dead-letters")
    assert any("hand-offs-orchestrator-stream" in line and "TRIM_HORIZON" in line for line in lines)
    assert any(
        "hand-offs-sweeper-schedule " in line and f'scheduleExpression="{SWEEP_SCHEDULE}"' in line
        for line in lines
    )
    assert any('streamViewType="NEW_AND_OLD_IMAGES"' in line for line in lines)


def test_the_command_writes_the_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "dev.json"
    assert plan.main(["--stack", "dev", "--output", str(output)]) == 0
    records = json.loads(output.read_text(encoding="utf-8"))
    assert {record["type"] for record in records} >= {
        "aws:lambda/function:Function",
        "aws-native:lex:Bot",
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "aws:scheduler/schedule:Schedule",
        "aws:sqs/queue:Queue",
    }
    printed = capsys.readouterr().out
    assert "partnerconfirm:infra:Site  site" in printed
    assert "siteUrl: https://" in printed
