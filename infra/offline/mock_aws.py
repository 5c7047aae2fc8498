"""What AWS would answer, for Pulumi's unit-test mocks: each resource's computed outputs (ids, ARNs,
endpoints, generated names) in AWS's own formats, so the program's wiring is exercised as deployed.

Deterministic: the same program gives the same ids on every run. An unknown invoke is an error,
not an empty answer, so the mocks cannot hide a call nobody modelled.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
PROVIDER_TYPE = "pulumi:providers:aws"

Outputs = dict[str, Any]


def token(seed: str, length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    """A stable pseudo-random id: the same seed, the same id."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


class AwsMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str) -> None:
        self.region = region
        self._provider_regions: dict[str, str] = {}

    # Pulumi also takes a plain dict of outputs (no failures), as its own examples return.
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/deployer",
                "userId": "AIDAMOCKDEPLOYER",
                "id": ACCOUNT_ID,
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}
        raise LookupError(f"the mocks answer no invoke {args.token}: add it to {__name__}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom and not args.typ.startswith("pulumi:providers:"):
            return None, {}  # a component: nothing is created in AWS
        region = self._region_of(args)
        resource = _Resource(args.typ, args.name, args.inputs, region)
        resource_id, outputs = _OUTPUTS.get(args.typ, _generic)(resource)
        if args.typ == PROVIDER_TYPE:
            self._provider_regions[resource_id] = args.inputs.get("region", self.region)
        return resource_id, {**args.inputs, **outputs}

    def _region_of(self, args: pulumi.runtime.MockResourceArgs) -> str:
        """The resource's own `region` input, else its explicit provider's region, else the stack's."""
        if args.inputs.get("region") and not args.typ.startswith("pulumi:providers:"):
            return str(args.inputs["region"])
        if not args.provider:
            return self.region
        return self._provider_regions.get(args.provider.rsplit("::", 1)[-1], self.region)


class _Resource:
    def __init__(self, typ: str, name: str, inputs: dict[str, Any], region: str) -> None:
        self.typ = typ
        self.name = name
        self.inputs = inputs
        self.region = region

    def physical_name(self, key: str = "name", *, lowercase: bool = False) -> str:
        """The given name, else `<prefix><suffix>`, else Pulumi's auto-name `<resource name>-<7 chars>`."""
        if self.inputs.get(key):
            return str(self.inputs[key])
        prefix = self.inputs.get(f"{key}Prefix") or f"{self.name}-"
        generated = f"{prefix}{token(self.name, 7)}"
        return generated.lower() if lowercase else generated

    def arn(
        self, service: str, resource: str, *, region: str | None = None, account: str = ACCOUNT_ID
    ) -> str:
        region = self.region if region is None else region
        return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _generic(resource: _Resource) -> tuple[str, Outputs]:
    return f"{resource.name}-{token(resource.name, 8)}", {}


_Build = Callable[[_Resource], tuple[str, Outputs]]


def _named(build: Callable[[_Resource, str], Outputs], key: str = "name") -> _Build:
    """Resources whose id is their name."""

    def outputs(resource: _Resource) -> tuple[str, Outputs]:
        name = resource.physical_name(key)
        return name, {key: name, **build(resource, name)}

    return outputs


# The label DynamoDB gives a stream: the time it was enabled (fixed here, so runs are repeatable).
STREAM_LABEL = "2026-11-30T00:00:00.000"


def _table(resource: _Resource, name: str) -> Outputs:
    arn = resource.arn("dynamodb", f"table/{name}")
    if not resource.inputs.get("streamEnabled"):
        return {"arn": arn}
    return {"arn": arn, "streamLabel": STREAM_LABEL, "streamArn": f"{arn}/stream/{STREAM_LABEL}"}


def _queue(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    # A queue's id is its URL.
    url = f"https://sqs.{resource.region}.amazonaws.com/{ACCOUNT_ID}/{name}"
    return url, {"name": name, "url": url, "arn": resource.arn("sqs", name)}


def _event_source_mapping(resource: _Resource) -> tuple[str, Outputs]:
    digits = token(resource.name, 32, string.hexdigits[:16])
    uuid = "-".join(digits[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
    function = str(resource.inputs["functionName"])
    if not function.startswith("arn:"):
        function = resource.arn("lambda", f"function:{function}")
    return uuid, {
        "uuid": uuid,
        "arn": resource.arn("lambda", f"event-source-mapping:{uuid}"),
        "functionArn": function,
        "state": "Enabled",
    }


def _schedule(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    group = resource.inputs.get("groupName") or "default"
    return f"{group}/{name}", {
        "name": name,
        "groupName": group,
        "arn": resource.arn("scheduler", f"schedule/{group}/{name}"),
    }


def _log_group(resource: _Resource, name: str) -> Outputs:
    return {"arn": resource.arn("logs", f"log-group:{name}")}


def _role(resource: _Resource, name: str) -> Outputs:
    return {
        "arn": resource.arn("iam", f"role/{name}", region=""),
        "uniqueId": f"AROA{token(name, 17).upper()}",
    }


def _function(resource: _Resource, name: str) -> Outputs:
    arn = resource.arn("lambda", f"function:{name}")
    return {
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "invokeArn": (
            f"arn:{PARTITION}:apigateway:{resource.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
    }


def _state_machine(resource: _Resource, name: str) -> Outputs:
    return {"arn": resource.arn("states", f"stateMachine:{name}")}


def _layer(resource: _Resource) -> tuple[str, Outputs]:
    layer_arn = resource.arn("lambda", f"layer:{resource.physical_name('layerName')}")
    return f"{layer_arn}:1", {"layerArn": layer_arn, "arn": f"{layer_arn}:1", "version": "1"}


def _secret(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    # Secrets Manager appends six random characters to every secret's ARN.
    arn = resource.arn("secretsmanager", f"secret:{name}-{token(name, 6)}")
    return arn, {"name": name, "arn": arn}


def _random_password(resource: _Resource) -> tuple[str, Outputs]:
    length = int(resource.inputs.get("length", 16))
    return "none", {"result": token(resource.name, length, string.ascii_letters + string.digits)}


def _http_api(resource: _Resource) -> tuple[str, Outputs]:
    api_id = token(resource.name, 10)
    return api_id, {
        "apiEndpoint": f"https://{api_id}.execute-api.{resource.region}.amazonaws.com",
        "executionArn": resource.arn("execute-api", api_id),
        "arn": f"arn:{PARTITION}:apigateway:{resource.region}::/apis/{api_id}",
    }


def _bucket(resource: _Resource) -> tuple[str, Outputs]:
    bucket = resource.physical_name("bucket", lowercase=True)
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:{PARTITION}:s3:::{bucket}",
        "bucketRegionalDomainName": f"{bucket}.s3.{resource.region}.amazonaws.com",
    }


def _distribution(resource: _Resource) -> tuple[str, Outputs]:
    distribution_id = "E" + token(resource.name, 13, string.ascii_uppercase + string.digits)
    return distribution_id, {
        "arn": resource.arn("cloudfront", f"distribution/{distribution_id}", region=""),
        "domainName": f"d{token(resource.name, 13)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "status": "Deployed",
    }


def _cloudfront_function(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    return name, {"arn": resource.arn("cloudfront", f"function/{name}", region=""), "status": "UNASSOCIATED"}


def _web_acl(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    acl_id = token(name, 36)
    scope = "global" if resource.inputs.get("scope") == "CLOUDFRONT" else "regional"
    return acl_id, {"name": name, "arn": resource.arn("wafv2", f"{scope}/webacl/{name}/{acl_id}")}


def _topic(resource: _Resource) -> tuple[str, Outputs]:
    arn = resource.arn("sns", resource.physical_name())
    return arn, {"arn": arn}


def _sms_configuration_set(resource: _Resource, name: str) -> Outputs:
    return {"arn": resource.arn("sms-voice", f"configuration-set/{name}")}


def _alarm(resource: _Resource) -> tuple[str, Outputs]:
    name = resource.physical_name()
    return name, {"arn": resource.arn("cloudwatch", f"alarm:{name}")}


def _bot(resource: _Resource) -> tuple[str, Outputs]:
    bot_id = token(resource.name, 10, string.ascii_uppercase + string.digits)
    return bot_id, {"awsId": bot_id, "arn": resource.arn("lex", f"bot/{bot_id}")}


def _bot_version(resource: _Resource) -> tuple[str, Outputs]:
    return f"{resource.inputs['botId']}|1", {"botVersion": "1"}


def _bot_alias(resource: _Resource) -> tuple[str, Outputs]:
    alias_id = token(resource.name, 10, string.ascii_uppercase + string.digits)
    bot_id = resource.inputs["botId"]
    return f"{alias_id}|{bot_id}", {
        "botAliasId": alias_id,
        "arn": resource.arn("lex", f"bot-alias/{bot_id}/{alias_id}"),
        "botAliasStatus": "Available",
    }


_OUTPUTS: dict[str, _Build] = {
    "aws:dynamodb/table:Table": _named(_table),
    "aws:cloudwatch/logGroup:LogGroup": _named(_log_group),
    "aws:iam/role:Role": _named(_role),
    "aws:lambda/function:Function": _named(_function),
    "aws:sfn/stateMachine:StateMachine": _named(_state_machine),
    "aws:lambda/layerVersion:LayerVersion": _layer,
    "aws:secretsmanager/secret:Secret": _secret,
    "random:index/randomPassword:RandomPassword": _random_password,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/function:Function": _cloudfront_function,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:sns/topic:Topic": _topic,
    "aws:sqs/queue:Queue": _queue,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _event_source_mapping,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:pinpoint/smsvoicev2ConfigurationSet:Smsvoicev2ConfigurationSet": _named(_sms_configuration_set),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _named(
        lambda resource, name: {"dashboardArn": resource.arn("cloudwatch", f"dashboard/{name}", region="")},
        key="dashboardName",
    ),
    "aws-native:lex:Bot": _bot,
    "aws-native:lex:BotVersion": _bot_version,
    "aws-native:lex:BotAlias": _bot_alias,
}
