"""LinkSecret: the key that signs partner links, in AWS Secrets Manager; never in the repository.

The value is the stack's Pulumi secret `linkSecret` when one is set (encrypted in the stack file);
otherwise it is generated once and kept, encrypted, in the stack's state.
"""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws
import pulumi_random as random

# 64 characters from [A-Za-z0-9]: about 381 bits, well past HMAC-SHA256's 256-bit key strength.
GENERATED_LENGTH = 64


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
            description="HMAC key of the partner confirmation links (read once per Lambda cold start)",
            opts=child,
        )
        version = aws.secretsmanager.SecretVersion(
            f"{name}-version", secret_id=secret.id, secret_string=pulumi.Output.secret(value), opts=child
        )
        # Consumers wait for the value, not just the empty secret: a function never reads a missing key.
        self.arn = pulumi.Output.all(secret.arn, version.id).apply(lambda values: values[0])
        self.register_outputs({"arn": self.arn})
