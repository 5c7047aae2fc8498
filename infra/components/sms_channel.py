"""SmsChannel: the stack's configuration set in AWS End User Messaging SMS, whose event destination
sends every SMS's delivery outcome to an SNS topic of this stack.

Why End User Messaging SMS and not SNS: SNS sends no SMS from Seoul (ap-northeast-2 is not among the
regions on SNS's "Supported countries and regions" page), while End User Messaging SMS has a Seoul
endpoint and adds what a direct SNS publish lacks: configuration sets, delivery events, opt-out lists
and spend limits. The functions send through this configuration set (runtime.contract.Env), each
message carrying its request id, so an outcome event names the request it is about.

The topic receives only the outcomes that end an SMS's journey (runtime.contract's delivered and
undeliverable event types); the function that turns them into the request's timeline subscribes to
`events_topic_arn`.
"""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws

from infra import iam
from infra.aws_account import AwsAccount
from runtime.contract import SMS_DELIVERED_EVENTS, SMS_UNDELIVERABLE_EVENTS

SMS_SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"
EVENT_DESTINATION_NAME = "delivery-outcomes"


@attrs.frozen
class SmsChannelArgs:
    name_prefix: str
    account: AwsAccount


class SmsChannel(pulumi.ComponentResource):
    configuration_set_name: pulumi.Output[str]
    configuration_set_arn: pulumi.Output[str]
    events_topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: SmsChannelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:SmsChannel", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        configuration_set = aws.pinpoint.Smsvoicev2ConfigurationSet(
            f"{name}-configuration-set",
            name=args.name_prefix,
            default_message_type="TRANSACTIONAL",
            opts=child,
        )
        # Delivery events carry the destination number. Server-side encryption would need a key of
        # this stack (the AWS managed SNS key admits no service principal): the topic is unencrypted.
        topic = aws.sns.Topic(f"{name}-events", name=f"{args.name_prefix}-sms-events", opts=child)
        policy = aws.sns.TopicPolicy(
            f"{name}-events-policy",
            arn=topic.arn,
            # Only this account's configuration set may publish (End User Messaging SMS's documented policy).
            policy=iam.policy_document(
                [
                    {
                        "Sid": "SmsDeliveryEvents",
                        "Effect": "Allow",
                        "Principal": {"Service": SMS_SERVICE_PRINCIPAL},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": args.account.account_id},
                            "ArnLike": {"aws:SourceArn": configuration_set.arn},
                        },
                    }
                ]
            ),
            opts=child,
        )
        aws.pinpoint.Smsvoicev2EventDestination(
            f"{name}-delivery-events",
            configuration_set_name=configuration_set.name,
            event_destination_name=EVENT_DESTINATION_NAME,
            matching_event_types=[*SMS_DELIVERED_EVENTS, *SMS_UNDELIVERABLE_EVENTS],
            sns_destination={"topic_arn": topic.arn},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.configuration_set_name = configuration_set.name
        self.configuration_set_arn = configuration_set.arn
        self.events_topic_arn = topic.arn
        self.register_outputs(
            {
                "configurationSetName": self.configuration_set_name,
                "eventsTopicArn": self.events_topic_arn,
            }
        )
