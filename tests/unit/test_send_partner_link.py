"""The waiting task: task token first, then the signed link by SMS."""

from datetime import timedelta

import pytest

from runtime.domain.deadlines import CLOSE_ALLOWANCE
from runtime.domain.errors import DependencyUnavailable, PartnerSmsLimitReached, SmsRejected, StatusConflict
from runtime.domain.limits import NO_LIMITS, Limits, partner_sms, unmatched_lookups
from runtime.domain.link_token import verify_link
from runtime.domain.messages import SMS_BODY_MAX_BYTES, sms_bytes
from runtime.domain.model import Answer, EventType, LinkRecord, PartnerResponse, Status
from runtime.services.send_link import send_partner_link
from tests.builders import PARTNER_PHONE, assigned_request, request
from tests.fakes import (
    FakeClock,
    FakeMetricWriter,
    FakeRequestRepository,
    FakeSecretProvider,
    FakeSmsSender,
    FakeWorkflowClient,
)

SITE = "https://d111111abcdef8.cloudfront.net"


@pytest.fixture
def world():
    repository = FakeRequestRepository()
    repository.create_request(request(), None)  # as stored; the workflow's input carries the partner
    return {
        "repository": repository,
        "sms": FakeSmsSender(),
        "secrets": FakeSecretProvider(),
        "workflow": FakeWorkflowClient(),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
        "site_url": SITE,
        "token_ttl": timedelta(seconds=600),
        "partner_timeout": timedelta(seconds=300),
        "limits": Limits(),
    }


def test_the_partner_gets_a_short_signed_link_and_the_request_moves_to_sms_sent(world):
    request_id = assigned_request().request_id
    link = send_partner_link(assigned_request(), "task-token-1", **world)

    ((phone, body),) = world["sms"].outbox
    assert phone == PARTNER_PHONE
    assert world["sms"].request_ids == [request_id]  # its delivery events will name the request
    assert link in body
    assert link.startswith(f"{SITE}/r/")
    assert sms_bytes(body) <= SMS_BODY_MAX_BYTES
    claims = verify_link(
        world["secrets"].verification_key, link.rsplit("/", 1)[1], now=int(world["clock"].now().timestamp())
    )
    stored_link = world["repository"].links[claims.token_id]
    assert stored_link.request_id == request_id
    assert stored_link.partner_id == "PTN-HOTEL-SEOUL"
    assert stored_link.task_token == "task-token-1"
    assert stored_link.sms_sent_at == world["clock"].now()
    stored = world["repository"].requests[request_id]
    assert stored.task_token == "task-token-1"
    assert stored.partner_phone == PARTNER_PHONE
    assert stored.partner_name == assigned_request().partner_name
    assert stored.status is Status.SMS_SENT
    assert world["repository"].event_types(request_id) == [EventType.CREATED, EventType.SMS_SENT]


def test_the_partner_deadline_and_the_due_time_are_stored_before_the_sms(world):
    request_id = assigned_request().request_id
    world["sms"].available = False
    with pytest.raises(DependencyUnavailable):
        send_partner_link(assigned_request(), "task-token-1", **world)
    stored = world["repository"].requests[request_id]
    assert stored.answer_by == world["clock"].now() + timedelta(seconds=300)
    assert stored.due_at == stored.answer_by + CLOSE_ALLOWANCE
    assert world["repository"].due[request_id] == stored.due_at


def test_an_attempt_that_finds_the_answer_recorded_resumes_itself_and_texts_nobody(world):
    """The partner answered through the link of an earlier attempt whose Lambda then failed."""
    request_id = assigned_request().request_id
    first = LinkRecord("first-link", assigned_request(), "task-token-1", world["clock"].now())
    world["repository"].issue_link(first, world["clock"].now())
    answer = PartnerResponse(Answer.ACCEPT, world["clock"].now())
    world["repository"].record_response(first, answer)

    assert send_partner_link(assigned_request(), "task-token-2", **world) is None

    assert world["workflow"].completed == {"task-token-2": answer}
    assert world["sms"].outbox == []
    assert world["repository"].requests[request_id].status is Status.RESPONDED


def test_the_task_token_is_kept_even_when_the_sms_fails_so_a_retry_can_succeed(world):
    request_id = assigned_request().request_id
    world["sms"].available = False
    with pytest.raises(DependencyUnavailable):
        send_partner_link(assigned_request(), "task-token-1", **world)

    stored = world["repository"].requests[request_id]
    assert stored.task_token == "task-token-1"
    assert stored.status is Status.CREATED
    assert [link.task_token for link in world["repository"].links.values()] == ["task-token-1"]
    assert world["sms"].outbox == []


def test_an_sms_the_service_refuses_for_good_is_raised_as_such_and_nothing_is_marked_sent(world):
    request_id = assigned_request().request_id
    world["sms"].refused = True
    with pytest.raises(SmsRejected):
        send_partner_link(assigned_request(), "task-token-1", **world)

    assert world["repository"].requests[request_id].status is Status.CREATED
    assert world["repository"].event_types(request_id) == [EventType.CREATED]
    assert world["metrics"].counts == {}


def test_a_closed_request_sends_nothing(world):
    request_id = assigned_request().request_id
    world["repository"].close(
        request_id, Status.FAILED, world["clock"].now(), allowed_from=frozenset({Status.CREATED})
    )
    with pytest.raises(StatusConflict):
        send_partner_link(assigned_request(), "task-token-1", **world)
    assert world["sms"].outbox == []


def test_an_sms_recorded_after_the_partner_opened_keeps_opened(world):
    request_id = assigned_request().request_id
    world["repository"].mark_opened(request_id, world["clock"].now())
    send_partner_link(assigned_request(), "task-token-1", **world)
    assert world["repository"].requests[request_id].status is Status.OPENED


def test_a_request_without_its_partner_is_refused_before_anything_is_stored(world):
    with pytest.raises(ValueError, match="partner"):
        send_partner_link(request(), "task-token-1", **world)
    assert world["repository"].links == {}
    assert world["repository"].requests[request().request_id].task_token is None


# --- limits: the partner phone's SMS per hour, the customer phone's unmatched lookups ------------


def _partner_full(world, count):
    """`count` other requests texted to the same partner phone in this hour."""
    for n in range(count):
        other = assigned_request(request_id=f"00000000-0000-4000-8000-0000000001{n:02}")
        quota = partner_sms(other, world["limits"], at=world["clock"].now())
        world["repository"]._count([quota])


def test_the_sms_counts_against_its_partner_phones_hour(world):
    send_partner_link(assigned_request(), "task-token-1", **world)

    quota = partner_sms(assigned_request(), world["limits"], at=world["clock"].now())
    assert world["repository"].counted(quota) == {assigned_request().request_id}


def test_a_partner_phone_at_its_limit_gets_no_sms_and_nothing_is_stored(world):
    _partner_full(world, 20)

    with pytest.raises(PartnerSmsLimitReached):
        send_partner_link(assigned_request(), "task-token-1", **world)

    assert world["sms"].outbox == []
    assert world["repository"].links == {}
    assert world["repository"].requests[assigned_request().request_id].task_token is None


def test_a_retried_sms_step_of_the_same_request_is_not_counted_twice(world):
    _partner_full(world, 19)
    world["sms"].available = False
    with pytest.raises(DependencyUnavailable):
        send_partner_link(assigned_request(), "task-token-1", **world)
    world["sms"].available = True

    send_partner_link(assigned_request(), "task-token-2", **world)  # the workflow's retry, at the limit

    assert len(world["sms"].outbox) == 1


def test_reaching_the_partner_takes_the_request_out_of_its_customers_unmatched_lookups(world):
    lookups = unmatched_lookups(assigned_request(), world["limits"])
    world["repository"]._count([lookups])

    send_partner_link(assigned_request(), "task-token-1", **world)

    assert world["repository"].counted(lookups) == set()


def test_without_limits_nothing_is_counted(world):
    world["limits"] = NO_LIMITS
    send_partner_link(assigned_request(), "task-token-1", **world)
    assert world["repository"].limits == {}
