"""When things must have happened: the partner's answer, and the customer's message.

A request is *due* when its customer must have been told. Until the SMS goes out that is the whole
partner window plus an allowance on either side; once the partner has a link, it is the deadline the
partner was shown plus the allowance for the workflow to close and write the message. Past its due
time the sweeper, not the workflow, ends the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# From the customer's submit to the partner's SMS, in the worst ordinary case (a backlog, retries).
START_ALLOWANCE = timedelta(minutes=1)
# From the partner's deadline to the customer's message: the workflow's timeout path and its retries.
CLOSE_ALLOWANCE = timedelta(seconds=30)


def due_on_creation(created_at: datetime, partner_timeout: timedelta) -> datetime:
    return created_at + START_ALLOWANCE + partner_timeout + CLOSE_ALLOWANCE


def answer_deadline(link_issued_at: datetime, partner_timeout: timedelta) -> datetime:
    """The partner may answer until this moment (the SMS says how many minutes)."""
    return link_issued_at + partner_timeout


def due_after_link(answer_by: datetime) -> datetime:
    return answer_by + CLOSE_ALLOWANCE


# A partner who has not answered by this share of the window gets one reminder with the same link.
REMINDER_SHARE = 0.6


def default_reminder_after(partner_timeout_seconds: int) -> int:
    return max(1, round(partner_timeout_seconds * REMINDER_SHARE))


def check_reminder_after(reminder_after_seconds: int, partner_timeout_seconds: int) -> None:
    """The reminder comes inside the window, with time left to answer."""
    if not 0 < reminder_after_seconds < partner_timeout_seconds:
        raise ValueError(
            f"the reminder ({reminder_after_seconds} s) must come after the SMS and before the partner's "
            f"time is up ({partner_timeout_seconds} s)"
        )


# How long a customer has to decide on a time the partner proposed, unless the stack says otherwise.
DEFAULT_CUSTOMER_DECISION_SECONDS = 86400
# A Step Functions task waits a year at most.
MAX_TASK_WAIT_SECONDS = 365 * 24 * 3600


def check_decision_window(customer_decision_seconds: int) -> None:
    if not 0 < customer_decision_seconds <= MAX_TASK_WAIT_SECONDS:
        raise ValueError(
            f"the customer's time to decide ({customer_decision_seconds} s) must be positive and "
            f"at most {MAX_TASK_WAIT_SECONDS} s (a year, the longest a workflow task waits)"
        )
