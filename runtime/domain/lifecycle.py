"""The request lifecycle: every status move the product makes, written once.

The repository's conditional writes and the test fakes take the statuses a move may start from here;
nothing else decides which moves exist. `reliability/invariants.py` checks stored timelines against
the same rule written independently (from events, not from this table), so a mistake here shows
there.

    Created --texted--> SMSSent --opened--> Opened --answered--> Responded
       |                  |                   |
       +---- timed out / failed (from any open status) ---> Timeout | Failed
                                                              |
    Created <------------- redriven (an operator) ------------+

A request that ended `Responded` never moves again: a recorded answer is never undone. One that
ended `Timeout` or `Failed` moves back to `Created` only when an operator gives it a fresh partner
attempt (`runtime/domain/redrive.py` says which of them may). Writes that are not moves (a task
token kept, a reminder, the customer's message) require the status they expect, from the same sets.
"""

from __future__ import annotations

import enum

import attrs

from runtime.domain.model import OPEN_STATUSES, Status


class Move(enum.StrEnum):
    TEXTED = "texted"  # the partner's SMS went out
    OPENED = "opened"  # the partner opened the link
    ANSWERED = "answered"  # the partner's answer was recorded
    TIMED_OUT = "timed out"  # the partner's window closed unanswered
    FAILED = "failed"  # the request could not be carried out (no match, SMS refused, lost hand-off)
    REDRIVEN = "redriven"  # an operator started a fresh partner attempt


@attrs.frozen
class Transition:
    sources: frozenset[Status]
    target: Status


LIFECYCLE: dict[Move, Transition] = {
    Move.TEXTED: Transition(frozenset({Status.CREATED}), Status.SMS_SENT),
    Move.OPENED: Transition(frozenset({Status.CREATED, Status.SMS_SENT}), Status.OPENED),
    Move.ANSWERED: Transition(OPEN_STATUSES, Status.RESPONDED),
    Move.TIMED_OUT: Transition(OPEN_STATUSES, Status.TIMEOUT),
    Move.FAILED: Transition(OPEN_STATUSES, Status.FAILED),
    Move.REDRIVEN: Transition(frozenset({Status.TIMEOUT, Status.FAILED}), Status.CREATED),
}


def sources(move: Move) -> frozenset[Status]:
    """The statuses a request may be in for `move` to be written."""
    return LIFECYCLE[move].sources


def sources_to(target: Status) -> frozenset[Status]:
    """The statuses from which some move reaches `target`."""
    return frozenset().union(*(t.sources for t in LIFECYCLE.values() if t.target is target))


def may_move(current: Status, target: Status) -> bool:
    return current in sources_to(target)
