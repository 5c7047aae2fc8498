"""The wait's second phase: one reminder with the same link, the new task token stored first."""

from datetime import timedelta

import pytest

from runtime.contract import Metric
from runtime.domain.errors import StatusConflict
from runtime.domain.limits import Limits
from runtime.domain.model import Answer, EventType, PartnerResponse, Status
from runtime.services.remind import remind_partner
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
REQUEST_ID = request().request_id


@pytest.fixture
def world():
    repository = FakeRequestRepository()
    repository.create_request(request(), None)
    return {
        "repository": repository,
        "sms": FakeSmsSender(),
        "secrets": FakeSecretProvider(),
        "workflow": FakeWorkflowClient(),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
    }


def _texted(world):
    """The first phase: the SMS went out with its link."""
    return send_partner_link(
        assigned_request(),
        "task-1",
        **world,
        site_url=SITE,
        token_ttl=timedelta(seconds=600),
        partner_timeout=timedelta(seconds=300),
        limits=Limits(),
    )


def _remind(world, token="task-2"):
    return remind_partner(REQUEST_ID, token, **world, site_url=SITE)


def test_the_reminder_texts_the_same_link_once_with_the_minutes_left(world):
    link = _texted(world)
    world["clock"].advance(180)
    assert _remind(world) == link

    (_, first), (phone, second) = world["sms"].outbox
    assert phone == PARTNER_PHONE
    assert link in first and link in second
    assert "다시 알림" in second and "2분 안에" in second
    assert world["repository"].event_types(REQUEST_ID) == [
        EventType.CREATED,
        EventType.SMS_SENT,
        EventType.REMINDED,
    ]
    assert world["metrics"].counts[Metric.REMINDERS_SENT] == 1


def test_the_link_and_the_request_follow_the_reminders_task_token(world):
    _texted(world)
    _remind(world)
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.task_token == "task-2"
    assert world["repository"].links[stored.link_id].task_token == "task-2"


def test_a_retried_reminder_is_recorded_once(world):
    _texted(world)
    _remind(world)
    _remind(world, "task-3")
    assert world["repository"].event_types(REQUEST_ID).count(EventType.REMINDED) == 1
    assert world["metrics"].counts[Metric.REMINDERS_SENT] == 1


def test_an_answer_recorded_before_the_reminder_resumes_its_task_and_texts_nobody(world):
    _texted(world)
    stored = world["repository"].requests[REQUEST_ID]
    answer = PartnerResponse(Answer.ACCEPT, world["clock"].now())
    world["repository"].record_response(world["repository"].links[stored.link_id], answer)

    assert _remind(world) is None

    assert world["workflow"].completed == {"task-2": answer}
    assert len(world["sms"].outbox) == 1
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED


def test_a_request_closed_otherwise_makes_the_task_fail(world):
    _texted(world)
    world["repository"].close(
        REQUEST_ID, Status.FAILED, world["clock"].now(), allowed_from=frozenset({Status.SMS_SENT})
    )
    with pytest.raises(StatusConflict):
        _remind(world)
    assert len(world["sms"].outbox) == 1
