"""`python -m infra.offline.plan --stack demo`: what `pulumi up` would create, offline, like `cdk synth`.

Runs the program under the mocks (infra/offline/mock_run.py) with the stack's real config, prints the resource
tree with each resource's key properties, and writes `build/plan/<stack>.json` =
`[{type, name, parent, inputs}]`, inputs resolved as AWS would receive them (the state machine
definition and policy documents as JSON strings), so validators and linters can read them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi

from infra.offline.mock_run import PROJECT_ROOT, STACKS, CapturedResource, Deployment, Secret, run_program

# The inputs worth a glance in the tree; the JSON file has all of them.
KEY_PROPERTIES = (
    "name",
    "layerName",
    "handler",
    "runtime",
    "memorySize",
    "timeout",
    "billingMode",
    "deletionProtectionEnabled",
    "protocolType",
    "routeKey",
    "type",
    "scope",
    "key",
    "contentType",
    "retentionInDays",
    "localeId",
    "botAliasName",
    "metricName",
    "region",
    "defaultRootObject",
    "hashKey",
    "rangeKey",
    "streamViewType",
    "startingPosition",
    "scheduleExpression",
)
_MAX_VALUE_CHARS = 60


def plan_records(deployment: Deployment) -> list[dict[str, Any]]:
    """The plan file's content: every resource in construction order, its parent named, inputs plain."""
    return [
        {
            "type": resource.type,
            "name": resource.name,
            "parent": parent.name if (parent := deployment.parent_of(resource)) else None,
            "inputs": _json_ready(resource.inputs),
        }
        for resource in deployment.resources
    ]


def tree_lines(deployment: Deployment) -> Iterator[str]:
    yield f"Stack partner-confirm/{deployment.stack} ({len(deployment.resources)} resources)"
    for root in (resource for resource in deployment.resources if resource.parent is None):
        yield from _branch(deployment, root, depth=1)
    yield "Outputs:"
    for name, value in deployment.exports.items():
        yield f"    {name}: {value}"


def write_plan(deployment: Deployment, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(plan_records(deployment), ensure_ascii=False, indent=2)
    output.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.offline.plan", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", choices=STACKS, required=True)
    parser.add_argument("--output", type=Path, help="default: build/plan/<stack>.json")
    options = parser.parse_args(argv)
    output = options.output or PROJECT_ROOT / "build" / "plan" / f"{options.stack}.json"

    deployment = run_program(options.stack)
    write_plan(deployment, output)
    for line in tree_lines(deployment):
        print(line)
    for warning in deployment.warnings:
        print(f"warning: {warning}")
    print(f"\nPlan written to {_relative(output)}")
    return 0


def _branch(deployment: Deployment, resource: CapturedResource, depth: int) -> Iterator[str]:
    properties = " ".join(
        f"{key}={_short(resource.inputs[key])}" for key in KEY_PROPERTIES if key in resource.inputs
    )
    yield f"{'    ' * depth}{resource.type}  {resource.name}" + (f"  [{properties}]" if properties else "")
    for child in deployment.children_of(resource):
        yield from _branch(deployment, child, depth + 1)


def _short(value: Any) -> str:
    text = str(value) if isinstance(value, Secret) else json.dumps(_json_ready(value), ensure_ascii=False)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _json_ready(value: Any) -> Any:
    """Inputs as JSON, keys sorted so plans diff cleanly; numbers as AWS gets them (the wire has floats)."""
    if isinstance(value, Secret):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_ready(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return _asset(value)
    return value


def _asset(value: pulumi.Asset | pulumi.Archive) -> dict[str, Any]:
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": _json_ready(value.assets)}
    if isinstance(value, pulumi.StringAsset):
        return {"text": value.text}
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        return {"file": _relative(Path(value.path))}
    raise TypeError(f"an asset or archive the plan cannot show: {type(value).__name__}")


def _relative(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())
