"""The Lambda functions: settings, environment, and least privilege from the contract's one list."""

from __future__ import annotations

import json

import pytest
from infra_helpers import (
    LOG_GROUP,
    actions_of,
    lambda_of,
    policy_of,
    role_of,
    setting,
    stack_file,
    state_machine_arn,
    statements,
    trusted_service,
    variables_of,
)

from infra.config import foundation_model
from infra.lambda_package import BYTECODE_SUFFIX, imported_modules, runtime_files
from infra.offline.mock_aws import ACCOUNT_ID
from infra.offline.mock_run import PROJECT_ROOT, Deployment, run_program
from runtime.contract import (
    LEX_LOCALE,
    LINK_SECRET_CACHE_SECONDS,
    RESERVATION_INDEX,
    SERVICE_MODELS_FOLDER,
    STATUS_INDEX,
    Env,
    Function,
)
from runtime.deployment import FUNCTIONS, Resource

# What every function needs besides its handler's calls.
PLATFORM_STATEMENTS = {"WriteLogs", "WriteTraces"}
# What every function is refused whatever else it is granted.
GUARDRAILS = {"NoSnsPublish"}
CONFIGURATION_SET = "aws:pinpoint/smsvoicev2ConfigurationSet:Smsvoicev2ConfigurationSet"
ORIGINATION = "arn:aws:sms-voice:ap-northeast-2:123456789012:phone-number/phone-0123456789abcdef0"
CONSUMERS = {function for function, spec in FUNCTIONS.items() if spec.subscription is not None}
TOPIC_FED = {function for function, spec in FUNCTIONS.items() if spec.topic is not None}
STREAM_READS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}


def _contract_actions(function: Function) -> set[str]:
    return {action for permission in FUNCTIONS[function].role_permissions for action in permission.actions}


def _policy(deployment: Deployment, function: Function) -> dict:
    return policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))


def _grants(policy: dict) -> dict[str, dict]:
    """The policy's allow statements besides the platform's (denies are guardrails, granting nothing)."""
    return {
        sid: statement
        for sid, statement in statements(policy).items()
        if sid not in PLATFORM_STATEMENTS and statement["Effect"] == "Allow"
    }


def test_one_function_per_contract_entry(deployment: Deployment) -> None:
    functions = deployment.of_type("aws:lambda/function:Function")
    assert sorted(f.inputs["handler"] for f in functions) == sorted(
        spec.handler for spec in FUNCTIONS.values()
    )


@pytest.mark.parametrize("function", list(Function))
def test_function_runtime_settings(deployment: Deployment, function: Function) -> None:
    lambda_ = lambda_of(deployment, function).inputs
    assert lambda_["name"] == f"partner-confirm-{deployment.stack}-{function}"
    assert lambda_["runtime"] == "python3.12"
    assert lambda_["architectures"] == ["x86_64"]
    assert lambda_["memorySize"] == 512
    assert lambda_["timeout"] == 30
    assert lambda_["tracingConfig"] == {"mode": "Active"}
    layer = deployment.one("aws:lambda/layerVersion:LayerVersion")
    assert lambda_["layers"] == [layer.outputs["arn"]]


@pytest.mark.parametrize("function", list(Function))
def test_each_function_ships_the_runtime_modules_its_handler_imports_with_bytecode(
    deployment: Deployment, function: Function
) -> None:
    names = list(lambda_of(deployment, function).inputs["code"].assets)
    sources = sorted(name for name in names if name.endswith(".py"))
    handler_module = FUNCTIONS[function].handler.rpartition(".")[0]
    assert sources == sorted(imported_modules(PROJECT_ROOT, handler_module))
    assert f"{handler_module.replace('.', '/')}.py" in sources
    assert set(sources) <= {name for name, _ in runtime_files(PROJECT_ROOT)}
    # Beside each source, its bytecode for the Lambda Python, and botocore's data for the services
    # the function calls (each one's cut model, and their endpoints); nothing else.
    models = sorted(name for name in names if name.startswith(f"{SERVICE_MODELS_FOLDER}/"))
    services = FUNCTIONS[function].clients
    per_service = [name for name in models if name.count("/") == 3]
    assert {name.split("/")[1] for name in per_service} == services
    assert all(name.endswith("/service-2.json") for name in per_service)
    assert len(per_service) == len(services)
    assert sorted(set(models) - set(per_service)) == [f"{SERVICE_MODELS_FOLDER}/endpoints.json"]
    compiled = [name for name in names if "/__pycache__/" in name]
    assert len(compiled) == len(sources) == len(names) - len(compiled) - len(models)
    assert all(name.endswith(BYTECODE_SUFFIX) for name in compiled)


@pytest.mark.parametrize("function", list(Function))
def test_environment_is_exactly_what_the_function_reads(deployment: Deployment, function: Function) -> None:
    variables = variables_of(lambda_of(deployment, function))
    assert set(variables) == {str(name) for name in FUNCTIONS[function].environment}


def _origin_secret(deployment: Deployment) -> str:
    origin = next(r for r in deployment.resources if r.type == "partnerconfirm:infra:OriginSecret")
    (generated,) = deployment.children_of(origin)
    return generated.outputs["result"]


def test_environment_values_locate_the_deployed_resources(deployment: Deployment) -> None:
    stack = deployment.stack
    limits = setting(stack, "limits")
    expected = {
        Env.STAGE: stack,
        Env.TABLE_NAME: deployment.one("aws:dynamodb/table:Table").outputs["name"],
        Env.STATE_MACHINE_ARN: state_machine_arn(deployment),
        Env.LINK_SECRET_ID: deployment.one("aws:secretsmanager/secret:Secret").outputs["arn"],
        Env.SITE_URL: deployment.exports["siteUrl"],
        Env.TOKEN_TTL_SECONDS: str(setting(stack, "tokenTtlSeconds")),
        Env.PARTNER_TIMEOUT_SECONDS: str(setting(stack, "partnerTimeoutSeconds")),
        Env.LEX_BOT_ID: deployment.exports["botId"],
        Env.LEX_BOT_ALIAS_ID: deployment.exports["botAliasId"],
        Env.LEX_LOCALE_ID: LEX_LOCALE,
        Env.BEDROCK_MODEL_ID: setting(stack, "bedrockModelId"),
        Env.BEDROCK_FALLBACK_MODEL_ID: setting(stack, "bedrockFallbackModelId"),
        Env.LOG_LEVEL: setting(stack, "logLevel", "INFO"),
        Env.SMS_CONFIGURATION_SET: deployment.one(CONFIGURATION_SET).outputs["name"],
        Env.SMS_ORIGINATION_IDENTITY: setting(stack, "smsOriginationIdentity", ""),
        Env.SMS_MAX_PRICE: setting(stack, "smsMaxPrice", ""),
        Env.OPERATORS_TOPIC_ARN: deployment.exports["operatorsTopicArn"],
        Env.LINK_SECRET_CACHE_SECONDS: str(LINK_SECRET_CACHE_SECONDS),
        Env.RETENTION_DAYS: str(setting(stack, "retentionDays")),
        Env.ORIGIN_SECRET: _origin_secret(deployment),
        Env.LIMIT_OPEN_PER_RESERVATION: str(limits["openPerReservation"]),
        Env.LIMIT_REQUESTS_PER_RESERVATION_PER_DAY: str(limits["requestsPerReservationPerDay"]),
        Env.LIMIT_UNMATCHED_PER_PHONE_PER_HOUR: str(limits["unmatchedPerPhonePerHour"]),
        Env.LIMIT_SMS_PER_PARTNER_PER_HOUR: str(limits["smsPerPartnerPerHour"]),
    }
    for function in Function:
        variables = variables_of(lambda_of(deployment, function))
        for name, value in variables.items():
            assert value == expected[Env(name)], f"{function} {name}"


@pytest.mark.parametrize("function", list(Function))
def test_each_function_has_its_own_role_for_lambda(deployment: Deployment, function: Function) -> None:
    role = role_of(deployment, lambda_of(deployment, function))
    assert trusted_service(role) == "lambda.amazonaws.com"
    roles = {lambda_of(deployment, f).inputs["role"] for f in Function}
    assert len(roles) == len(Function)


@pytest.mark.parametrize("function", list(Function))
def test_policy_grants_exactly_the_contract_actions(deployment: Deployment, function: Function) -> None:
    policy = policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))
    assert actions_of(policy, excluding=PLATFORM_STATEMENTS | GUARDRAILS) == _contract_actions(function)
    effects = {statement["Sid"]: statement["Effect"] for statement in policy["Statement"]}
    assert {sid for sid, effect in effects.items() if effect != "Allow"} == GUARDRAILS
    assert not any("*" in action for action in actions_of(policy))


def _resource_arns(deployment: Deployment) -> dict[Resource, list[str]]:
    table = deployment.one("aws:dynamodb/table:Table").outputs
    table_arn = table["arn"]
    region = stack_file(deployment.stack)["aws:region"]
    bedrock = []
    for key in ("bedrockModelId", "bedrockFallbackModelId"):
        profile = setting(deployment.stack, key)
        bedrock += [
            f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:inference-profile/{profile}",
            # `*` also matches the empty region of global profiles' `arn:aws:bedrock:::foundation-model/`.
            f"arn:aws:bedrock:*::foundation-model/{foundation_model(profile)}",
        ]
    origination = setting(deployment.stack, "smsOriginationIdentity")
    return {
        Resource.TABLE: [table_arn],
        Resource.RESERVATION_INDEX: [f"{table_arn}/index/{RESERVATION_INDEX.name}"],
        Resource.STATUS_INDEX: [f"{table_arn}/index/{STATUS_INDEX.name}"],
        Resource.TABLE_STREAM: [table["streamArn"]],
        Resource.DEAD_LETTERS: [deployment.one("aws:sqs/queue:Queue").outputs["arn"]],
        Resource.STATE_MACHINE: [state_machine_arn(deployment)],
        Resource.WORKFLOW_TASKS: [state_machine_arn(deployment)],
        Resource.LINK_SECRET: [deployment.one("aws:secretsmanager/secret:Secret").outputs["arn"]],
        Resource.SMS: [
            deployment.one(CONFIGURATION_SET).outputs["arn"],
            *([origination] if origination else []),
        ],
        Resource.BOT_ALIAS: [deployment.one("aws-native:lex:BotAlias").outputs["arn"]],
        Resource.BEDROCK_MODELS: bedrock,
        Resource.OPERATORS_TOPIC: [deployment.exports["operatorsTopicArn"]],
    }


@pytest.mark.parametrize("function", list(Function))
def test_each_action_applies_only_to_the_resources_and_key_prefixes_it_touches(
    deployment: Deployment, function: Function
) -> None:
    """One statement per resource, and on the table per set of key prefixes (dynamodb:LeadingKeys)."""
    spec = FUNCTIONS[function]
    policy = policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))
    granted = [s for sid, s in statements(policy).items() if sid not in PLATFORM_STATEMENTS | GUARDRAILS]
    expected_arns = _resource_arns(deployment)
    expected: dict[tuple[Resource, tuple[str, ...]], set[str]] = {}
    for permission in spec.role_permissions:
        patterns = tuple(sorted(f"{key}*" for key in permission.keys))
        expected.setdefault((permission.resource, patterns), set()).update(permission.actions)
    assert len(granted) == len(expected)
    for (resource, patterns), actions in expected.items():
        statement = next(s for s in granted if set(s["Action"]) == actions and _patterns(s) == patterns)
        assert sorted(statement["Resource"]) == sorted(expected_arns[resource]), f"{function} on {resource}"


def test_every_table_grant_names_its_key_prefixes(deployment: Deployment) -> None:
    """No function may touch the whole table: each item action is tied to the prefixes it needs."""
    table_arn = deployment.one("aws:dynamodb/table:Table").outputs["arn"]
    seen = set()
    for function in Function:
        policy = policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))
        for statement in policy["Statement"]:
            if statement.get("Resource") == [table_arn]:
                condition = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                assert condition and all(pattern.endswith("#*") for pattern in condition)
                seen.add(function)
    assert seen == {f for f, spec in FUNCTIONS.items() if Resource.TABLE in spec.resources}
    chat = policy_of(deployment, role_of(deployment, lambda_of(deployment, Function.CHAT)))
    updates = next(s for s in chat["Statement"] if s["Action"] == ["dynamodb:UpdateItem"])
    assert _patterns(updates) == ("LIMIT#PHONE#*", "LIMIT#RES#*")  # never a request, link or reservation


def _patterns(statement: dict) -> tuple[str, ...]:
    condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
    return tuple(sorted(condition.get("dynamodb:LeadingKeys", ())))


@pytest.mark.parametrize("function", list(Function))
def test_functions_write_only_their_own_logs_and_traces(deployment: Deployment, function: Function) -> None:
    lambda_ = lambda_of(deployment, function)
    log_group = next(
        g
        for g in deployment.of_type(LOG_GROUP)
        if g.inputs["name"] == f"/aws/lambda/{lambda_.inputs['name']}"
    )
    assert log_group.inputs["retentionInDays"] == setting(deployment.stack, "logRetentionDays")
    granted = statements(policy_of(deployment, role_of(deployment, lambda_)))
    logs = log_group.outputs["arn"]
    assert sorted(granted["WriteLogs"]["Resource"]) == sorted([logs, f"{logs}:*"])
    assert set(granted["WriteLogs"]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert set(granted["WriteTraces"]["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_no_function_invokes_another(deployment: Deployment) -> None:
    """Hand-offs come from the table's stream (and a topic): nobody invokes the orchestrator (or any
    function), and what fails after Lambda's retries of a topic's delivery goes to the queue only."""
    for function in Function:
        assert not any(action.startswith("lambda:") for action in actions_of(_policy(deployment, function)))
    queue = deployment.one("aws:sqs/queue:Queue").outputs["arn"]
    configs = deployment.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    assert sorted(c.inputs["functionName"] for c in configs) == sorted(
        lambda_of(deployment, function).outputs["arn"] for function in TOPIC_FED
    )
    for config in configs:
        assert config.inputs["destinationConfig"] == {"onFailure": {"destination": queue}}


@pytest.mark.parametrize("function", list(Function))
def test_only_stream_consumers_read_the_stream_and_send_to_the_dead_letter_queue(
    deployment: Deployment, function: Function
) -> None:
    granted = _grants(_policy(deployment, function)).values()
    stream = deployment.one("aws:dynamodb/table:Table").outputs["streamArn"]
    queue = deployment.one("aws:sqs/queue:Queue").outputs["arn"]
    on_stream = [(set(s["Action"]), s["Resource"]) for s in granted if stream in s["Resource"]]
    on_queue = [(set(s["Action"]), s["Resource"]) for s in granted if queue in s["Resource"]]
    stream_actions = {a for s in granted for a in s["Action"] if a in STREAM_READS or a.startswith("sqs:")}
    if function in CONSUMERS:
        assert on_stream == [(STREAM_READS, [stream])]
        assert on_queue == [({"sqs:SendMessage"}, [queue])]
        assert stream_actions == STREAM_READS | {"sqs:SendMessage"}
    elif function in TOPIC_FED:  # Lambda sends an event that failed every retry to the queue
        assert on_stream == []
        assert on_queue == [({"sqs:SendMessage"}, [queue])]
        assert stream_actions == {"sqs:SendMessage"}
    else:
        assert on_stream == on_queue == []
        assert stream_actions == set()


def test_a_topic_feeds_the_delivery_function() -> None:
    assert {Function.SMS_DELIVERY} == TOPIC_FED


def test_the_stream_has_consumers() -> None:
    """The check above compares something: the orchestrator, the resumer and the escalator read it."""
    assert {Function.ORCHESTRATOR, Function.RESUMER, Function.ESCALATOR} == CONSUMERS


def test_policies_are_sent_as_json_documents(deployment: Deployment) -> None:
    for policy in deployment.of_type("aws:iam/rolePolicy:RolePolicy"):
        assert json.loads(policy.inputs["policy"])["Version"] == "2012-10-17"


@pytest.mark.parametrize("function", list(Function))
def test_no_function_may_publish_to_any_sns_topic_but_the_operators(
    deployment: Deployment, function: Function
) -> None:
    policy = policy_of(deployment, role_of(deployment, lambda_of(deployment, function)))
    operators = deployment.exports["operatorsTopicArn"]
    assert statements(policy)["NoSnsPublish"] == {
        "Sid": "NoSnsPublish",
        "Effect": "Deny",
        "Action": ["sns:Publish"],
        "NotResource": [operators],
    }
    granted = [s for s in _grants(policy).values() if any(a.startswith("sns:") for a in s["Action"])]
    if function is Function.ESCALATOR:
        assert granted == [
            {"Sid": "OperatorsTopic", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [operators]}
        ]
    else:
        assert granted == []


def test_sms_is_granted_on_the_configuration_set_and_the_origination_identity_set() -> None:
    """With an origination identity set, the message names it, so the grant names it too; and the
    function finds it in its environment."""
    deployment = run_program("demo", extra_config={"partner-confirm:smsOriginationIdentity": ORIGINATION})
    sender = lambda_of(deployment, Function.SMS_SENDER)
    granted = statements(policy_of(deployment, role_of(deployment, sender)))["Sms"]
    assert granted["Action"] == ["sms-voice:SendTextMessage"]
    assert granted["Resource"] == [deployment.one(CONFIGURATION_SET).outputs["arn"], ORIGINATION]
    variables = variables_of(sender)
    assert variables[Env.SMS_ORIGINATION_IDENTITY] == ORIGINATION
    assert variables[Env.SMS_CONFIGURATION_SET] == "partner-confirm-demo"
