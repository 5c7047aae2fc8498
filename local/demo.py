"""`make demo`: a local stack with a short partner timeout, every scenario played over HTTP as a
customer and a partner would, each request's timeline printed. Exits non-zero if any outcome differs."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import attrs

from local.client import ProductClient, token_of
from local.stack import LocalStack
from runtime.domain.kst import KST

# Long enough for the reminder (at 60 %) to leave a partner time to answer after it.
PARTNER_TIMEOUT_SECONDS = 6
# Seconds the customer has to decide on a proposed time here: the lapse scenario waits this long.
DECISION_TIMEOUT_SECONDS = 8
CUSTOMER = {"reservation_number": "HTL-100101", "phone": "010-0000-1001"}
# The proposed-time scenarios ask about a tour of their own, and the open-requests limit about a
# restaurant booking: a reservation takes 10 questions a KST day.
TOUR_CUSTOMER = {"reservation_number": "TUR-300303", "phone": "010-0000-1003"}
RESTAURANT_CUSTOMER = {"reservation_number": "RST-400404", "phone": "010-0000-1004"}
# Another reservation, so CUSTOMER's day of questions stays within its limit.
OTHER_CUSTOMER = {"reservation_number": "CAR-200202", "phone": "010-0000-1002"}
# Its partner's phone (010-0000-2999) cannot receive SMS: the local SMS service reports it unreachable.
UNREACHABLE_PARTNER = {"reservation_number": "HTL-100111", "phone": "010-0000-1011"}


@attrs.frozen
class Outcome:
    expected: str
    actual: str
    timeline: str = ""
    message: str = ""

    @property
    def as_expected(self) -> bool:
        return self.expected == self.actual


def accept(client: ProductClient) -> Outcome:
    return _answered(client, "accept", "체크인 날짜를 하루 미루고 싶어요")


def _proposed_time() -> str:
    when = (datetime.now(UTC) + timedelta(days=2)).astimezone(KST)
    return when.replace(hour=15, minute=0, second=0, microsecond=0).isoformat()


def proposal_accepted(client: ProductClient) -> Outcome:
    return _proposal(client, "투어 출발 시간을 오전으로 옮길 수 있나요", decision="accept")


def proposal_declined(client: ProductClient) -> Outcome:
    return _proposal(client, "체크인을 오후 1시로 당길 수 있을까요", decision="decline")


def proposal_lapsed(client: ProductClient) -> Outcome:
    return _proposal(client, "렌터카 인수 시간을 바꾸고 싶어요", decision=None)


def _proposal(client: ProductClient, message: str, *, decision: str | None) -> Outcome:
    """The partner proposes another time with a note; the customer accepts, declines or lets it lapse
    with the token their question returned; the partner gets one SMS saying how it ended."""
    expected = {"accept": "accepted", "decline": "declined", None: "lapsed"}[decision] + ", partner told"
    request_id, token, customer_token = _submit_and_get_link(client, message, TOUR_CUSTOMER)
    note = "오전에는 예약이 모두 찼어요. 오후 3시는 가능합니다."
    answered_at = len(client.outbox())
    answered = client.answer(token, "alternative", _proposed_time(), note=note)
    if answered.status != 200:
        return Outcome(expected=expected, actual=f"{answered.status} {answered.error_code}")
    told = client.wait_until_told(request_id, timeout=PARTNER_TIMEOUT_SECONDS + 20)
    if decision is not None:
        decided = client.decide(request_id, customer_token, decision)
        if decided.status != 200:
            return Outcome(expected=expected, actual=f"{decided.status} {decided.error_code}")
    try:
        final = client.wait_for_event(request_id, "PartnerTold", timeout=DECISION_TIMEOUT_SECONDS + 30)
    except TimeoutError:
        final = client.timeline(request_id).body  # shown as it is: the outcome names what is missing
    state = (final.get("proposal") or {}).get("state")
    partner_told = "PartnerTold" in [event["type"] for event in final["events"]]
    sms = _told_partner(client, TOUR_CUSTOMER["reservation_number"], since=answered_at)
    return Outcome(
        expected=expected,
        actual=f"{state}, partner {'told' if partner_told else 'not told'}",
        timeline=" → ".join(event["type"] for event in final["events"]),
        message=(
            f"{told['notification']['message']}\n     파트너 메모: {final.get('partnerNote')}"
            f"\n     파트너에게 간 문자: {sms[-1] if sms else '-'}"
        ),
    )


def _told_partner(client: ProductClient, number: str, *, since: int, timeout: float = 5) -> list[str]:
    """The SMS without a link about this reservation, sent after the first `since` ones."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m["body"] for m in client.outbox()[since:] if not m["link"] and number in m["body"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def reject(client: ProductClient) -> Outcome:
    return _answered(client, "reject", "조식을 추가하고 싶어요")


def silent_partner(client: ProductClient) -> Outcome:
    request_id, _, _ = _submit_and_get_link(client, "객실 에어컨이 작동하지 않아요")
    return _final(client, request_id, expected="Timeout")


def reminded_partner(client: ProductClient) -> Outcome:
    """The partner misses the first SMS, gets one reminder with the same link, and answers it."""
    request_id, token, _ = _submit_and_get_link(client, "체크아웃 시간을 늦출 수 있을까요")
    texts = client.wait_for_texts(token, count=2, timeout=PARTNER_TIMEOUT_SECONDS + 10)
    if len(texts) != 2 or "다시 알림" not in texts[1]["body"]:
        return Outcome(
            expected="2 SMS, the same link", actual=f"{len(texts)} SMS: {[t['body'] for t in texts]}"
        )
    answered = client.answer(token, "accept")
    if answered.status != 200:
        return Outcome(expected="Responded", actual=f"{answered.status} {answered.error_code}")
    return _final(client, request_id, expected="Responded")


def escalated(client: ProductClient) -> Outcome:
    """A request that timed out is e-mailed to the operators with the command to look at it."""
    request_id, _, _ = _submit_and_get_link(client, "객실에 온수가 나오지 않아요")
    outcome = _final(client, request_id, expected="Timeout")
    notes = client.wait_for_escalation(request_id, timeout=30)
    command = f"show {request_id}"
    if not any(command in note["message"] for note in notes):
        return Outcome(expected="an e-mail to the operators", actual=f"none found: {notes}")
    return attrs.evolve(outcome, message=f"{outcome.message}\n     운영자 메일: {notes[-1]['subject']}")


def delivered_sms(client: ProductClient) -> Outcome:
    """The carrier reports the link reached the partner's phone; the partner then answers."""
    request_id, token, _ = _submit_and_get_link(client, "주차권을 추가로 구매할 수 있나요", OTHER_CUSTOMER)
    client.wait_for_event(request_id, "Delivered")
    answered = client.answer(token, "accept")
    if answered.status != 200:
        return Outcome(expected="Responded", actual=f"{answered.status} {answered.error_code}")
    return _final(client, request_id, expected="Responded")


def undeliverable_sms(client: ProductClient) -> Outcome:
    """The partner's phone cannot receive the link: the customer is told at once (not after the
    partner's window) and the operators are e-mailed."""
    submitted = client.submit(message="체크인 날짜를 하루 미룰 수 있을까요?", **UNREACHABLE_PARTNER)
    if submitted.status != 201:
        return Outcome(expected="Failed", actual=f"{submitted.status} {submitted.error_code}")
    request_id = submitted.body["requestId"]
    outcome = _final(client, request_id, expected="Failed")
    if "Undeliverable" not in outcome.timeline:
        return attrs.evolve(outcome, actual=f"{outcome.actual} without Undeliverable")
    notes = client.wait_for_escalation(request_id, timeout=30)
    if not notes:
        return Outcome(expected="an e-mail to the operators", actual="none found")
    return attrs.evolve(outcome, message=f"{outcome.message}\n     운영자 메일: {notes[-1]['subject']}")


def unknown_reservation(client: ProductClient) -> Outcome:
    submitted = client.submit(
        reservation_number="HTL-999999", phone=CUSTOMER["phone"], message="날짜를 바꾸고 싶어요"
    )
    return _final(client, submitted.body["requestId"], expected="Failed")


def wrong_phone(client: ProductClient) -> Outcome:
    submitted = client.submit(
        reservation_number=CUSTOMER["reservation_number"],
        phone="010-1111-2222",
        message="날짜를 바꾸고 싶어요",
    )
    return _final(client, submitted.body["requestId"], expected="Failed")


def reused_link(client: ProductClient) -> Outcome:
    _, token, _ = _submit_and_get_link(client, "유아용 침대 대여 부탁드립니다")
    client.answer(token, "accept")
    again = client.answer(token, "accept")
    return Outcome(expected="409 LINK_USED", actual=f"{again.status} {again.error_code}")


def forged_link(client: ProductClient) -> Outcome:
    _, token, _ = _submit_and_get_link(client, "픽업 시간을 바꾸고 싶어요")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    opened = client.open_link(forged)
    return Outcome(expected="401 LINK_INVALID", actual=f"{opened.status} {opened.error_code}")


def open_requests_limit(client: ProductClient) -> Outcome:
    """Questions about one reservation while earlier ones wait for the partner: the fourth is refused.
    A reservation of its own: CUSTOMER's has used most of its day's questions by now."""
    for _ in range(4):
        submitted = client.submit(message="주차권을 추가로 구매할 수 있나요", **RESTAURANT_CUSTOMER)
        if submitted.status != 201:
            return Outcome(
                expected="429 TOO_MANY_OPEN_REQUESTS",
                actual=f"{submitted.status} {submitted.error_code}",
                message=submitted.body["error"]["message"] if submitted.error_code else "",
            )
    return Outcome(expected="429 TOO_MANY_OPEN_REQUESTS", actual="201 ×4")


SCENARIOS: dict[str, Callable[[ProductClient], Outcome]] = {
    "파트너 수락": accept,
    "다른 시간 제안 → 고객 수락": proposal_accepted,
    "다른 시간 제안 → 고객 거절 (다른 시간 요청)": proposal_declined,
    "다른 시간 제안 → 결정 없이 만료": proposal_lapsed,
    "파트너 거절": reject,
    "파트너 무응답 (시간 초과)": silent_partner,
    "알림 문자 후 응답": reminded_partner,
    "운영자에게 알림 (시간 초과)": escalated,
    "문자 도착 확인 후 응답": delivered_sms,
    "문자를 받을 수 없는 파트너": undeliverable_sms,
    "없는 예약번호": unknown_reservation,
    "연락처 불일치": wrong_phone,
    "이미 쓴 링크 재사용": reused_link,
    "위조된 링크": forged_link,
    "한 예약에 진행 중 문의 한도": open_requests_limit,
}


def _answered(
    client: ProductClient, response: str, message: str, alternative_time: str | None = None
) -> Outcome:
    request_id, token, _ = _submit_and_get_link(client, message)
    client.open_link(token)
    answered = client.answer(token, response, alternative_time)
    if answered.status != 200:
        return Outcome(expected="Responded", actual=f"{answered.status} {answered.error_code}")
    return _final(client, request_id, expected="Responded")


def _submit_and_get_link(
    client: ProductClient, message: str, customer: dict[str, str] = CUSTOMER
) -> tuple[str, str, str]:
    """(request id, the partner's link token, the customer's own token)."""
    sent_before = len(client.outbox())
    submitted = client.submit(message=message, **customer)
    if submitted.status != 201:
        raise RuntimeError(f"the question {message!r} answered {submitted.status}: {submitted.body}")
    sms = client.wait_for_sms(after=sent_before)
    return submitted.body["requestId"], token_of(sms["link"]), submitted.body.get("customerToken", "")


def _final(client: ProductClient, request_id: str, *, expected: str) -> Outcome:
    final = client.wait_until_told(request_id, timeout=PARTNER_TIMEOUT_SECONDS + 20)
    timeline = " → ".join(event["type"] for event in final["events"])
    return Outcome(
        expected=expected, actual=final["status"], timeline=timeline, message=final["notification"]["message"]
    )


LOG_FILE = Path("build/local/demo.log")


def main() -> int:
    """Function logs and metrics go to LOG_FILE; the console shows the scenarios."""
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stdout
    with LOG_FILE.open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
        return _play_all(console)


def _play_all(console: TextIO) -> int:
    def say(line: str = "") -> None:
        print(line, file=console, flush=True)

    with LocalStack(
        partner_timeout_seconds=PARTNER_TIMEOUT_SECONDS, customer_decision_seconds=DECISION_TIMEOUT_SECONDS
    ) as stack:
        client = ProductClient(stack.url)
        say(
            f"Local stack at {stack.url} (partner timeout {PARTNER_TIMEOUT_SECONDS} s, "
            f"{DECISION_TIMEOUT_SECONDS} s to decide on a proposed time, logs in {LOG_FILE})\n"
        )
        results = {}
        for name, play in SCENARIOS.items():
            outcome = play(client)
            results[name] = outcome
            mark = "OK  " if outcome.as_expected else "FAIL"
            say(f"{mark} {name}: expected {outcome.expected}, got {outcome.actual}")
            if outcome.timeline:
                say(f"     {outcome.timeline}")
            if outcome.message:
                say(f"     고객 안내: {outcome.message}")
        passed = sum(outcome.as_expected for outcome in results.values())
        say(f"\n{passed}/{len(results)} scenarios ended as expected.")
        return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
