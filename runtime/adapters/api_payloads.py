"""The JSON bodies of the HTTP API, built from domain objects. Times in KST with offset."""

from __future__ import annotations

from typing import Any

from runtime.domain.kst import iso_kst
from runtime.domain.model import Event, PartnerResponse, Proposal, Request, Status

_CREATED_MESSAGE = "문의가 접수되었습니다. 파트너에게 확인을 요청하고 있어요."
_ANSWERED_MESSAGE = "응답이 전달되었습니다. 고객에게 곧 안내됩니다."


def created(request: Request, customer_token: str | None) -> dict[str, Any]:
    """`customer_token`: the customer's own token for this request (deciding on a proposed time)."""
    payload = {
        "requestId": request.request_id,
        "status": str(request.status),
        "message": _CREATED_MESSAGE if request.status is Status.CREATED else _status_message(request),
    }
    if customer_token is not None:
        payload["customerToken"] = customer_token
    return payload


def timeline(request: Request, events: list[Event]) -> dict[str, Any]:
    """The customer's poll: no partner phone, no tokens."""
    notification = request.notification
    return {
        "requestId": request.request_id,
        "status": str(request.status),
        "intent": str(request.intent),
        "intentLabel": request.intent.label,
        "intentSource": str(request.intent_source),
        "reservationNumber": request.reservation_number,
        "createdAt": iso_kst(request.created_at),
        "updatedAt": iso_kst(request.updated_at),
        "events": [
            {"type": str(event.type), "at": iso_kst(event.at)} for event in sorted(events, key=lambda e: e.at)
        ],
        "notification": (
            {"message": notification.message, "at": iso_kst(notification.at)} if notification else None
        ),
        **_partner_extras(request),
    }


def decided(request: Request) -> dict[str, Any]:
    """The customer's decision recorded: the request, and its proposal as it now stands."""
    assert request.proposal is not None
    return {
        "requestId": request.request_id,
        "status": str(request.status),
        "proposal": proposal(request.proposal),
    }


def proposal(proposed: Proposal) -> dict[str, Any]:
    shown: dict[str, Any] = {"time": iso_kst(proposed.time), "state": str(proposed.state)}
    if proposed.decided_at is not None:
        shown["decidedAt"] = iso_kst(proposed.decided_at)
    return shown


def _partner_extras(request: Request) -> dict[str, Any]:
    """The partner's note and proposed time, once the customer may see them (with the message)."""
    if request.notification is None:
        return {}
    extras: dict[str, Any] = {}
    if request.response is not None and request.response.note:
        extras["partnerNote"] = request.response.note
    if request.proposal is not None:
        extras["proposal"] = proposal(request.proposal)
    return extras


def confirm_page(request: Request) -> dict[str, Any]:
    """What the partner needs to answer, nothing more: no customer phone, and no request id (it
    would open the customer's timeline to whoever holds the link, long after the link expired)."""
    return {
        "status": str(request.status),
        "customerQuery": request.query,
        "intent": str(request.intent),
        "intentLabel": request.intent.label,
        "reservationNumber": request.reservation_number,
        "reservationDate": request.reservation_date,
        "serviceType": request.service_type,
        "partnerName": request.partner_name,
    }


def answered(_: PartnerResponse) -> dict[str, Any]:
    return {"success": True, "message": _ANSWERED_MESSAGE}


def _status_message(request: Request) -> str:
    if request.notification is not None:
        return request.notification.message
    return "이미 접수된 문의입니다."
