"""LinkSecret: the key that signs partner links, in AWS Secrets Manager; never in the repository. And
LinkSecretRotation: Secrets Manager rotates it on a schedule with the stack's rotation function.

The first value is the stack's Pulumi secret `linkSecret` when one is set (encrypted in the stack
file, at least 32 bytes); otherwise it is generated once and kept, encrypted, in the stack's state.
It is stored as the runtime reads it, `{"keyId": 0, "secret": ...}`; each rotation adds a version
with the next key id, and the runtime verifies links with the current and the previous version.

After rotations, the version Pulumi created is neither current nor previous: Pulumi must not move
`AWSCURRENT` back to it. It keeps a label of its own (so Secrets Manager never deletes it, which would
make Pulumi create it again as current), and its labels are not Pulumi's to manage after creation.
"""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws
import pulumi_random as random

from runtime.contract import Function
from runtime.deployment import FUNCTIONS

# 64 characters from [A-Za-z0-9]: about 381 bits, well past HMAC-SHA256's 256-bit key strength.
GENERATED_LENGTH = 64
FIRST_KEY_ID = 0
# The label that keeps the version Pulumi created (see above).
INITIAL_STAGE = "PULUMI_INITIAL"


@attrs.frozen
class LinkSecretArgs:
    name_prefix: str
    value: pulumi.Output[str] | None = None


class LinkSecret(pulumi.ComponentResource):
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: LinkSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:LinkSecret", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        value = args.value
        if value is None:
            value = random.RandomPassword(
                f"{name}-value", length=GENERATED_LENGTH, special=False, opts=child
            ).result
        secret = aws.secretsmanager.Secret(
            f"{name}-secret",
            name_prefix=f"{args.name_prefix}/link-secret-",
            description="HMAC key of the partner links (rotated; the functions re-read it every 5 minutes)",
            opts=child,
        )
        version = aws.secretsmanager.SecretVersion(
            f"{name}-version",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(
                # pulumi's stub types Output.secret's argument with an unsolvable type variable.
                pulumi.Output.json_dumps({"keyId": FIRST_KEY_ID, "secret": value})  # type: ignore[arg-type]
            ),
            version_stages=["AWSCURRENT", INITIAL_STAGE],
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["version_stages"]),
        )
        # Consumers wait for the value, not just the empty secret: a function never reads a missing key.
        self.arn = pulumi.Output.all(secret.arn, version.id).apply(lambda values: values[0])
        self.register_outputs({"arn": self.arn})


@attrs.frozen
class LinkSecretRotationArgs:
    secret_arn: pulumi.Input[str]
    rotator_arn: pulumi.Input[str]
    every_days: int


class LinkSecretRotation(pulumi.ComponentResource):
    """Secrets Manager invokes the rotation function (createSecret, setSecret, testSecret,
    finishSecret) every `every_days` days; `aws secretsmanager rotate-secret --secret-id <arn>` rotates
    at once. The first rotation waits for the schedule: a deploy never rotates by itself."""

    def __init__(
        self, name: str, args: LinkSecretRotationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:infra:LinkSecretRotation", name, None, opts)
        invoke = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=args.rotator_arn,
            principal=FUNCTIONS[Function.SECRET_ROTATOR].invoked_by,
            source_arn=args.secret_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretRotation(
            f"{name}-schedule",
            secret_id=args.secret_arn,
            rotation_lambda_arn=args.rotator_arn,
            rotation_rules={"automatically_after_days": args.every_days},
            rotate_immediately=False,
            # Secrets Manager checks the function may be invoked before it accepts the schedule.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[invoke]),
        )
        self.register_outputs({})
