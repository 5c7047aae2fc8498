"""`make plan`: the program under mocks, offline, printed as a tree and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import plan
from infra.mock_run import Deployment


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
    assert code["runtime/handlers/chat.py"] == {"file": "runtime/handlers/chat.py"}
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


def test_the_command_writes_the_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "dev.json"
    assert plan.main(["--stack", "dev", "--output", str(output)]) == 0
    records = json.loads(output.read_text(encoding="utf-8"))
    assert {record["type"] for record in records} >= {"aws:lambda/function:Function", "aws-native:lex:Bot"}
    printed = capsys.readouterr().out
    assert "partnerconfirm:infra:Site  site" in printed
    assert "siteUrl: https://" in printed
