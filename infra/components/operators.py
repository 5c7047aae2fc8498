"""Operators: the topic that tells the people who run the product about a request that needs them
(timed out, or failed for a system reason), with an e-mail subscription when the stack names an
alarm address. The escalator function publishes to it, and no function may publish anywhere else.
"""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws


@attrs.frozen
class OperatorsArgs:
    name_prefix: str
    alarm_email: str | None = None


class Operators(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: OperatorsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Operators", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=f"{args.name_prefix}-operators",
            # Encrypted at rest with the account's SNS key (the messages name requests, not people).
            kms_master_key_id="alias/aws/sns",
            opts=child,
        )
        if args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=topic.arn, protocol="email", endpoint=args.alarm_email, opts=child
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topicArn": self.topic_arn})
