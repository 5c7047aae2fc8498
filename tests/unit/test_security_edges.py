"""What leaves a function and what the partner's page is given: masked errors (type name kept),
the failure reason a failed SMS step's error names, the partner limit's template-only message, the
confirm payload without a request id, and the releaser freeing a closed request's place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runtime.adapters import api_payloads
from runtime.adapters.template_writer import TemplateMessageWriter
from runtime.adapters.workflow_payloads import failure_reason_of
from runtime.contract import Function, Metric
from runtime.domain.errors import DependencyUnavailable, PartnerSmsLimitReached, StatusConflict, TaskClosed
from runtime.domain.limits import Limits, open_request_of, submit_quotas
from runtime.domain.messages import template_message
from runtime.domain.model import Ending, FailureReason, MessageSource, Outcome, Status
from runtime.entrypoint import lambda_entry, masked
from runtime.services.close import close_unanswered
from runtime.services.notify import notify_customer
from tests.builders import assigned_request, request
from tests.fakes import FakeClock, FakeMessageWriter, FakeMetricWriter, FakeRequestRepository

# --- errors leaving a function --------------------------------------------------------------------


def test_an_error_naming_a_phone_leaves_masked_with_its_type_name_and_class():
    error = StatusConflict("+821012345678 and 010-9876-5432")
    leaving = masked(error)

    assert type(leaving).__name__ == "StatusConflict"
    assert isinstance(leaving, StatusConflict)
    assert str(leaving) == "+8210****5678 and +8210****5432"


def test_an_error_with_nothing_to_mask_leaves_as_it_is():
    error = DependencyUnavailable("dynamodb transact_write_items: ThrottlingException")
    assert masked(error) is error


def test_attributes_survive_masking():
    error = TaskClosed(timed_out=True)
    error.args = ("token of 010-1234-5678",)
    leaving = masked(error)
    assert leaving.timed_out is True and "1234" not in str(leaving)


def test_the_entry_point_raises_the_masked_error():
    @lambda_entry(Function.FAILURE)
    def handler(event, context):
        raise PartnerSmsLimitReached("partner +821055556666 is over its limit")

    with pytest.raises(PartnerSmsLimitReached) as raised:
        handler({}, None)
    assert type(raised.value).__name__ == "PartnerSmsLimitReached"
    assert "5555" not in str(raised.value) and raised.value.__cause__ is None


# --- the failure path's reason --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ({"Error": "PartnerSmsLimitReached", "Cause": "{}"}, FailureReason.PARTNER_SMS_LIMIT),
        ({"Error": "SmsRejected", "Cause": "{}"}, FailureReason.SMS_NOT_DELIVERED),
        ({"Error": "States.TaskFailed"}, FailureReason.SMS_NOT_DELIVERED),
        ({}, FailureReason.SMS_NOT_DELIVERED),
        ("not an object", FailureReason.SMS_NOT_DELIVERED),
    ],
)
def test_the_failure_reason_follows_the_error_the_sms_step_raised(error, reason):
    assert failure_reason_of({"requestId": "r", "error": error}) is reason


def test_a_partner_at_its_limit_is_counted_apart_from_failures():
    repository = FakeRequestRepository()
    repository.create_request(request(), None)
    metrics = FakeMetricWriter()
    ending = Ending(Outcome.FAILED, failure_reason=FailureReason.PARTNER_SMS_LIMIT)

    close_unanswered(request().request_id, ending, repository=repository, clock=FakeClock(), metrics=metrics)

    assert metrics.counts == {Metric.PARTNER_SMS_LIMITED: 1}
    assert repository.requests[request().request_id].failure_reason is FailureReason.PARTNER_SMS_LIMIT


def test_a_partner_at_its_limit_is_told_in_the_templates_words_not_a_models():
    repository = FakeRequestRepository()
    made = assigned_request()
    repository.create_request(made, None)
    ending = Ending(Outcome.FAILED, failure_reason=FailureReason.PARTNER_SMS_LIMIT)
    repository.close(
        made.request_id,
        Status.FAILED,
        FakeClock().now(),
        allowed_from=frozenset({Status.CREATED}),
        failure_reason=FailureReason.PARTNER_SMS_LIMIT,
    )

    notify_customer(
        repository.requests[made.request_id],
        ending,
        repository=repository,
        writers=(FakeMessageWriter(), TemplateMessageWriter()),
        clock=FakeClock(),
        metrics=FakeMetricWriter(),
    )

    notification = repository.requests[made.request_id].notification
    assert notification.source is MessageSource.TEMPLATE
    assert notification.message == template_message(made.ended(ending), Outcome.FAILED)
    assert "한 시간쯤 뒤에" in notification.message


# --- the partner's page ---------------------------------------------------------------------------


def test_the_confirm_payload_carries_what_the_partner_needs_and_no_request_id():
    shown = api_payloads.confirm_page(assigned_request())
    assert "requestId" not in shown
    assert assigned_request().request_id not in str(shown)
    assert "customerPhone" not in shown and "partnerPhone" not in shown
    assert shown["customerQuery"] == assigned_request().query


# --- a request's place among its reservation's open requests ------------------------------------


def _counted_request(repository):
    made = request(due_at=request().created_at + timedelta(minutes=7))
    repository.create_request(made, None, submit_quotas(made, Limits(), partner_timeout=timedelta(minutes=5)))
    return made


def test_telling_the_customer_frees_the_requests_place_and_telling_again_changes_nothing():
    repository, clock = FakeRequestRepository(), FakeClock()
    made = _counted_request(repository)
    writers = [TemplateMessageWriter()]

    for _ in range(2):
        notify_customer(
            made,
            Ending(Outcome.TIMEOUT),
            repository=repository,
            writers=writers,
            clock=clock,
            metrics=FakeMetricWriter(),
        )

    assert repository.counted(open_request_of(made)) == set()
    assert repository.requests[made.request_id].status is Status.TIMEOUT


def test_a_request_closed_but_not_yet_told_keeps_its_place():
    """The partner's answer closes the request; its place frees with the customer's message."""
    repository, clock = FakeRequestRepository(), FakeClock()
    made = _counted_request(repository)

    repository.close(made.request_id, Status.FAILED, clock.now(), allowed_from=frozenset({Status.CREATED}))

    assert repository.counted(open_request_of(made)) == {made.request_id}
