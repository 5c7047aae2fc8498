"""The local emulator's DynamoDB transactions keep DynamoDB's rules: all or nothing, conditions judged
on the state before, a retried ClientRequestToken answered as done."""

import pytest
from botocore.exceptions import ClientError


def _put(table, pk, condition=None):
    put = {"TableName": table, "Item": {"PK": {"S": pk}, "SK": {"S": "METADATA"}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def _keys(stack, prefix):
    return sorted(item["PK"] for item in stack.items(prefix))


def test_a_failed_condition_writes_nothing(stack):
    dynamodb, table = stack.aws.client("dynamodb"), stack.deployment.table_name
    dynamodb.transact_write_items(TransactItems=[_put(table, "T#taken")])

    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[_put(table, "T#new"), _put(table, "T#taken", "attribute_not_exists(PK)")]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert _keys(stack, "T#") == ["T#taken"]


def test_a_write_that_fails_midway_puts_back_what_was_written(stack):
    dynamodb, table = stack.aws.client("dynamodb"), stack.deployment.table_name
    dynamodb.transact_write_items(TransactItems=[_put(table, "T#kept")])
    bad_update = {
        "Update": {
            "TableName": table,
            "Key": {"PK": {"S": "T#kept"}, "SK": {"S": "METADATA"}},
            "UpdateExpression": "ADD #n :one",
            "ExpressionAttributeNames": {"#n": "PK"},  # a key attribute cannot be updated
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[_put(table, "T#new"), bad_update])

    assert _keys(stack, "T#") == ["T#kept"]


def test_a_retried_client_request_token_is_answered_as_done_and_not_applied_twice(stack):
    dynamodb, table = stack.aws.client("dynamodb"), stack.deployment.table_name
    once = [_put(table, "T#once", "attribute_not_exists(PK)")]

    dynamodb.transact_write_items(TransactItems=once, ClientRequestToken="retry-of-the-same-write")
    dynamodb.transact_write_items(TransactItems=once, ClientRequestToken="retry-of-the-same-write")
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=once, ClientRequestToken="another-write")

    assert _keys(stack, "T#") == ["T#once"]
