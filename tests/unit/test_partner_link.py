"""The partner's link: opening never consumes it; answering consumes it once and resumes the workflow."""

from datetime import timedelta

import pytest

from runtime.contract import Metric
from runtime.domain.errors import (
    InvalidInput,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    RequestClosed,
    ServiceUnavailable,
)
from runtime.domain.link_token import LinkClaims, new_token_id, sign_link
from runtime.domain.model import Answer, EventType, LinkToken, Status
from runtime.services.partner_link import answer_link, open_link
from tests.builders import assigned_request, request
from tests.fakes import (
    FakeClock,
    FakeMetricWriter,
    FakeRequestRepository,
    FakeSecretProvider,
    FakeWorkflowClient,
)

REQUEST_ID = assigned_request().request_id


class ReadCountingRepository(FakeRequestRepository):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_link(self, token_id):
        self.reads += 1
        return super().get_link(token_id)

    def get_request(self, request_id):
        self.reads += 1
        return super().get_request(request_id)


@pytest.fixture
def world():
    clock = FakeClock()
    repository = ReadCountingRepository()
    repository.create_request(request(), None)
    return {
        "repository": repository,
        "workflow": FakeWorkflowClient(),
        "secrets": FakeSecretProvider(),
        "clock": clock,
        "metrics": FakeMetricWriter(),
    }


def _link(world, *, ttl=600, secret=None):
    """A link texted to the partner (as the SMS step leaves it), and its signed token."""
    expires = world["clock"].now() + timedelta(seconds=ttl)
    link = LinkToken(
        new_token_id(), request=assigned_request(), task_token="task-token-1", expires_at=expires
    )
    world["repository"].issue_link(link, world["clock"].now())
    world["repository"].mark_sms_sent(link, world["clock"].now())
    claims = LinkClaims(link.token_id, int(expires.timestamp()))
    return link, sign_link(secret or world["secrets"].secret, claims)


def _open(world, token):
    return open_link(token, repository=world["repository"], secrets=world["secrets"], clock=world["clock"])


def test_opening_shows_the_request_and_records_opened_only_the_first_time(world):
    link, token = _link(world)
    shown = _open(world, token)
    _open(world, token)
    assert shown.request_id == REQUEST_ID
    assert shown.status is Status.OPENED
    assert world["repository"].event_types(REQUEST_ID).count(EventType.OPENED) == 1
    assert world["repository"].links[link.token_id].used is False


@pytest.mark.parametrize("kind", ["forged", "expired"])
def test_forged_or_expired_links_are_refused_without_reading_the_table(world, kind):
    if kind == "forged":
        _, token = _link(world, secret=b"someone-else's-secret")
        expected = LinkInvalid
    else:
        _, token = _link(world, ttl=60)
        world["clock"].advance(61)
        expected = LinkExpired
    world["repository"].reads = 0
    with pytest.raises(expected):
        _open(world, token)
    assert world["repository"].reads == 0


def test_accepting_consumes_the_link_resumes_the_workflow_and_ends_responded(world):
    _, token = _link(world)
    world["clock"].advance(42)
    answered = answer_link({"token": token, "response": "accept"}, **world)

    assert answered.answer is Answer.ACCEPT
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.RESPONDED
    assert stored.response == answered
    assert world["workflow"].completed["task-token-1"] == answered
    assert all(link.used for link in world["repository"].links.values())
    assert world["metrics"].counts[Metric.PARTNER_RESPONDED] == 1
    assert world["metrics"].durations[Metric.PARTNER_RESPONSE_SECONDS] == [42.0]


def test_a_second_answer_is_refused_as_a_used_link(world):
    _, token = _link(world)
    answer_link({"token": token, "response": "reject"}, **world)
    with pytest.raises(LinkUsed) as raised:
        answer_link({"token": token, "response": "accept"}, **world)
    assert raised.value.message == "이미 응답한 링크입니다."
    assert world["repository"].requests[REQUEST_ID].response.answer is Answer.REJECT


def test_an_alternative_needs_a_future_time(world):
    _, token = _link(world)
    with pytest.raises(InvalidInput) as raised:
        answer_link({"token": token, "response": "alternative"}, **world)
    assert raised.value.field == "alternativeTime"
    past = (world["clock"].now() - timedelta(hours=1)).isoformat()
    with pytest.raises(InvalidInput):
        answer_link({"token": token, "response": "alternative", "alternativeTime": past}, **world)
    assert world["repository"].requests[REQUEST_ID].status is Status.SMS_SENT


def test_a_timed_out_request_answers_that_time_is_up(world):
    _, token = _link(world)
    world["repository"].close(
        REQUEST_ID, Status.TIMEOUT, world["clock"].now(), allowed_from=frozenset({Status.SMS_SENT})
    )
    with pytest.raises(RequestClosed) as raised:
        _open(world, token)
    assert "응답 시간이 지났습니다" in raised.value.message
    with pytest.raises(RequestClosed):
        answer_link({"token": token, "response": "accept"}, **world)
    assert world["repository"].requests[REQUEST_ID].status is Status.TIMEOUT


def test_an_answer_just_after_the_task_timed_out_ends_as_timeout(world):
    _, token = _link(world)
    world["workflow"].closed_tasks["task-token-1"] = True
    with pytest.raises(RequestClosed) as raised:
        answer_link({"token": token, "response": "accept"}, **world)
    assert raised.value.status is Status.TIMEOUT
    assert world["repository"].requests[REQUEST_ID].status is Status.TIMEOUT


@pytest.mark.parametrize("opened", [False, True], ids=["not-opened", "opened"])
def test_an_unreachable_workflow_gives_the_link_back_for_a_retry(world, opened):
    link, token = _link(world)
    if opened:
        _open(world, token)
    world["workflow"].available = False
    with pytest.raises(ServiceUnavailable):
        answer_link({"token": token, "response": "accept"}, **world)

    assert world["repository"].links[link.token_id].used is False
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is (Status.OPENED if opened else Status.SMS_SENT)
    assert stored.response is None
    assert EventType.RESPONDED not in world["repository"].event_types(REQUEST_ID)

    world["workflow"].available = True
    answer_link({"token": token, "response": "accept"}, **world)
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED


def test_a_link_from_an_earlier_sms_attempt_resumes_the_workflow_on_the_current_task(world):
    """The SMS step was retried after this link went out: the workflow waits on the newer task token."""
    _, token = _link(world)
    retried = LinkToken(
        new_token_id(), request=assigned_request(), task_token="task-token-2", expires_at=world["clock"].now()
    )
    world["repository"].issue_link(retried, world["clock"].now())
    world["workflow"].closed_tasks["task-token-1"] = False  # AWS: the old attempt's token is invalid

    answered = answer_link({"token": token, "response": "accept"}, **world)

    assert world["workflow"].completed == {"task-token-2": answered}
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED
