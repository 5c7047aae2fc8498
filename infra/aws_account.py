"""The AWS account and region the stack deploys to, and ARNs of resources named in advance.

Most ARNs come from resource outputs. Three cannot: the state machine's (the orchestrator needs it,
and the state machine needs the workflow functions; naming the state machine breaks that cycle), the
dead-letter queue's (the stream consumers' roles send to it, and the queue belongs with the mappings
built after those functions) and Bedrock's, whose models and inference profiles are not resources of
this stack. A component that creates a resource named ahead checks its real ARN with `same_arn`.
"""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws

from infra.config import foundation_model


@attrs.frozen
class AwsAccount:
    partition: pulumi.Output[str]
    account_id: pulumi.Output[str]
    region: str

    @classmethod
    def current(cls, region: str) -> AwsAccount:
        return cls(
            partition=aws.get_partition_output().partition,
            account_id=aws.get_caller_identity_output().account_id,
            region=region,
        )

    def arn(
        self, service: str, resource: str, *, region: str | None = None, in_account: bool = True
    ) -> pulumi.Output[str]:
        """`arn:{partition}:{service}:{region}:{account}:{resource}` (AWS's documented ARN layout)."""
        account: pulumi.Input[str] = self.account_id if in_account else ""
        return pulumi.Output.concat(
            "arn:", self.partition, ":", service, ":", region or self.region, ":", account, ":", resource
        )

    def state_machine_arn(self, name: str) -> pulumi.Output[str]:
        return self.arn("states", f"stateMachine:{name}")

    def queue_arn(self, name: str) -> pulumi.Output[str]:
        return self.arn("sqs", name)

    def bedrock_model_arns(self, inference_profile_id: str) -> list[pulumi.Output[str]]:
        """Invoking through a cross-region profile needs the profile and the model in every region
        the profile may route to; the geography's regions are AWS's to choose, hence `*`. A global
        profile's requests are authorized on the region-less `arn:aws:bedrock:::foundation-model/...`
        too, which the same `*` (matching the empty region) covers."""
        return [
            self.arn("bedrock", f"inference-profile/{inference_profile_id}"),
            self.arn(
                "bedrock",
                f"foundation-model/{foundation_model(inference_profile_id)}",
                region="*",
                in_account=False,
            ),
        ]


def same_arn(actual: pulumi.Input[str], expected: pulumi.Input[str]) -> pulumi.Output[str]:
    """`actual`, once it is known to be the ARN other resources were given ahead (else the deploy stops)."""
    return pulumi.Output.all(actual, expected).apply(_same)


def _same(arns: list[str]) -> str:
    actual, expected = arns
    if actual != expected:
        raise ValueError(f"the resource is {actual}, but others were given {expected}")
    return actual
