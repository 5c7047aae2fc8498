"""The policy pack (policy/) against both stacks' resources, offline.

Each captured resource is handed to the rules the way the Pulumi CLI hands it to a policy pack: its
inputs cross the wire as a protobuf Struct (secrets and assets in Pulumi's signature form), then
pulumi-policy's own deserializer and unknown-value proxy build `props`, and each
`ResourceValidationPolicy.validate` gets `ResourceValidationArgs` and a `report_violation` callback.
The committed stacks pass every rule; a resource doctored to break one rule fails that rule only.
Last, the pack runs as the CLI runs it (`python -m pulumi.policy <engine> policy`, then gRPC).
"""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import grpc
import pulumi
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from infra_helpers import LOG_GROUP, ROLE_POLICY
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)
from pulumi_policy import Secret as PolicySecret
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from infra.offline.mock_run import PROJECT_ROOT, CapturedResource, Deployment, Secret
from policy.rules import POLICIES, TOPIC, UNENCRYPTED_TOPICS

PACK = PROJECT_ROOT / "policy"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"


def wire_properties(inputs: Any) -> struct_pb2.Struct:
    """The inputs as the engine sends them to an analyzer: a Struct, secrets and assets signed."""

    def as_policy_values(value: Any) -> Any:
        if isinstance(value, Secret):
            return PolicySecret(as_policy_values(value.value))
        if isinstance(value, dict):
            return {key: as_policy_values(item) for key, item in value.items()}
        if isinstance(value, list):
            return [as_policy_values(item) for item in value]
        return value

    return json_format.ParseDict(serialize_properties(as_policy_values(dict(inputs))), struct_pb2.Struct())


def validation_args(resource: CapturedResource) -> ResourceValidationArgs:
    """What pulumi-policy's analyzer builds for one resource (policy.py, `Analyze`)."""
    props = unknown_checking_proxy(
        deserialize_properties(json_format.MessageToDict(wire_properties(resource.inputs)))
    )
    options = PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )
    # The stacks use the default AWS providers, which the mocks never see; no rule reads the provider.
    return ResourceValidationArgs(resource.type, props, resource.urn, resource.name, options, None)


def violations(resource: CapturedResource) -> dict[str, list[str]]:
    """Every rule's violations for the resource, by rule name."""
    found: dict[str, list[str]] = defaultdict(list)
    args = validation_args(resource)
    for policy in POLICIES:

        def report(message: str, urn: str | None = None, name: str = policy.name) -> None:
            found[name].append(message)

        policy.validate(args, report)
    return dict(found)


def all_deployments(deployments: dict[str, Deployment], with_alarm_email: Deployment) -> list[Deployment]:
    return [*deployments.values(), with_alarm_email]


def test_every_rule_is_mandatory() -> None:
    assert {policy.name for policy in POLICIES} == {
        "dynamodb-encrypted-at-rest",
        "dynamodb-point-in-time-recovery",
        "dynamodb-ttl",
        "sqs-encrypted-at-rest",
        "sns-encrypted-at-rest",
        "s3-encrypted-at-rest",
        "s3-no-public-buckets",
        "log-group-retention",
        "iam-no-wildcard-actions",
    }
    assert {policy.enforcement_level.value for policy in POLICIES} == {"mandatory"}


def test_the_committed_stacks_pass_every_rule(
    deployments: dict[str, Deployment], with_alarm_email: Deployment
) -> None:
    """Both stack files, and dev with an alarm address (which adds the alarms topic)."""
    for deployment in all_deployments(deployments, with_alarm_email):
        found = {r.name: v for r in deployment.resources if (v := violations(r))}
        assert found == {}, deployment.stack


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: inputs.pop(key)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: inputs.__setitem__(key, value)


def _policy_statement(**statement: Any) -> Callable[[dict[str, Any]], None]:
    def doctor(inputs: dict[str, Any]) -> None:
        document = json.loads(inputs["policy"])
        document["Statement"].append({"Effect": "Allow", "Resource": "*", **statement})
        inputs["policy"] = json.dumps(document)

    return doctor


@attrs.frozen
class Doctored:
    rule: str
    type: str
    name_suffix: str  # which resource of that type (the end of its name)
    doctor: Callable[[dict[str, Any]], None]
    id: str


CASES = [
    Doctored("dynamodb-encrypted-at-rest", TABLE, "", _without("serverSideEncryption"), "table without SSE"),
    Doctored(
        "dynamodb-encrypted-at-rest", TABLE, "", _set("serverSideEncryption", {"enabled": False}), "SSE off"
    ),
    Doctored(
        "dynamodb-point-in-time-recovery",
        TABLE,
        "",
        _set("pointInTimeRecovery", {"enabled": False}),
        "table without PITR",
    ),
    Doctored("dynamodb-ttl", TABLE, "", _without("ttl"), "table without TTL"),
    Doctored("dynamodb-ttl", TABLE, "", _set("ttl", {"enabled": True}), "TTL without its attribute"),
    Doctored("sqs-encrypted-at-rest", QUEUE, "", _set("sqsManagedSseEnabled", False), "queue without SSE"),
    Doctored(
        "sns-encrypted-at-rest", TOPIC, "operators-topic", _without("kmsMasterKeyId"), "topic without key"
    ),
    Doctored(
        "s3-encrypted-at-rest",
        ENCRYPTION,
        "",
        _set("rules", [{"applyServerSideEncryptionByDefault": {}}]),
        "bucket rule without algorithm",
    ),
    Doctored("s3-encrypted-at-rest", ENCRYPTION, "", _set("rules", []), "bucket encryption without rules"),
    Doctored("s3-no-public-buckets", ACCESS_BLOCK, "", _set("blockPublicPolicy", False), "access block off"),
    Doctored("s3-no-public-buckets", BUCKET, "", _set("acl", "public-read"), "public-read bucket"),
    Doctored(
        "s3-no-public-buckets",
        BUCKET,
        "",
        _set("grants", [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}]),
        "bucket granted to all users",
    ),
    Doctored("s3-no-public-buckets", OBJECT, "index.html", _set("acl", "public-read"), "public object"),
    Doctored(
        "s3-no-public-buckets",
        BUCKET_POLICY,
        "",
        _policy_statement(Sid="Everyone", Principal="*", Action="s3:GetObject"),
        "bucket policy open to everyone",
    ),
    Doctored(
        "s3-no-public-buckets",
        BUCKET_POLICY,
        "",
        _policy_statement(
            Sid="EveryoneOverTls",
            Principal={"AWS": "*"},
            Action="s3:GetObject",
            Condition={"Bool": {"aws:SecureTransport": "true"}},
        ),
        "open to everyone over TLS",
    ),
    Doctored("log-group-retention", LOG_GROUP, "chat-logs", _without("retentionInDays"), "no retention"),
    Doctored("log-group-retention", LOG_GROUP, "workflow-logs", _set("retentionInDays", 0), "retention 0"),
    Doctored(
        "iam-no-wildcard-actions", ROLE_POLICY, "chat-policy", _policy_statement(Action="*"), "Action *"
    ),
    Doctored(
        "iam-no-wildcard-actions",
        ROLE_POLICY,
        "sweeper-policy",
        _policy_statement(Action=["dynamodb:Query", "dynamodb:*"]),
        "service wildcard",
    ),
    Doctored(
        "iam-no-wildcard-actions",
        ROLE_POLICY,
        "workflow-policy",
        _policy_statement(Action="s3:Get*"),
        "prefix wildcard",
    ),
    Doctored(
        "iam-no-wildcard-actions",
        ROLE_POLICY,
        "chat-policy",
        _policy_statement(NotAction="iam:*"),
        "Allow with NotAction",
    ),
    Doctored(
        "iam-no-wildcard-actions",
        "aws:sns/topicPolicy:TopicPolicy",
        "",
        _policy_statement(Principal={"Service": "sms-voice.amazonaws.com"}, Action="sns:*"),
        "topic policy wildcard",
    ),
    Doctored(
        "iam-no-wildcard-actions",
        "aws:iam/role:Role",
        "chat-role",
        _set("inlinePolicies", [{"name": "extra", "policy": json.dumps({"Statement": {"Action": "*"}})}]),
        "inline policy wildcard",
    ),
]


def _pick(deployment: Deployment, type_: str, name_suffix: str) -> CapturedResource:
    (resource,) = [r for r in deployment.of_type(type_) if r.name.endswith(name_suffix)]
    return resource


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.rule}: {case.id}")
def test_a_doctored_resource_fails_its_rule_and_only_it(deployment: Deployment, case: Doctored) -> None:
    resource = _pick(deployment, case.type, case.name_suffix)
    assert violations(resource) == {}  # as committed
    inputs = copy.deepcopy(dict(resource.inputs))
    case.doctor(inputs)
    found = violations(attrs.evolve(resource, inputs=inputs))
    assert set(found) == {case.rule}, found
    assert all(resource.name in message for message in found[case.rule])


def test_an_explicit_deny_may_use_wildcards(deployment: Deployment) -> None:
    """The committed bucket policy denies `s3:*` to every principal over plain HTTP, and passes."""
    statements = json.loads(deployment.one(BUCKET_POLICY).inputs["policy"])["Statement"]
    (deny,) = [statement for statement in statements if statement["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert violations(deployment.one(BUCKET_POLICY)) == {}


def test_each_unencrypted_topic_is_an_exemption_with_its_reason(with_alarm_email: Deployment) -> None:
    topics = with_alarm_email.of_type(TOPIC)
    for exemption in UNENCRYPTED_TOPICS:
        covered = [t for t in topics if exemption.covers(validation_args(t))]
        assert len(covered) == 1, exemption  # a stale exemption, or one too wide, fails here
        assert "kmsMasterKeyId" not in covered[0].inputs
        assert exemption.reason
    encrypted = [t for t in topics if "kmsMasterKeyId" in t.inputs]
    assert len(encrypted) == len(topics) - len(UNENCRYPTED_TOPICS)


def test_an_exemption_is_the_components_topic_not_any_topic_so_named(deployment: Deployment) -> None:
    """The SMS events topic's exemption does not follow its name into another component."""
    operators = _pick(deployment, TOPIC, "operators-topic")
    inputs = {key: value for key, value in operators.inputs.items() if key != "kmsMasterKeyId"}
    renamed = attrs.evolve(
        operators,
        name="operators-events",
        urn=operators.urn.removesuffix("operators-topic") + "operators-events",
        inputs=inputs,
    )
    assert set(violations(renamed)) == {"sns-encrypted-at-rest"}


def test_a_policy_unknown_at_preview_is_not_passed_silently(deployment: Deployment) -> None:
    """During `pulumi preview` a policy built from ARNs not yet known reaches the pack as unknown; the
    rule raises pulumi-policy's UnknownValueError (reported as "can't run during preview") and runs
    again at `pulumi up`, when the document is known."""
    policy = _pick(deployment, ROLE_POLICY, "chat-policy")
    unknown = attrs.evolve(policy, inputs={**policy.inputs, "policy": UNKNOWN_STRING_VALUE})
    (rule,) = [p for p in POLICIES if p.name == "iam-no-wildcard-actions"]
    with pytest.raises(UnknownValueError):
        rule.validate(validation_args(unknown), lambda message, urn=None: None)


def test_the_pack_imports_only_the_standard_library_and_pulumi_policy() -> None:
    """The CLI runs the pack from its folder, apart from the program: it may not import infra or runtime."""
    for path in sorted(PACK.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        modules |= {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }
        tops = {module.split(".")[0] for module in modules}
        assert tops <= {*sys.stdlib_module_names, "__future__", "pulumi_policy", "rules"}, path.name


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The pack started as the Pulumi CLI starts a Python policy pack: it prints its port, then serves
    the Analyzer service the engine calls for every resource."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(PACK)],
        cwd=PACK,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.strip().isdigit():
            process.kill()
            pytest.fail(f"the pack printed no port: {line!r} {process.communicate()[1]}")
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _analyze(
    stub: analyzer_pb2_grpc.AnalyzerStub, resource: CapturedResource
) -> analyzer_pb2.AnalyzeResponse:
    return stub.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=wire_properties(resource.inputs),
            urn=resource.urn,
            name=resource.name,
            options=analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent or ""),
        ),
        timeout=30,
    )


def test_the_pack_serves_its_rules_to_the_cli_as_mandatory(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "partner-confirm"
    assert {policy.name for policy in info.policies} == {policy.name for policy in POLICIES}
    assert {policy.enforcementLevel for policy in info.policies} == {analyzer_pb2.MANDATORY}


def test_the_pack_passes_both_stacks_and_stops_a_doctored_table(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, deployments: dict[str, Deployment]
) -> None:
    for deployment in deployments.values():
        for resource in deployment.resources:
            assert not _analyze(analyzer, resource).diagnostics, resource.name
    table = deployments["demo"].one(TABLE)
    doctored = attrs.evolve(table, inputs={**table.inputs, "pointInTimeRecovery": {"enabled": False}})
    (diagnostic,) = _analyze(analyzer, doctored).diagnostics
    assert diagnostic.policyName == "dynamodb-point-in-time-recovery"
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "table-table" in diagnostic.message


def test_secrets_and_assets_reach_the_rules_in_their_wire_form(deployment: Deployment) -> None:
    """The conversion above is faithful: a secret arrives as its value, an archive as an archive."""
    version = deployment.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert isinstance(version.inputs["secretString"], Secret)
    props = validation_args(version).props
    assert props["secretString"] == version.inputs["secretString"].value
    function = next(r for r in deployment.of_type("aws:lambda/function:Function"))
    assert isinstance(validation_args(function).props["code"], pulumi.AssetArchive)
