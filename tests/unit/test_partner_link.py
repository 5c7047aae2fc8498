"""The partner's link: opening never consumes it; answering consumes it once, before the deadline."""

from datetime import timedelta

import pytest

from runtime.contract import Metric
from runtime.domain.errors import InvalidInput, LinkExpired, LinkInvalid, LinkUsed, RequestClosed
from runtime.domain.link_token import LinkClaims, SigningKey, new_token_id, sign_link
from runtime.domain.model import Answer, EventType, LinkRecord, Status
from runtime.services.partner_link import answer_link, open_link
from tests.builders import assigned_request, request
from tests.fakes import FakeClock, FakeMetricWriter, FakeRequestRepository, FakeSecretProvider

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
        "secrets": FakeSecretProvider(),
        "clock": clock,
        "metrics": FakeMetricWriter(),
    }


def _link(world, *, ttl=600, secret=None, answer_within=300):
    """A link texted to the partner (as the SMS step leaves it), and its signed token."""
    now = world["clock"].now()
    expires = now + timedelta(seconds=ttl)
    texted = assigned_request(answer_by=now + timedelta(seconds=answer_within))
    link = LinkRecord(new_token_id(), request=texted, task_token="task-token-1", expires_at=expires)
    world["repository"].issue_link(link, world["clock"].now())
    world["repository"].mark_sms_sent(link, world["clock"].now())
    claims = LinkClaims(link.token_id, int(expires.timestamp()))
    key = SigningKey(key_id=0, secret=secret) if secret else world["secrets"].signing_key()
    return link, sign_link(key, claims)


def _open(world, token):
    return open_link(token, repository=world["repository"], secrets=world["secrets"], clock=world["clock"])


def _answer(world, token, response="accept", **fields):
    return answer_link({"token": token, "response": response, **fields}, **world)


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
        _, token = _link(world, secret=b"someone-else's-secret-of-32-bytes!")
        expected = LinkInvalid
    else:
        _, token = _link(world, ttl=60)
        world["clock"].advance(61)
        expected = LinkExpired
    world["repository"].reads = 0
    with pytest.raises(expected):
        _open(world, token)
    assert world["repository"].reads == 0


def test_accepting_consumes_the_link_and_records_the_answer_in_one_write(world):
    """The workflow is resumed from this record (the stream), not by the partner's request."""
    _, token = _link(world)
    world["clock"].advance(42)
    answered = _answer(world, token)

    assert answered.answer is Answer.ACCEPT
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.RESPONDED
    assert stored.response == answered
    assert all(link.used for link in world["repository"].links.values())
    assert world["metrics"].counts[Metric.PARTNER_RESPONDED] == 1
    assert world["metrics"].durations[Metric.PARTNER_RESPONSE_SECONDS] == [42.0]


def test_a_second_answer_is_refused_as_a_used_link(world):
    _, token = _link(world)
    _answer(world, token, "reject")
    with pytest.raises(LinkUsed) as raised:
        _answer(world, token, "reject")
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


def test_an_answer_after_the_deadline_the_partner_was_shown_is_refused_as_time_up(world):
    """The workflow's wait is ending: the request is still open, but no longer takes an answer."""
    _, token = _link(world, answer_within=300)
    world["clock"].advance(299)
    _open(world, token)
    world["clock"].advance(2)
    with pytest.raises(RequestClosed) as raised:
        _answer(world, token)
    assert raised.value.status is Status.TIMEOUT
    assert "응답 시간이 지났습니다" in raised.value.message
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.OPENED
    assert stored.response is None


def test_an_answer_at_the_deadline_is_recorded(world):
    _, token = _link(world, answer_within=300)
    world["clock"].advance(300)
    assert _answer(world, token).answer is Answer.ACCEPT
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED
