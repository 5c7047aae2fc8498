"""Run the real Pulumi program (`__main__.py`) offline, under Pulumi's unit-test mocks, with a stack's
real config file, and capture every resource it registers: type, name, parent, provider, inputs.

One implementation for `python -m infra.offline.plan` and tests/infra. Each run resets Pulumi's runtime,
sets config and mocks first, then executes the program file fresh, as `pulumi up` would.

Only Pulumi's public testing API is used: `pulumi.runtime.set_mocks` with a `pulumi.runtime.Mocks`
subclass, `set_all_config`, `reset_options`, `register_stack_transformation` and `pulumi.runtime.test`
(pyproject.toml pins the range these are taken from). What the mocks are not told — a resource's
parent and URN — comes from the stack transformation, which sees each resource's options as the
program passed them.
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
from pulumi.runtime import rpc
from pulumi.runtime.stack import Stack

from infra.offline.mock_aws import AwsMocks

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROGRAM = PROJECT_ROOT / "__main__.py"
STACKS = ("dev", "demo")


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
    # Properties whose later changes the program leaves alone (ResourceOptions.ignore_changes, as
    # the program wrote them).
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


@attrs.frozen
class _Registration:
    """What the engine was asked to create, as the mocks see it (MockResourceArgs and the answer)."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    provider: str | None
    custom: bool
    id: str | None
    outputs: Mapping[str, Any]


class _RecordingMocks(pulumi.runtime.Mocks):
    """Answers as AWS would (infra/offline/mock_aws.py) and keeps every registration, in the order it came."""

    def __init__(self, aws: pulumi.runtime.Mocks) -> None:
        self._aws = aws
        self._lock = threading.Lock()  # the SDK registers resources from several threads
        self.registrations: list[_Registration] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        return self._aws.call(args)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        resource_id, outputs = self._aws.new_resource(args)
        registration = _Registration(
            type=args.typ,
            name=args.name,
            inputs=_plain(args.inputs),
            provider=args.provider or None,
            custom=bool(args.custom),
            id=resource_id or None,
            outputs=_plain(outputs),
        )
        with self._lock:
            self.registrations.append(registration)
        return resource_id, outputs


@attrs.frozen
class _Node:
    type: str
    name: str
    urn: str
    parent: str | None
    ignore_changes: tuple[str, ...]


class _Structure:
    """A stack transformation that names each resource's place in the tree, as the program built it.

    MockResourceArgs carries no parent and no URN, so both come from here: the transformation runs in
    each resource's constructor and sees its options, whose `parent` is the parent resource object
    (None, or the stack itself, for a resource at the top). The URN is then built the way the Pulumi
    engine builds it, `urn:pulumi:<stack>::<project>::<type chain>::<name>`, where the type chain is
    the parent's chain, `$`, and the resource's own type (a resource under the stack has just its
    type), so a child's URN follows from its parent's, which was constructed first. (Pulumi's mock
    engine names resources differently, keeping the stack's type and only the parent's last type; the
    rules in policy/ read the URN `pulumi up` would give.)
    """

    def __init__(self, project: str, stack: str) -> None:
        self._prefix = f"urn:pulumi:{stack}::{project}::"
        self._root = pulumi.runtime.get_root_resource()
        self._chains: dict[int, tuple[pulumi.Resource, str, str]] = {}  # id -> (resource, chain, urn)
        self.nodes: list[_Node] = []

    def __call__(self, args: pulumi.ResourceTransformationArgs) -> None:
        parent = args.opts.parent if args.opts is not None else None
        if parent is None or parent is self._root:
            chain, parent_urn = args.type_, None
        else:
            _, parent_chain, parent_urn = self._chains[id(parent)]
            chain = f"{parent_chain}${args.type_}"
        urn = f"{self._prefix}{chain}::{args.name}"
        self._chains[id(args.resource)] = (args.resource, chain, urn)
        ignored = tuple(args.opts.ignore_changes or ()) if args.opts is not None else ()
        self.nodes.append(
            _Node(type=args.type_, name=args.name, urn=urn, parent=parent_urn, ignore_changes=ignored)
        )


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

    # A fresh runtime for every run (a new root stack resource), the config the CLI would hand over,
    # then the mocks in place of the engine.
    pulumi.runtime.reset_options(project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(config, secret_keys)
    mocks = _RecordingMocks(AwsMocks(region=config["aws:region"]))
    warnings = _Warnings()
    engine_log = logging.getLogger(f"{__name__}.engine")
    engine_log.propagate = False
    engine_log.handlers = [warnings]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, logger=engine_log)
    structure = _Structure(project, stack)
    pulumi.runtime.register_stack_transformation(structure)
    results: dict[str, Any] = {}

    @pulumi.runtime.test
    def execute() -> pulumi.Output[None]:
        runpy.run_path(str(program), run_name="__main__")
        # Transformations run inside each constructor, so these nodes are exactly the resources created
        # while the program itself ran; anything added later came from an apply.
        results["constructed"] = tuple((node.type, node.name) for node in structure.nodes)
        # `pulumi.export` writes to the root stack resource's `outputs`.
        root = pulumi.runtime.get_root_resource()
        if not isinstance(root, Stack):
            raise RuntimeError("the program ran without its root stack resource")
        exports = root.outputs
        return pulumi.Output.all(**exports).apply(lambda values: results.update(exports=_plain(values)))

    execute()
    return Deployment(
        stack=stack,
        config=config,
        resources=_captured(mocks.registrations, structure.nodes),
        constructed_while_running=results["constructed"],
        exports=results["exports"],
        warnings=tuple(warnings.messages),
    )


def _captured(registrations: list[_Registration], nodes: list[_Node]) -> tuple[CapturedResource, ...]:
    """Each registration joined with its place in the tree, in the order the program constructed them.

    The mocks see a resource by its type and name only, so a program registering one (type, name)
    pair twice (allowed by Pulumi under different parents) cannot be told apart here: it is refused."""
    placed: dict[tuple[str, str], tuple[int, _Node]] = {}
    for index, node in enumerate(nodes):
        key = (node.type, node.name)
        if key in placed:
            raise ValueError(f"{node.type} {node.name} is constructed twice: name each resource once")
        placed[key] = (index, node)
    joined: list[tuple[int, CapturedResource]] = []
    for registration in registrations:
        if (registration.type, registration.name) not in placed:
            raise LookupError(f"{registration.type} {registration.name} was registered but never constructed")
        index, node = placed[(registration.type, registration.name)]
        joined.append(
            (
                index,
                CapturedResource(
                    urn=node.urn,
                    id=registration.id,
                    type=registration.type,
                    name=registration.name,
                    parent=node.parent,
                    provider=registration.provider,
                    custom=registration.custom,
                    inputs=registration.inputs,
                    outputs=registration.outputs,
                    ignore_changes=node.ignore_changes,
                ),
            )
        )
    return tuple(resource for _, resource in sorted(joined, key=lambda pair: pair[0]))


def _config_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    # Booleans, numbers and objects reach the program as JSON text (`true`, `300`, `{...}`).
    return json.dumps(value)


def _plain(value: Any) -> Any:
    """Registered values as plain data: secrets wrapped in Secret, assets and archives kept as objects."""
    if rpc.is_rpc_secret(value):
        return Secret(_plain(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
