"""The product's rules for what the Pulumi program may ask AWS to create, as pulumi-policy resource
validations: data encrypted at rest, no public bucket, logs that expire, no wildcard IAM action,
tables that can be restored and that expire their items.

Each validation receives what `pulumi preview` / `pulumi up` hands a policy pack for one resource
(`ResourceValidationArgs`: its type, its inputs as `props`, its URN) and reports each violation
through `report_violation`. A resource validation sees one resource at a time, so each rule judges
what that resource asks for; that the site bucket has its access block and encryption configuration
beside it is checked by the infra tests (tests/infra/test_infra_site.py).

This module imports only the standard library and pulumi-policy: the Pulumi CLI runs the pack from
this folder (policy/__main__.py), and tests/infra call these functions directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
LOG_GROUPS = frozenset({"aws:cloudwatch/logGroup:LogGroup", "aws-native:logs:LogGroup"})
BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
BUCKET_ENCRYPTION = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
PUBLIC_ACCESS_BLOCKS = frozenset(
    {
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    }
)
BUCKET_ACLS = frozenset({"aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"})
BUCKET_OBJECTS = frozenset({"aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"})
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"

# S3's own encryption algorithms (SSE-S3, SSE-KMS, DSSE-KMS).
SSE_ALGORITHMS = frozenset({"AES256", "aws:kms", "aws:kms:dsse"})
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
ACCESS_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
# A statement open to every principal is not public for S3 when one of these condition keys pins it
# to fixed values (S3's "Block public access" meaning of public); compared without case, as IAM does.
NARROWING_CONDITION_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)


@dataclass(frozen=True)
class Exemption:
    """A resource a rule lets pass, named by the component that owns it, with the reason."""

    component: str  # the parent component's type token
    name_suffix: str  # the end of the resource's logical name (`<component name><suffix>`)
    reason: str

    def covers(self, args: ResourceValidationArgs) -> bool:
        return parent_type(args.urn) == self.component and args.name.endswith(self.name_suffix)


# Topics an AWS service publishes to: a service principal may use only a KMS key whose policy names
# it, and the AWS managed SNS key's policy cannot be changed, so encrypting these needs a customer
# managed key of the stack's own. Until the stack has one, they stay unencrypted, and only these.
UNENCRYPTED_TOPICS = (
    Exemption(
        "partnerconfirm:infra:SmsChannel",
        "-events",
        "End User Messaging SMS publishes each SMS's delivery outcome here"
        " (infra/components/sms_channel.py).",
    ),
    Exemption(
        "partnerconfirm:infra:Observability",
        "-alarms",
        "CloudWatch alarms publish here, and CloudWatch cannot use the AWS managed SNS key either.",
    ),
)


def parent_type(urn: str) -> str | None:
    """The parent's type from a URN: `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`."""
    chain = urn.split("::")[2].split("$")
    return chain[-2] if len(chain) > 1 else None


def table_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == TABLE and not _enabled(args.props.get("serverSideEncryption")):
        report_violation(
            f"table {args.name}: set serverSideEncryption.enabled (a KMS key the account audits)", None
        )


def table_point_in_time_recovery(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == TABLE and not _enabled(args.props.get("pointInTimeRecovery")):
        report_violation(f"table {args.name}: set pointInTimeRecovery.enabled", None)


def table_ttl(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != TABLE:
        return
    ttl = args.props.get("ttl") or {}
    if not _enabled(ttl) or not ttl.get("attributeName"):
        report_violation(
            f"table {args.name}: set ttl.enabled and the ttl.attributeName items expire by", None
        )


def queue_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != QUEUE:
        return
    if not args.props.get("sqsManagedSseEnabled") and not args.props.get("kmsMasterKeyId"):
        report_violation(f"queue {args.name}: set sqsManagedSseEnabled or kmsMasterKeyId", None)


def topic_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != TOPIC or args.props.get("kmsMasterKeyId"):
        return
    if not any(exemption.covers(args) for exemption in UNENCRYPTED_TOPICS):
        report_violation(
            f"topic {args.name}: set kmsMasterKeyId (alias/aws/sns, or a key of the stack)", None
        )


def bucket_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type in BUCKET_ENCRYPTION:
        configurations: Sequence[Any] = [args.props]
    elif args.resource_type in BUCKETS and args.props.get("serverSideEncryptionConfiguration"):
        configurations = [args.props["serverSideEncryptionConfiguration"]]
    else:
        return  # S3 encrypts every new bucket's objects with SSE-S3 unless told otherwise
    for configuration in configurations:
        rules = _as_list(configuration.get("rules") or configuration.get("rule"))
        algorithms = [
            (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for rule in rules
        ]
        if not algorithms or any(algorithm not in SSE_ALGORITHMS for algorithm in algorithms):
            report_violation(
                f"{args.name}: every rule needs applyServerSideEncryptionByDefault.sseAlgorithm, "
                f"one of {sorted(SSE_ALGORITHMS)} (found {algorithms})",
                None,
            )


def bucket_not_public(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind = args.resource_type
    if kind in PUBLIC_ACCESS_BLOCKS:
        off = [flag for flag in ACCESS_BLOCK_FLAGS if args.props.get(flag) is not True]
        if off:
            report_violation(f"{args.name}: turn on {', '.join(off)}", None)
    if kind in BUCKETS | BUCKET_ACLS | BUCKET_OBJECTS and args.props.get("acl") in PUBLIC_CANNED_ACLS:
        report_violation(f"{args.name}: the canned ACL {args.props['acl']} makes it public", None)
    if kind in BUCKETS | BUCKET_ACLS:
        grants = [*_as_list(args.props.get("grants"))]
        grants += _as_list((args.props.get("accessControlPolicy") or {}).get("grants"))
        for grant in grants:
            grantee = grant.get("grantee") or grant
            if grantee.get("uri") in PUBLIC_GRANTEES:
                report_violation(f"{args.name}: a grant to {grantee['uri']} makes it public", None)
    if kind == BUCKET_POLICY or kind in BUCKETS:
        for statement in _statements(args.props.get("policy")):
            if _allows(statement) and _open_to_everyone(statement) and not _narrowed(statement):
                sid = statement.get("Sid", "(no Sid)")
                report_violation(f"{args.name}: statement {sid} allows every principal", None)


def log_group_retention(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in LOG_GROUPS:
        return
    days = args.props.get("retentionInDays")
    if not days or days <= 0:
        report_violation(f"log group {args.name}: set retentionInDays (0 or none keeps logs forever)", None)


def no_wildcard_actions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every policy document the resource carries, under any property naming a policy (`policy`,
    `assumeRolePolicy`, `inlinePolicies`, `policyDocument`...): an allowed action names one action.
    A Deny may use wildcards (it takes away); an Allow with NotAction grants everything it omits."""
    if args.resource_type == LAMBDA_PERMISSION and _wildcard(args.props.get("action")):
        report_violation(f"{args.name}: action {args.props['action']} is a wildcard", None)
    for key in args.props:
        if "polic" not in key.lower():
            continue
        for statement in _statements(args.props[key]):
            if not _allows(statement):
                continue
            sid = statement.get("Sid", "(no Sid)")
            wildcards = [action for action in _as_list(statement.get("Action")) if _wildcard(action)]
            if wildcards:
                report_violation(f"{args.name}: {key} statement {sid} allows {wildcards}", None)
            if "NotAction" in statement:
                report_violation(
                    f"{args.name}: {key} statement {sid} allows every action but NotAction", None
                )


def _policy(name: str, description: str, validate: Callable[..., None]) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


POLICIES = [
    _policy("dynamodb-encrypted-at-rest", "DynamoDB tables are encrypted with a KMS key.", table_encrypted),
    _policy(
        "dynamodb-point-in-time-recovery",
        "DynamoDB tables keep point-in-time recovery.",
        table_point_in_time_recovery,
    ),
    _policy("dynamodb-ttl", "DynamoDB tables expire items by a TTL attribute.", table_ttl),
    _policy("sqs-encrypted-at-rest", "SQS queues are encrypted at rest.", queue_encrypted),
    _policy(
        "sns-encrypted-at-rest",
        "SNS topics are encrypted with a KMS key, but for the named exemptions.",
        topic_encrypted,
    ),
    _policy("s3-encrypted-at-rest", "S3 buckets encrypt objects on the server side.", bucket_encrypted),
    _policy("s3-no-public-buckets", "No S3 bucket or object is public.", bucket_not_public),
    _policy("log-group-retention", "Every log group expires its logs.", log_group_retention),
    _policy("iam-no-wildcard-actions", "No policy statement allows a wildcard action.", no_wildcard_actions),
]


def _enabled(setting: Any) -> bool:
    return isinstance(setting, Mapping) and setting.get("enabled") is True


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    return list(value)


def _statements(document: Any) -> Iterator[Mapping[str, Any]]:
    """The statements of every policy document in a value: JSON text, an object, or lists of them."""
    if isinstance(document, str):
        if not document.lstrip().startswith("{"):
            return
        try:
            document = json.loads(document)
        except ValueError:
            return
    if isinstance(document, Mapping):
        if "Statement" in document:
            yield from _as_list(document["Statement"])
            return
        for value in document.values():
            yield from _statements(value)
    elif isinstance(document, Sequence) and not isinstance(document, str):
        for item in document:
            yield from _statements(item)


def _allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") != "Deny"


def _wildcard(action: Any) -> bool:
    return isinstance(action, str) and ("*" in action or "?" in action)


def _open_to_everyone(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS"))


def _narrowed(statement: Mapping[str, Any]) -> bool:
    conditions = statement.get("Condition") or {}
    return any(
        key.lower() in NARROWING_CONDITION_KEYS
        for operator in conditions.values()
        if isinstance(operator, Mapping)
        for key in operator
    )
