"""Stream batches in, partial batch responses out: in order, and stopping at the first failure."""

from runtime.adapters.dynamo_converter import to_item
from runtime.adapters.dynamo_expressions import typed
from runtime.adapters.dynamo_keys import request_key
from runtime.adapters.stream_batches import for_each_new_image
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.model import Request
from tests.builders import request


def _record(sequence, request_id):
    found = request(request_id=request_id)
    image = typed({**request_key(request_id), **to_item(found)})
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": sequence, "NewImage": image}}


IDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(3)]
BATCH = {"Records": [_record(str(100 + n), request_id) for n, request_id in enumerate(IDS)]}


def test_every_new_image_reaches_the_use_case_as_the_entity_in_order():
    seen: list[Request] = []
    assert for_each_new_image(BATCH, Request, seen.append) == {"batchItemFailures": []}
    assert [r.request_id for r in seen] == IDS
    assert seen[0] == request(request_id=IDS[0])


def test_the_first_failure_is_reported_and_what_follows_is_left_for_the_retry():
    seen: list[str] = []

    def action(found: Request) -> None:
        if found.request_id == IDS[1]:
            raise DependencyUnavailable("step functions throttled")
        seen.append(found.request_id)

    assert for_each_new_image(BATCH, Request, action) == {"batchItemFailures": [{"itemIdentifier": "101"}]}
    assert seen == [IDS[0]]


def test_an_empty_batch_is_a_success():
    assert for_each_new_image({"Records": []}, Request, lambda _: None) == {"batchItemFailures": []}
