"""Run the real Pulumi program (`__main__.py`) offline, under Pulumi's unit-test mocks, with a stack's
real config file, and capture every resource it registers: type, name, parent, provider, inputs.

One implementation for `python -m infra.plan` and tests/infra. Each run resets Pulumi's runtime,
sets config and mocks first, then executes the program file fresh, as `pulumi up` would.
"""

from __future__ import annotations

import json
import logging
import runpy
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings

from infra.mock_aws import AwsMocks

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROGRAM = PROJECT_ROOT / "__main__.py"
STACKS = ("dev", "demo")
STACK_TYPE = "pulumi:pulumi:Stack"


@attrs.frozen
class Secret:
    """A value Pulumi keeps encrypted; shown as `[secret]` in plans."""

    value: Any = attrs.field(repr=False)

    def __str__(self) -> str:
        return "[secret]"


@attrs.frozen
class CapturedResource:
    urn: str
    id: str | None  # the provider's id for the resource (what `resource.id` resolves to)
    type: str
    name: str
    parent: str | None  # the parent's URN; None for resources directly under the stack
    provider: str | None  # an explicit provider reference, `urn::id`
    custom: bool
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    # Properties whose later changes the program leaves alone (ResourceOptions.ignore_changes).
    ignore_changes: tuple[str, ...] = ()


@attrs.frozen
class Deployment:
    stack: str
    config: Mapping[str, str]
    resources: tuple[CapturedResource, ...]  # in the order the program constructed them
    constructed_while_running: tuple[tuple[str, str], ...]  # (type, name) before any output resolved
    exports: Mapping[str, Any]
    warnings: tuple[str, ...] = ()  # what `pulumi up` would print as warnings (pulumi.log.warn)

    def of_type(self, type_: str) -> list[CapturedResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def one(self, type_: str, name: str | None = None) -> CapturedResource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> CapturedResource:
        return next(resource for resource in self.resources if resource.urn == urn)

    def parent_of(self, resource: CapturedResource) -> CapturedResource | None:
        return self.by_urn(resource.parent) if resource.parent else None

    def children_of(self, resource: CapturedResource) -> list[CapturedResource]:
        return [child for child in self.resources if child.parent == resource.urn]


class _CapturingMonitor(pulumi_mocks.MockMonitor):
    """The mock engine, also keeping what each registration asked for (MockResourceArgs has no parent)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        registered = self.resources[response.urn]
        captured = CapturedResource(
            urn=response.urn,
            id=registered.id or None,
            type=request.type,
            name=request.name,
            parent=None if _is_stack(request.parent) else request.parent,
            provider=request.provider or None,
            custom=request.custom,
            inputs=_plain(rpc.deserialize_properties(request.object)),
            outputs=_plain(registered.state),
            ignore_changes=tuple(request.ignoreChanges),
        )
        with self._lock:
            self.captured.append(captured)
        return response


class _Warnings(logging.Handler):
    """The messages the program logs through pulumi.log.warn (the mock engine logs them here)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.messages.append(record.getMessage())


def stack_config(stack: str, project_root: Path = PROJECT_ROOT) -> tuple[dict[str, str], list[str]]:
    """The stack file's config as the Pulumi CLI hands it to a program: strings, objects as JSON.

    Encrypted (`secure:`) values cannot be read offline; they become placeholders, still secret."""
    document = yaml.safe_load((project_root / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")) or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = f"offline-placeholder-for-{key}"
            secret_keys.append(key)
        else:
            config[key] = _config_text(value)
    return config, secret_keys


def run_program(
    stack: str, *, extra_config: Mapping[str, str | Secret] | None = None, program: Path = PROGRAM
) -> Deployment:
    config, secret_keys = stack_config(stack, program.parent)
    for key, value in (extra_config or {}).items():
        config[key] = str(value.value) if isinstance(value, Secret) else value
        if isinstance(value, Secret):
            secret_keys.append(key)
    project = yaml.safe_load((program.parent / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]

    pulumi.runtime.reset_options(project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(config, secret_keys)
    monitor = _CapturingMonitor(AwsMocks(region=config["aws:region"]))
    warnings = _Warnings()
    engine_log = logging.getLogger(f"{__name__}.engine")
    engine_log.propagate = False
    engine_log.handlers = [warnings]
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=False, logger=engine_log, monitor=monitor
    )
    constructed: list[tuple[str, str]] = []

    def record_construction(args: pulumi.ResourceTransformationArgs) -> None:
        # Stack transformations run inside each resource's constructor, so this list holds exactly the
        # resources created while the program itself ran; anything added later came from an apply.
        constructed.append((args.type_, args.name))

    pulumi.runtime.register_stack_transformation(record_construction)
    results: dict[str, Any] = {}

    @pulumi.runtime.test
    def execute() -> pulumi.Output[None]:
        runpy.run_path(str(program), run_name="__main__")
        results["constructed"] = tuple(constructed)
        exports = pulumi_settings.get_root_resource().outputs
        return pulumi.Output.all(**exports).apply(lambda values: results.update(exports=_plain(values)))

    execute()
    order = {key: index for index, key in enumerate(constructed)}
    resources = sorted(monitor.captured, key=lambda r: order.get((r.type, r.name), len(order)))
    return Deployment(
        stack=stack,
        config=config,
        resources=tuple(resources),
        constructed_while_running=results["constructed"],
        exports=results["exports"],
        warnings=tuple(warnings.messages),
    )


def _is_stack(urn: str) -> bool:
    """URNs end `::<type>::<name>`; a resource's parent is empty or the stack for top-level resources."""
    return not urn or urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1] == STACK_TYPE


def _config_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    # Booleans, numbers and objects reach the program as JSON text (`true`, `300`, `{...}`).
    return json.dumps(value)


def _plain(value: Any) -> Any:
    """Registered values as plain data: secrets wrapped in Secret, assets and archives kept as objects."""
    if isinstance(value, dict):
        # Pulumi's wire format marks a secret with its signature key.
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return Secret(_plain(value["value"]))
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
