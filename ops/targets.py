"""Which deployment the command line operates: its names, region and (locally) emulator endpoint.

- `--local`: the stack `make local` runs on this machine, described in build/local/stack.json (which
  `make local` writes when it starts and removes when it stops).
- `--stack NAME`: a deployed Pulumi stack, read with `pulumi stack output --json --stack NAME`.
- `--outputs FILE`: the same JSON, saved to a file (for a machine without the Pulumi CLI).

The names are the Pulumi program's exports (runtime.contract.StackOutput), the same in all three.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ops.errors import OpsError
from runtime.contract import StackOutput

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Relative to where the command runs, as `make local` writes it (both run from the repository).
LOCAL_STACK_FILE = Path("build/local/stack.json")
REQUIRED = (StackOutput.TABLE_NAME, StackOutput.REGION)
PULUMI_TIMEOUT_SECONDS = 120


@attrs.frozen
class Target:
    source: str  # how messages name it: "the local stack (build/local/stack.json)"
    region: str
    table_name: str
    endpoint_url: str | None = None
    stream_arn: str | None = None
    state_machine_arn: str | None = None
    dead_letter_queue_url: str | None = None
    partner_timeout_seconds: int | None = None
    retention_days: int | None = None
    # How the command line names it, for the commands a message suggests: "--local", "--stack dev".
    option: str = ""

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any], *, source: str, option: str = "") -> Target:
        missing = [str(name) for name in REQUIRED if not _is_text(outputs.get(name))]
        if missing:
            raise OpsError(
                f"{source} does not name {', '.join(missing)} "
                "(expected the outputs of `pulumi stack output --json`, or build/local/stack.json)"
            )

        def text(name: StackOutput) -> str | None:
            value = outputs.get(name)
            return value if _is_text(value) else None

        def number(name: StackOutput) -> int | None:
            value = outputs.get(name)
            try:
                return int(value) if value is not None else None
            except (TypeError, ValueError):
                raise OpsError(f"{source}: {name} is not a number: {value!r}") from None

        return cls(
            source=source,
            region=str(outputs[StackOutput.REGION]),
            table_name=str(outputs[StackOutput.TABLE_NAME]),
            endpoint_url=text(StackOutput.ENDPOINT_URL),
            stream_arn=text(StackOutput.STREAM_ARN),
            state_machine_arn=text(StackOutput.STATE_MACHINE_ARN),
            dead_letter_queue_url=text(StackOutput.DEAD_LETTER_QUEUE_URL),
            partner_timeout_seconds=number(StackOutput.PARTNER_TIMEOUT_SECONDS),
            retention_days=number(StackOutput.RETENTION_DAYS),
            option=option,
        )

    def require(self, output: StackOutput) -> Any:
        """The value of `output`, which this command needs; a clear error when the target lacks it."""
        value = {
            StackOutput.STREAM_ARN: self.stream_arn,
            StackOutput.STATE_MACHINE_ARN: self.state_machine_arn,
            StackOutput.DEAD_LETTER_QUEUE_URL: self.dead_letter_queue_url,
            StackOutput.PARTNER_TIMEOUT_SECONDS: self.partner_timeout_seconds,
            StackOutput.RETENTION_DAYS: self.retention_days,
        }.get(output)
        if value is None:
            raise OpsError(
                f"{self.source} does not name {output}, which this command needs "
                "(a stack deployed before it was exported: `pulumi up` adds it)"
            )
        return value


def local_target(path: Path = LOCAL_STACK_FILE) -> Target:
    source = f"the local stack ({path})"
    if not path.is_file():
        raise OpsError(f"no local stack is running here: {path} is missing (start one with `make local`)")
    return Target.from_outputs(_json_object(path, source), source=source, option="--local")


def outputs_file_target(path: Path) -> Target:
    if not path.is_file():
        raise OpsError(f"outputs file {path} not found (write it with `pulumi stack output --json > {path}`)")
    return Target.from_outputs(_json_object(path, str(path)), source=str(path), option=f"--outputs {path}")


def stack_target(
    stack: str,
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> Target:
    """The stack's outputs through the Pulumi CLI, run in this project (where Pulumi.yaml is)."""
    pulumi = which("pulumi")
    if pulumi is None:
        raise OpsError(
            "the Pulumi CLI is not installed here: on a machine that has it, run "
            f"`pulumi stack output --json --stack {stack} > {stack}-outputs.json`, "
            f"then use --outputs {stack}-outputs.json"
        )
    command = [pulumi, "stack", "output", "--json", "--stack", stack]
    try:
        done = run(
            command,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=PULUMI_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OpsError(f"`pulumi stack output --stack {stack}` did not answer: {error}") from None
    if done.returncode != 0:
        said = [line.strip() for line in (done.stderr or "").splitlines() if line.strip()]
        raise OpsError(
            f"`pulumi stack output --stack {stack}` failed: {said[-1] if said else f'exit {done.returncode}'}"
        )
    try:
        outputs = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise OpsError(f"`pulumi stack output --stack {stack}` printed no JSON") from None
    if not isinstance(outputs, dict):
        raise OpsError(f"`pulumi stack output --stack {stack}` printed no JSON object")
    return Target.from_outputs(outputs, source=f"stack {stack}", option=f"--stack {stack}")


def stack_names() -> list[str]:
    """The stacks this project has files for (Pulumi.<stack>.yaml)."""
    return sorted(path.name.split(".")[1] for path in PROJECT_ROOT.glob("Pulumi.*.yaml"))


def _json_object(path: Path, source: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OpsError(f"{source} is not readable JSON: {error}") from None
    if not isinstance(found, dict):
        raise OpsError(f"{source} is not a JSON object of stack outputs")
    return found


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
