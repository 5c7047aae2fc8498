"""A proposed time: the customer decides with their own token; the workflow waits, lapses, tells the
partner once; the partner's used link tells the outcome."""

from datetime import timedelta

import attrs
import pytest

from runtime.contract import Metric
from runtime.domain.errors import (
    CustomerTokenInvalid,
    InvalidInput,
    LinkUsed,
    NoPendingProposal,
    RequestNotFound,
    StatusConflict,
)
from runtime.domain.link_token import LinkClaims, Scope, SigningKey, new_token_id, sign_link
from runtime.domain.messages import SMS_BODY_MAX_BYTES, sms_bytes
from runtime.domain.model import (
    Answer,
    EventType,
    LinkRecord,
    PartnerResponse,
    Proposal,
    ProposalState,
    Status,
)
from runtime.services.decide import customer_token, decide_on_proposal
from runtime.services.partner_link import answer_link, open_link
from runtime.services.proposal import await_decision, lapse_proposal, tell_partner
from runtime.services.resume import resume_workflow
from tests.builders import PARTNER_PHONE, T0, assigned_request, request
from tests.fakes import (
    FakeClock,
    FakeMetricWriter,
    FakeRequestRepository,
    FakeSecretProvider,
    FakeSmsSender,
    FakeWorkflowClient,
)

PROPOSED = T0 + timedelta(days=2)


class ReadCountingRepository(FakeRequestRepository):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_request(self, request_id):
        self.reads += 1
        return super().get_request(request_id)


@pytest.fixture
def world():
    clock = FakeClock(T0)
    repository = ReadCountingRepository()
    secrets = FakeSecretProvider()
    stored = request(customer_token_id=new_token_id(), customer_token_expires_at=T0 + timedelta(days=14))
    repository.create_request(stored, None)
    link = LinkRecord(
        new_token_id(),
        request=assigned_request(answer_by=T0 + timedelta(minutes=5)),
        task_token="task-1",
        expires_at=T0 + timedelta(minutes=10),
    )
    repository.issue_link(link, T0)
    return {
        "repository": repository,
        "secrets": secrets,
        "clock": clock,
        "metrics": FakeMetricWriter(),
        "workflow": FakeWorkflowClient(),
        "sms": FakeSmsSender(),
        "link": link,
        "token": customer_token(stored, secrets.signing_key()),
        "request_id": stored.request_id,
    }


def _answer(world, answer=Answer.ALTERNATIVE, note=None):
    fields = {
        "token": sign_link(
            world["secrets"].signing_key(),
            LinkClaims(world["link"].token_id, int(world["link"].expires_at.timestamp())),
        ),
        "response": str(answer),
    }
    if answer is Answer.ALTERNATIVE:
        fields["alternativeTime"] = PROPOSED.isoformat()
    if note is not None:
        fields["note"] = note
    return answer_link(
        fields,
        repository=world["repository"],
        secrets=world["secrets"],
        clock=world["clock"],
        metrics=world["metrics"],
    )


def _decide(world, decision="accept", *, token=None, request_id=None, authorization=None):
    return decide_on_proposal(
        request_id or world["request_id"],
        authorization or f"Bearer {token or world['token']}",
        {"decision": decision},
        repository=world["repository"],
        secrets=world["secrets"],
        clock=world["clock"],
        metrics=world["metrics"],
    )


def _stored(world):
    return world["repository"].requests[world["request_id"]]


def test_an_alternative_answer_carries_a_pending_proposal_and_the_partners_note(world):
    _answer(world, note="  오후엔 객실 청소가\n있어요 ")
    stored = _stored(world)
    assert stored.proposal == Proposal(time=PROPOSED, state=ProposalState.PENDING)
    assert stored.response.note == "오후엔 객실 청소가 있어요"


@pytest.mark.parametrize("answer", [Answer.ACCEPT, Answer.REJECT])
def test_other_answers_make_no_proposal(world, answer):
    _answer(world, answer)
    assert _stored(world).proposal is None
    with pytest.raises(NoPendingProposal):
        _decide(world)


@pytest.mark.parametrize(
    ("decision", "state", "event"),
    [
        ("accept", ProposalState.ACCEPTED, EventType.CUSTOMER_ACCEPTED),
        ("decline", ProposalState.DECLINED, EventType.CUSTOMER_DECLINED),
    ],
)
def test_the_customer_decides_once_and_the_status_stays_responded(world, decision, state, event):
    _answer(world)
    world["clock"].advance(30)
    decided = _decide(world, decision)

    assert decided.proposal == Proposal(PROPOSED, state, world["clock"].now())
    stored = _stored(world)
    assert stored.status is Status.RESPONDED
    assert stored.proposal == decided.proposal
    assert world["repository"].event_types(world["request_id"])[-1] is event
    assert world["metrics"].counts[Metric.PROPOSALS_DECIDED] == 1
    with pytest.raises(NoPendingProposal) as again:
        _decide(world, "decline")
    assert again.value.state is state


@pytest.mark.parametrize(
    "authorization",
    ["", "Basic abc", "Bearer", "Bearer not-a-token", "Bearer " + "A" * 28],
    ids=["none", "basic", "empty", "malformed", "forged"],
)
def test_a_missing_or_forged_token_is_refused_before_any_read(world, authorization):
    _answer(world)
    reads = world["repository"].reads
    with pytest.raises(CustomerTokenInvalid):
        decide_on_proposal(
            world["request_id"],
            authorization or None,
            {"decision": "accept"},
            repository=world["repository"],
            secrets=world["secrets"],
            clock=world["clock"],
            metrics=world["metrics"],
        )
    assert world["repository"].reads == reads
    assert _stored(world).proposal.state is ProposalState.PENDING


def test_an_expired_token_and_a_partners_link_are_refused(world):
    _answer(world)
    expired = sign_link(
        world["secrets"].signing_key(),
        LinkClaims(
            _stored(world).customer_token_id, int((T0 - timedelta(seconds=1)).timestamp()), Scope.CUSTOMER
        ),
    )
    partner_link = sign_link(
        world["secrets"].signing_key(),
        LinkClaims(_stored(world).customer_token_id, int((T0 + timedelta(days=1)).timestamp())),
    )
    for token in (expired, partner_link):
        with pytest.raises(CustomerTokenInvalid):
            _decide(world, token=token)


def test_a_genuine_token_of_another_request_is_refused(world):
    _answer(world)
    other = request(
        request_id="1b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
        customer_token_id=new_token_id(),
        customer_token_expires_at=T0 + timedelta(days=14),
    )
    world["repository"].create_request(other, None)
    with pytest.raises(CustomerTokenInvalid):
        _decide(world, token=customer_token(other, world["secrets"].signing_key()))
    assert _stored(world).proposal.state is ProposalState.PENDING


def test_an_unknown_request_and_an_unknown_decision(world):
    _answer(world)
    with pytest.raises(RequestNotFound):
        _decide(world, request_id="2b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f")
    with pytest.raises(InvalidInput) as refused:
        _decide(world, "maybe")
    assert refused.value.field == "decision"


def test_the_wait_keeps_its_token_and_the_decision_resumes_it(world):
    _answer(world)
    await_decision(
        world["request_id"],
        "decision-task",
        repository=world["repository"],
        workflow=world["workflow"],
        clock=world["clock"],
    )
    _decide(world, "decline")
    resume_workflow(_stored(world), workflow=world["workflow"])
    assert world["workflow"].decided == {"decision-task": ProposalState.DECLINED}
    assert world["workflow"].completed == {}


def test_a_decision_before_the_wait_resumes_the_wait_at_once(world):
    """The stream delivered the decision before the workflow kept its token: the resumer finds none,
    and the wait's own step finds the decision recorded."""
    _answer(world)
    _decide(world, "accept")
    resume_workflow(_stored(world), workflow=world["workflow"])
    assert world["workflow"].decided == {}
    await_decision(
        world["request_id"],
        "decision-task",
        repository=world["repository"],
        workflow=world["workflow"],
        clock=world["clock"],
    )
    assert world["workflow"].decided == {"decision-task": ProposalState.ACCEPTED}


def test_a_wait_without_a_proposal_fails(world):
    _answer(world, Answer.ACCEPT)
    with pytest.raises(StatusConflict):
        await_decision(
            world["request_id"],
            "t",
            repository=world["repository"],
            workflow=world["workflow"],
            clock=world["clock"],
        )


def test_an_undecided_proposal_lapses_and_a_late_decision_is_refused(world):
    _answer(world)
    assert lapse_proposal(world["request_id"], repository=world["repository"], clock=world["clock"]) is (
        ProposalState.LAPSED
    )
    assert world["repository"].event_types(world["request_id"])[-1] is EventType.PROPOSAL_LAPSED
    with pytest.raises(NoPendingProposal) as late:
        _decide(world)
    assert late.value.state is ProposalState.LAPSED
    assert "만료" in late.value.message


def test_a_decision_recorded_before_the_lapse_stands(world):
    _answer(world)
    _decide(world, "accept")
    assert lapse_proposal(world["request_id"], repository=world["repository"], clock=world["clock"]) is (
        ProposalState.ACCEPTED
    )
    assert EventType.PROPOSAL_LAPSED not in world["repository"].event_types(world["request_id"])


@pytest.mark.parametrize("decision", ["accept", "decline", None])
def test_the_partner_is_told_once_in_one_sms_naming_the_reservation(world, decision):
    _answer(world)
    if decision:
        _decide(world, decision)
    else:
        lapse_proposal(world["request_id"], repository=world["repository"], clock=world["clock"])
    dependencies = {k: world[k] for k in ("repository", "sms", "clock", "metrics")}

    assert tell_partner(world["request_id"], **dependencies) is True
    assert tell_partner(world["request_id"], **dependencies) is False  # a retried step

    ((phone, body),) = world["sms"].outbox
    assert phone == PARTNER_PHONE
    assert "HTL-100101" in body
    assert {"accept": "수락", "decline": "거절", None: "만료"}[decision] in body
    assert sms_bytes(body) <= SMS_BODY_MAX_BYTES
    assert world["repository"].event_types(world["request_id"]).count(EventType.PARTNER_TOLD) == 1


def test_the_partner_is_not_told_of_a_proposal_still_pending(world):
    _answer(world)
    with pytest.raises(StatusConflict):
        tell_partner(world["request_id"], **{k: world[k] for k in ("repository", "sms", "clock", "metrics")})
    assert world["sms"].outbox == []


@pytest.mark.parametrize(
    ("decision", "words"),
    [(None, "기다리고"), ("accept", "수락했습니다"), ("decline", "거절")],
)
def test_the_partners_used_link_tells_what_became_of_the_proposal(world, decision, words):
    _answer(world)
    if decision:
        _decide(world, decision)
    token = sign_link(
        world["secrets"].signing_key(),
        LinkClaims(world["link"].token_id, int(world["link"].expires_at.timestamp())),
    )
    with pytest.raises(LinkUsed) as used:
        open_link(token, repository=world["repository"], secrets=world["secrets"], clock=world["clock"])
    assert words in used.value.message


def test_a_used_link_without_a_proposal_says_only_that_it_was_used(world):
    _answer(world, Answer.ACCEPT)
    token = sign_link(
        world["secrets"].signing_key(),
        LinkClaims(world["link"].token_id, int(world["link"].expires_at.timestamp())),
    )
    with pytest.raises(LinkUsed) as used:
        open_link(token, repository=world["repository"], secrets=world["secrets"], clock=world["clock"])
    assert used.value.message == LinkUsed.message


def test_a_request_without_a_customer_token_has_none_and_cannot_be_decided(world):
    assert customer_token(request(), SigningKey(0, b"x" * 32)) is None
    old = attrs.evolve(_stored(world), customer_token_id=None)
    world["repository"].requests[world["request_id"]] = attrs.evolve(
        old, proposal=Proposal(PROPOSED), response=PartnerResponse(Answer.ALTERNATIVE, T0, PROPOSED)
    )
    with pytest.raises(CustomerTokenInvalid):
        _decide(world)
