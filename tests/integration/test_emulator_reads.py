"""The local emulator's faster reads answer exactly what moto itself answers: queries that look at one
partition (`local.dynamodb_queries`) and GetRecords written as the stream's JSON
(`local.stream_records`). Each scenario runs twice on a moto server in this process, as moto ships
and with the emulator's fix, and the answers boto3 parses must be equal."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests
from moto.dynamodb.models.table import Table
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import ThreadedMotoServer

from local import dynamodb_queries, stream_records

REGION = "ap-northeast-2"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(endpoint: str, service: str) -> Any:
    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t"
    )


@contextmanager
def installed(install: Callable[[], None], owner: type, *names: str) -> Iterator[None]:
    kept = {name: owner.__dict__[name] for name in names}
    install()
    try:
        yield
    finally:
        for name, original in kept.items():
            setattr(owner, name, original)


def _table(db: Any) -> None:
    db.create_table(
        TableName="reads",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "G1", "G1S")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-group",
                "KeySchema": [
                    {"AttributeName": "G1", "KeyType": "HASH"},
                    {"AttributeName": "G1S", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    chosen = random.Random(7)
    for number in range(300):
        item = {
            "PK": {"S": f"P{chosen.randint(0, 20)}"},
            "SK": {"S": f"S{number:04d}"},
            "n": {"N": str(number)},
        }
        if chosen.random() < 0.6:  # a sparse index: not every item has its keys
            item["G1"] = {"S": f"G{chosen.randint(0, 5)}"}
            item["G1S"] = {"S": f"x{chosen.randint(0, 50):03d}"}
        db.put_item(TableName="reads", Item=item)
    for number in range(0, 300, 7):
        db.delete_item(TableName="reads", Key={"PK": {"S": "P1"}, "SK": {"S": f"S{number:04d}"}})


def _pages(db: Any, **arguments: Any) -> list[Any]:
    found = []
    while True:
        page = db.query(**arguments)
        found.append((page["Items"], page["Count"], page["ScannedCount"]))
        if "LastEvaluatedKey" not in page:
            return found
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _queries(endpoint: str) -> list[Any]:
    db = _client(endpoint, "dynamodb")
    _table(db)
    answers: list[Any] = []
    for partition in [*(f"P{n}" for n in range(22)), "nowhere"]:
        values = {":p": {"S": partition}}
        answers += _pages(
            db,
            TableName="reads",
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues=values,
            Limit=3,
        )
        between = {**values, ":a": {"S": "S0100"}, ":b": {"S": "S0200"}}
        answers += _pages(
            db,
            TableName="reads",
            KeyConditionExpression="PK = :p AND SK BETWEEN :a AND :b",
            ExpressionAttributeValues=between,
            ScanIndexForward=False,
            ProjectionExpression="SK, n",
        )
    for group in [*(f"G{n}" for n in range(6)), "none"]:
        values = {":g": {"S": group}, ":s": {"S": "x030"}, ":n": {"N": "50"}}
        answers += _pages(
            db,
            TableName="reads",
            IndexName="by-group",
            KeyConditionExpression="G1 = :g AND G1S < :s",
            FilterExpression="n > :n",
            ExpressionAttributeValues=values,
            Limit=4,
        )
    return answers


def _stream_reads(endpoint: str) -> list[Any]:
    db = _client(endpoint, "dynamodb")
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="t",
        aws_secret_access_key="t",
    )
    _table(db)
    arn = db.describe_table(TableName="reads")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    cursor, pages = iterator["ShardIterator"], []
    for limit in (1, 50, 1000, 1000):
        page = streams.get_records(ShardIterator=cursor, Limit=limit)
        cursor = page["NextShardIterator"]
        pages.append([_comparable(record) for record in page["Records"]])
    return pages


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """The record without what differs between two runs: its id, when it was made, and moto's size
    estimate (the length of a text that includes that time)."""
    stream = dict(record["dynamodb"])
    assert isinstance(stream.pop("SizeBytes"), int)
    created = stream.pop("ApproximateCreationDateTime")
    assert isinstance(created, datetime) and created.tzinfo is not None
    return {**{k: v for k, v in record.items() if k != "eventID"}, "dynamodb": stream}


def test_a_query_reads_the_same_items_in_the_same_order_and_pages(endpoint):
    as_moto_answers = _queries(endpoint)
    with installed(dynamodb_queries.install, Table, "query", "all_items"):
        with_the_fix = _queries(endpoint)

    assert sum(len(items) for items, _, _ in as_moto_answers) > 100
    assert with_the_fix == as_moto_answers


def test_get_records_answers_the_same_records_as_moto_serializes_them(endpoint):
    as_moto_answers = _stream_reads(endpoint)
    with installed(stream_records.install, DynamoDBStreamsHandler, "get_records"):
        with_the_fix = _stream_reads(endpoint)

    sizes = [len(page) for page in as_moto_answers]
    assert sizes[:2] == [1, 50] and sizes[-1] == 0 and sum(sizes) > 300  # every put, then the deletes
    assert with_the_fix == as_moto_answers
