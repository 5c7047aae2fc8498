"""Who did what with personal data or requests: one JSON line per act, in a local audit file and on
stderr, written BEFORE the act (an act that cannot be recorded is not done).

Who: the operating system's user and the AWS principal the command runs as (STS GetCallerIdentity;
the emulator answers for itself on the local stack).
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any, TextIO

import attrs
from botocore.exceptions import BotoCoreError, ClientError

from ops.errors import OpsError
from ops.targets import Target

# Relative to where the command runs (the repository, as for build/local/stack.json).
AUDIT_LOG = Path("build/ops/audit.log")


@attrs.frozen
class Operator:
    user: str
    principal: str  # the AWS principal's ARN, or why it is not known

    @property
    def name(self) -> str:
        return f"{self.user} ({self.principal})"


def identify(sts: Any) -> Operator:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    try:
        principal = str(sts.get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError) as error:
        principal = f"unknown: {type(error).__name__}"
    return Operator(user=user, principal=principal)


def record(
    action: str,
    *,
    operator: Operator,
    target: Target,
    at: str,
    err: TextIO,
    path: Path = AUDIT_LOG,
    **facts: Any,
) -> dict[str, Any]:
    """Append the act to `path` and print it on `err`; OpsError when it cannot be recorded (the caller
    then says what was or was not done)."""
    line = {
        "event": action,
        "at": at,
        "user": operator.user,
        "principal": operator.principal,
        "target": target.source,
        "table": target.table_name,
        **facts,
    }
    text = json.dumps(line, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(text + "\n")
    except OSError as error:
        raise OpsError(f"cannot record {action} in {path} ({error.strerror})") from None
    print(text, file=err)
    return line
