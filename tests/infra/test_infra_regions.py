"""Every AWS service the functions call is offered in the stack's region, by botocore's own endpoint
data; and SMS goes through a service that sends it from there, never through SNS (which sends no SMS
from Seoul).

The services come from runtime.contract: each permission names the boto3 client whose calls need it,
so a new call the contract grants is checked here too. The test tier may import botocore (infra does
not); the stack files are read as `pulumi up` reads them.
"""

from __future__ import annotations

import botocore.session
import pytest
from infra_helpers import stack_file

from infra.offline.mock_run import STACKS
from runtime.contract import Function
from runtime.deployment import FUNCTIONS, SEND_SMS, Resource

_session = botocore.session.get_session()
CALLED = sorted({client for spec in FUNCTIONS.values() for client in spec.clients})
# What the event source mappings call with the consumers' roles (read the stream, dead-letter).
EVENT_SOURCES = sorted({p.client for spec in FUNCTIONS.values() for p in spec.role_permissions} - set(CALLED))


def offered_in(client: str) -> set[str]:
    """The commercial regions where botocore's endpoint data has an endpoint for `client`."""
    regions = set(_session.get_available_regions(client))
    model = _session.get_service_model(client)
    # A few runtimes are listed under their service as `<endpoint prefix>-<region>` (bedrock-runtime
    # under bedrock), each with its region in the credential scope.
    (aws,) = [p for p in _session.get_data("endpoints")["partitions"] if p["partition"] == "aws"]
    for key, endpoint in aws["services"].get(model.signing_name, {}).get("endpoints", {}).items():
        if key.startswith(f"{model.endpoint_prefix}-") and "credentialScope" in endpoint:
            regions.add(endpoint["credentialScope"]["region"])
    return regions


def test_the_contract_names_the_clients_the_functions_call() -> None:
    assert CALLED == [
        "bedrock-runtime",
        "dynamodb",
        "lexv2-runtime",
        "pinpoint-sms-voice-v2",
        "secretsmanager",
        "sns",
        "stepfunctions",
    ]
    assert EVENT_SOURCES == ["dynamodbstreams", "sqs"]
    for client in CALLED:
        model = _session.get_service_model(client)
        # Each permission's IAM prefix is the signing name of the client it is granted for.
        prefixes = {
            action.split(":")[0]
            for spec in FUNCTIONS.values()
            for permission in spec.permissions
            if permission.client == client
            for action in permission.actions
        }
        assert prefixes == {model.signing_name}, client


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("client", CALLED + EVENT_SOURCES)
def test_every_service_the_functions_call_is_offered_in_the_stacks_region(stack: str, client: str) -> None:
    """Their event sources' too: the stream is read and the dead-letter queue written in the region."""
    region = stack_file(stack)["aws:region"]
    assert region in offered_in(client), f"{client} has no endpoint in {region}"


@pytest.mark.parametrize("stack", STACKS)
def test_sms_is_sent_by_end_user_messaging_in_the_region_never_by_sns(stack: str) -> None:
    region = stack_file(stack)["aws:region"]
    assert SEND_SMS.client == "pinpoint-sms-voice-v2"
    assert region in offered_in(SEND_SMS.client)
    on_sns = {p.resource for spec in FUNCTIONS.values() for p in spec.permissions if p.client == "sns"}
    assert on_sns == {Resource.OPERATORS_TOPIC}  # the operators' e-mails, never an SMS
    assert SEND_SMS in FUNCTIONS[Function.SMS_SENDER].permissions
    # The deployed policies deny sns:Publish besides: test_infra_functions.py checks each one.


def test_a_service_without_an_endpoint_in_the_region_is_caught() -> None:
    """The check can fail: Lex V2's runtime has no endpoint in Spain (eu-south-2); and Bedrock's runtime,
    listed under Bedrock, is found in Seoul."""
    assert "ap-northeast-2" in offered_in("bedrock-runtime")
    assert "ap-northeast-2" in offered_in("pinpoint-sms-voice-v2")
    assert "eu-south-2" not in offered_in("lexv2-runtime")
