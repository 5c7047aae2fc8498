"""Functions: every Lambda of runtime.deployment.FUNCTIONS, sharing one code archive and one layer.

Each function's environment is exactly the names its spec lists, and its policy grants exactly its
spec's role permissions (its own calls, and for a stream consumer its event source mapping's reads of
the stream and sends to the dead-letter queue) on the resources they touch (see infra/access.py):
runtime/deployment.py is the only list of permissions, here and in the tests. No function invokes
another: what follows a write is delivered from the table's stream (infra/components/hand_offs.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws

from infra import iam
from infra.access import Target
from infra.components.handler_function import HandlerFunction, HandlerFunctionArgs
from infra.lambda_package import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, LambdaPackage
from runtime.contract import Env, Function, KeyPrefix
from runtime.deployment import FUNCTIONS, FunctionSpec, Resource


@attrs.frozen
class FunctionsArgs:
    name_prefix: str
    package: LambdaPackage
    targets: Mapping[Resource, Target]
    settings: Mapping[Env, pulumi.Input[str]]
    log_retention_days: int
    # Added to every function's policy after its grants (infra/access.py's guardrails).
    guardrails: Sequence[dict[str, Any]] = ()


class Functions(pulumi.ComponentResource):
    arns: dict[Function, pulumi.Output[str]]
    names: dict[Function, pulumi.Output[str]]

    def __init__(self, name: str, args: FunctionsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Functions", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        layer = aws.lambda_.LayerVersion(
            f"{name}-dependencies",
            layer_name=f"{args.name_prefix}-dependencies",
            description=args.package.layer_description,
            code=args.package.layer,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=child,
        )
        built: dict[Function, HandlerFunction] = {}
        for function, spec in FUNCTIONS.items():
            built[function] = HandlerFunction(
                f"{name}-{function}",
                HandlerFunctionArgs(
                    function_name=f"{args.name_prefix}-{function}",
                    description=spec.description,
                    handler=spec.handler,
                    code=args.package.code_for(spec.handler),
                    layer_arn=layer.arn,
                    environment=environment(function, spec, args.targets, args.settings),
                    statements=[*permission_statements(spec, args.targets), *args.guardrails],
                    log_retention_days=args.log_retention_days,
                ),
                opts=child,
            )
        self.arns = {function: built[function].arn for function in FUNCTIONS}
        self.names = {function: built[function].function_name for function in FUNCTIONS}
        self.register_outputs({"functionNames": {str(f): n for f, n in self.names.items()}})


def permission_statements(spec: FunctionSpec, targets: Mapping[Resource, Target]) -> list[dict[str, Any]]:
    """One statement per resource the function touches, and on the table per set of key prefixes: its
    actions there, on that resource's ARNs, for items under those prefixes only (LeadingKeys)."""
    grouped: dict[tuple[Resource, tuple[KeyPrefix, ...]], set[str]] = {}
    for permission in spec.role_permissions:
        keys = tuple(sorted(permission.keys))
        grouped.setdefault((permission.resource, keys), set()).update(permission.actions)
    return [
        iam.allow(
            _statement_id(resource, keys),
            actions,
            targets[resource].arns,
            iam.leading_keys(keys) if keys else None,
        )
        for (resource, keys), actions in grouped.items()
    ]


def environment(
    function: Function,
    spec: FunctionSpec,
    targets: Mapping[Resource, Target],
    settings: Mapping[Env, pulumi.Input[str]],
) -> dict[str, pulumi.Input[str]]:
    available: dict[Env, pulumi.Input[str]] = dict(settings)
    for resource in spec.resources:
        available.update(targets[resource].environment)
    missing = [str(name) for name in spec.environment if name not in available]
    if missing:
        raise KeyError(f"{function} reads {', '.join(missing)}, which nothing provides")
    return {str(name): available[name] for name in spec.environment}


def _statement_id(resource: Resource, keys: tuple[KeyPrefix, ...] = ()) -> str:
    """`reservation-index` -> `ReservationIndex`; the table, for REQ# and TOKEN# items ->
    `TableRequestLink` (statement ids are alphanumeric)."""
    words = str(resource).split("-") + [key.name for key in keys]
    return "".join(part.replace("_", " ").title().replace(" ", "") for part in words)
