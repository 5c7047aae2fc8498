"""HandOffs: what follows an HTTP handler's one write, delivered from that write at least once.

- One Lambda event source mapping on the table's stream per consumer of runtime.contract (each
  `FunctionSpec.subscription`): its filters, batch size, parallelization, bounded retries of a failing
  batch (bisected), maximum record age, and partial batch responses. What still fails goes to the
  dead-letter queue, which alarms as soon as anything is in it.
- One EventBridge Scheduler schedule per scheduled function (the sweeper, the backstop for whatever a
  hand-off did not deliver in time), with a role that may invoke that function and nothing else.
- One SNS subscription per function fed by a topic (`FunctionSpec.topic`: the SMS delivery events):
  SNS may invoke the function for that topic only; Lambda retries a failed invocation as the
  subscription says and then sends the event to the dead-letter queue, where SNS also sends what it
  could not hand to Lambda at all (the queue's policy lets exactly those topics send).

The local stack runs the same subscriptions and schedules (local/streams.py, local/schedules.py,
local/topics.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

import attrs
import pulumi
import pulumi_aws as aws

from infra import iam
from infra.aws_account import AwsAccount, same_arn
from runtime.contract import Function
from runtime.deployment import FUNCTIONS, FunctionSpec, Resource, StreamSubscription

# SQS keeps a message at most 14 days: the longest time to look at a poisoned record and replay it.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
# With partial batch responses only the records a consumer reports failed are retried.
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# TRIM_HORIZON, not LATEST: a mapping reads only some time after the table's stream and its function
# exist (AWS creates and enables it asynchronously), and requests are written meanwhile, during the
# first deploy or while one with new hand-offs rolls out. LATEST would skip those records and leave
# their requests to the sweeper; from the trim horizon none is skipped. Replaying is safe: every
# consumer is idempotent (the record's own key decides), and a record older than the subscription's
# maximum age is not run but dead-lettered. Lambda checkpoints after that: the starting position only
# applies when a mapping is created.
STARTING_POSITION = "TRIM_HORIZON"
# A scheduled run the scheduler cannot deliver is retried this often (with its own backoff) while it
# is younger than the schedule's period: after that the next run does the same work.
SCHEDULE_RETRY_ATTEMPTS = 2
SCHEDULER_SERVICE = "scheduler.amazonaws.com"
SNS_SERVICE = "sns.amazonaws.com"
_RATE = re.compile(r"rate\((?P<value>[1-9][0-9]*) (?P<unit>minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@attrs.frozen
class HandOffsArgs:
    account: AwsAccount
    name_prefix: str
    dead_letter_queue_name: str
    stream_arn: pulumi.Input[str]
    function_arns: Mapping[Function, pulumi.Input[str]]
    # Where the dead-letter alarm goes (the stack's alarm topic, if it has one).
    alarm_actions: Sequence[pulumi.Input[str]] = ()
    # The queue's ARN the consumers' roles were given before it existed (checked on deploy).
    expected_dead_letter_queue_arn: pulumi.Input[str] | None = None
    # The topics functions subscribe to (runtime.deployment's `TopicSubscription.topic`), by resource.
    topic_arns: Mapping[Resource, pulumi.Input[str]] = attrs.field(factory=dict)


class HandOffs(pulumi.ComponentResource):
    dead_letter_queue_arn: pulumi.Output[str]
    dead_letter_queue_url: pulumi.Output[str]

    def __init__(self, name: str, args: HandOffsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:HandOffs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        queue = aws.sqs.Queue(
            f"{name}-dead-letters",
            name=args.dead_letter_queue_name,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            # Encrypted with SQS's own key: the consumers' roles send to it without any KMS grant.
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.dead_letter_queue_arn = queue.arn
        if args.expected_dead_letter_queue_arn is not None:
            self.dead_letter_queue_arn = same_arn(queue.arn, args.expected_dead_letter_queue_arn)
        self.dead_letter_queue_url = queue.url
        aws.cloudwatch.MetricAlarm(
            f"{name}-dead-letters-alarm",
            name=f"{args.dead_letter_queue_name}-not-empty",
            alarm_description=(
                "Stream records a consumer could not process after every retry are in the dead-letter "
                "queue. The sweeper ends their requests; each message names the stream records to read "
                "again (DDBStreamBatchInfo)."
            ),
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            # SQS reports its metrics every minute.
            period=60,
            evaluation_periods=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=1,
            treat_missing_data="notBreaching",
            alarm_actions=list(args.alarm_actions),
            ok_actions=list(args.alarm_actions),
            opts=child,
        )
        for function, spec in FUNCTIONS.items():
            if spec.subscription is not None:
                aws.lambda_.EventSourceMapping(
                    f"{name}-{function}-stream",
                    function_name=args.function_arns[function],
                    event_source_arn=args.stream_arn,
                    starting_position=STARTING_POSITION,
                    filter_criteria=filter_criteria(spec.subscription),
                    function_response_types=[REPORT_BATCH_ITEM_FAILURES],
                    batch_size=spec.subscription.batch_size,
                    parallelization_factor=spec.subscription.parallelization_factor,
                    bisect_batch_on_function_error=spec.subscription.bisect_on_error,
                    maximum_retry_attempts=spec.subscription.maximum_retry_attempts,
                    maximum_record_age_in_seconds=spec.subscription.maximum_record_age_seconds,
                    destination_config={"on_failure": {"destination_arn": self.dead_letter_queue_arn}},
                    opts=child,
                )
            if spec.schedule is not None:
                self._schedule(name, args, function, spec.schedule)
        subscribed = [(function, spec) for function, spec in FUNCTIONS.items() if spec.topic is not None]
        for function, spec in subscribed:
            self._topic_subscription(name, args, function, spec)
        if subscribed:
            self._dead_letters_from_topics(name, args, queue, [spec for _, spec in subscribed])
        self.register_outputs(
            {
                "deadLetterQueueArn": self.dead_letter_queue_arn,
                "deadLetterQueueUrl": self.dead_letter_queue_url,
            }
        )

    def _schedule(self, name: str, args: HandOffsArgs, function: Function, expression: str) -> None:
        child = pulumi.ResourceOptions(parent=self)
        schedule_name = f"{args.name_prefix}-{function}"
        target_arn = args.function_arns[function]
        role = aws.iam.Role(
            f"{name}-{function}-schedule-role",
            assume_role_policy=_scheduler_trust_policy(
                args.account, args.account.arn("scheduler", f"schedule/default/{schedule_name}")
            ),
            description=f"Lets the {schedule_name} schedule invoke its function",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-{function}-schedule-policy",
            role=role.id,
            policy=iam.policy_document([iam.allow("InvokeTarget", ["lambda:InvokeFunction"], [target_arn])]),
            opts=child,
        )
        aws.scheduler.Schedule(
            f"{name}-{function}-schedule",
            name=schedule_name,
            description=FUNCTIONS[function].description,
            schedule_expression=expression,
            # Every run on time: a request past its due time is ended within one period, not two.
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": target_arn,
                "role_arn": role.arn,
                "retry_policy": {
                    "maximum_event_age_in_seconds": rate_seconds(expression),
                    "maximum_retry_attempts": SCHEDULE_RETRY_ATTEMPTS,
                },
            },
            # The scheduler assumes the role as soon as the schedule exists.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    def _topic_subscription(
        self, name: str, args: HandOffsArgs, function: Function, spec: FunctionSpec
    ) -> None:
        assert spec.topic is not None and spec.invoked_by is not None
        topic_arn = args.topic_arns[spec.topic.topic]
        function_arn = args.function_arns[function]
        invoke = aws.lambda_.Permission(
            f"{name}-{function}-topic-invoke",
            action="lambda:InvokeFunction",
            function=function_arn,
            principal=spec.invoked_by,
            # This topic of this account only (no confused deputy).
            source_arn=topic_arn,
            source_account=args.account.account_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-{function}-topic-retries",
            function_name=function_arn,
            maximum_retry_attempts=spec.topic.maximum_retry_attempts,
            maximum_event_age_in_seconds=spec.topic.maximum_event_age_seconds,
            destination_config={"on_failure": {"destination": self.dead_letter_queue_arn}},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicSubscription(
            f"{name}-{function}-topic",
            topic=topic_arn,
            protocol="lambda",
            endpoint=function_arn,
            redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": self.dead_letter_queue_arn}),
            # SNS delivers from the moment the subscription exists: the function must accept it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[invoke]),
        )

    def _dead_letters_from_topics(
        self, name: str, args: HandOffsArgs, queue: aws.sqs.Queue, specs: Sequence[FunctionSpec]
    ) -> None:
        """SNS sends a message it could not deliver to a subscription's dead-letter queue with its own
        principal: the queue accepts it from the subscribed topics of this account, nothing else."""
        topics = sorted({spec.topic.topic for spec in specs if spec.topic is not None})
        aws.sqs.QueuePolicy(
            f"{name}-dead-letters-policy",
            queue_url=queue.url,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": iam.VERSION,
                    "Statement": [
                        {
                            "Sid": "UndeliveredTopicMessages",
                            "Effect": "Allow",
                            "Principal": {"Service": SNS_SERVICE},
                            "Action": "sqs:SendMessage",
                            "Resource": queue.arn,
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": args.account.account_id},
                                "ArnEquals": {"aws:SourceArn": [args.topic_arns[topic] for topic in topics]},
                            },
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def filter_criteria(subscription: StreamSubscription) -> dict[str, list[dict[str, str]]]:
    """Lambda's filter criteria: each filter pattern as the JSON text the API takes."""
    return {"filters": [{"pattern": json.dumps(dict(pattern))} for pattern in subscription.filters]}


def rate_seconds(expression: str) -> int:
    """`rate(1 minute)` -> 60: the period of an EventBridge Scheduler rate expression."""
    found = _RATE.fullmatch(expression)
    if not found:
        raise ValueError(f"not a rate expression: {expression!r}")
    return int(found["value"]) * _UNIT_SECONDS[found["unit"].removesuffix("s")]


def _scheduler_trust_policy(account: AwsAccount, schedule_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The scheduler may assume the role only for this account's schedule (no confused deputy)."""
    return pulumi.Output.json_dumps(
        {
            "Version": iam.VERSION,
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": SCHEDULER_SERVICE},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account.account_id},
                        "ArnEquals": {"aws:SourceArn": schedule_arn},
                    },
                }
            ],
        }
    )
