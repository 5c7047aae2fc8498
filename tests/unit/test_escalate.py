"""Escalation: the operators get the request id and the command to run, and no personal data."""

import pytest

from runtime.contract import Metric
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.model import FailureReason, Status
from runtime.services.escalate import escalate
from tests.builders import CUSTOMER_PHONE, PARTNER_PHONE, assigned_request
from tests.fakes import FakeMetricWriter, FakeOperatorAlerts


def test_a_timed_out_request_is_sent_to_the_operators_with_the_command_to_show_it():
    alerts, metrics = FakeOperatorAlerts(), FakeMetricWriter()
    request = assigned_request(status=Status.TIMEOUT)

    escalate(request, alerts=alerts, metrics=metrics, stage="demo")

    ((subject, message),) = alerts.sent
    assert subject == "[partner-confirm demo] request Timeout"
    assert f"python -m ops --stack demo show {request.request_id}" in message
    assert "redrive" in message
    assert (
        CUSTOMER_PHONE.removeprefix("+82") not in message and PARTNER_PHONE.removeprefix("+82") not in message
    )
    assert metrics.counts == {Metric.ESCALATIONS: 1}


def test_on_the_local_stack_the_commands_name_it():
    alerts = FakeOperatorAlerts()
    escalate(
        assigned_request(status=Status.TIMEOUT), alerts=alerts, metrics=FakeMetricWriter(), stage="local"
    )
    assert "python -m ops --local show" in alerts.sent[0][1]


def test_a_failure_names_its_reason():
    alerts = FakeOperatorAlerts()
    failed = assigned_request(status=Status.FAILED, failure_reason=FailureReason.SMS_NOT_DELIVERED)
    escalate(failed, alerts=alerts, metrics=FakeMetricWriter(), stage="dev")
    assert alerts.sent[0][0] == "[partner-confirm dev] request Failed (SmsNotDelivered)"


def test_an_unreachable_topic_raises_so_the_stream_retries():
    with pytest.raises(DependencyUnavailable):
        escalate(
            assigned_request(status=Status.TIMEOUT),
            alerts=FakeOperatorAlerts(available=False),
            metrics=FakeMetricWriter(),
            stage="dev",
        )
