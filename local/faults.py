"""Faults on demand: make a dependency fail a few times (transient) or every time (permanent), kill a
function's invocation right after one of its calls, or lose a call's answer on its way back.

A `FaultPlan` holds one fault per service, and crashes and lost answers per call. Targets are the
outside services the product depends on: Lex, Bedrock, SMS SendTextMessage (AWS End User Messaging
SMS), DynamoDB (throttling) and Step Functions SendTaskSuccess; and two ways an invocation meets the
unexpected:
- `crash`: right after the `occurrence`-th successful `operation` call of an invocation, the
  invocation dies (as when Lambda's runtime is killed or times out): nothing after it happens;
- `lost_response`: an `operation` call reaches the service and succeeds, but its answer is lost,
  so the SDK retries it (as after a read timeout): the second attempt meets what the first did.
Operations are named as botocore's events name them: `dynamodb.TransactWriteItems`,
`sfn.SendTaskSuccess`, `pinpoint-sms-voice-v2.SendTextMessage`.
A fault may be limited to one function (`chat`, `sms-sender`, ...), so a run can, say, throttle
DynamoDB on the chat path only while the workflow keeps working.

Transient faults count failures where the product meets the service: one per HTTP attempt for the
boto3-backed targets (botocore's own retries see each failure, as they would in AWS), one per call
for Lex and Bedrock (their clients make a single attempt). How a fault reaches the code is in
`local.fault_injection`.
"""

from __future__ import annotations

import enum
import re
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from runtime.contract import Function


class Target(enum.StrEnum):
    LEX = "lex"
    BEDROCK = "bedrock"
    SMS = "sms"
    DYNAMODB = "dynamodb"
    SEND_TASK_SUCCESS = "send_task_success"
    CRASH = "crash"
    LOST_RESPONSE = "lost_response"


# Targets that act on any AWS call, named by its operation.
CALL_TARGETS = frozenset({Target.CRASH, Target.LOST_RESPONSE})
_OPERATION = re.compile(r"[a-z0-9-]+\.[A-Z][A-Za-z0-9]+")


class Mode(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


MAX_TIMES = 1000
_INVOCATIONS_REMEMBERED = 10_000
_E = TypeVar("_E", bound=enum.StrEnum)


class FaultInvalid(ValueError):
    """A fault description that cannot be used; `message` is for people (Korean)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@attrs.frozen
class Fault:
    target: Target
    mode: Mode
    times: int | None = None  # transient only: how many failures before the service recovers
    function: Function | None = None  # only calls made by this function fail
    operation: str | None = None  # crash and lost_response: the call they follow, `service.Operation`
    occurrence: int = 1  # crash: after this many such calls in one invocation

    @property
    def slot(self) -> tuple[object, ...]:
        """Faults in one slot replace each other: one per service; crashes and lost answers per call."""
        if self.target in CALL_TARGETS:
            return (self.target, self.function, self.operation, self.occurrence)
        return (self.target,)


@attrs.define
class _Armed:
    fault: Fault
    injected: int = 0

    @property
    def remaining(self) -> int | None:
        if self.fault.times is None:
            return None
        return max(0, self.fault.times - self.injected)


class FaultPlan:
    """Thread-safe: handlers on many threads ask it whether their next call fails."""

    def __init__(self) -> None:
        self._armed: dict[tuple[object, ...], _Armed] = {}
        self._calls: Counter[Target] = Counter()
        self._attempts: Counter[Target] = Counter()
        # (invocation, operation) -> calls so far, for crashes after the n-th call of an invocation.
        self._calls_in_invocation: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def set(self, *faults: Fault) -> None:
        with self._lock:
            for fault in faults:
                self._armed[fault.slot] = _Armed(fault)

    def clear(self, target: Target | None = None) -> None:
        with self._lock:
            for slot, armed in list(self._armed.items()):
                if target is None or armed.fault.target is target:
                    del self._armed[slot]

    def is_set(self, target: Target) -> bool:
        with self._lock:
            return any(armed.fault.target is target for armed in self._armed.values())

    def is_set_for(self, target: Target, operation: str) -> bool:
        with self._lock:
            return any(
                armed.fault.target is target and armed.fault.operation == operation
                for armed in self._armed.values()
            )

    def record_call(self, target: Target) -> None:
        """One API call on `target`, however many HTTP attempts botocore makes for it."""
        with self._lock:
            self._calls[target] += 1

    def should_fail(self, target: Target, function: str | None) -> bool:
        """Count one attempt on `target` (for Lex and Bedrock, one call), and say whether it fails."""
        with self._lock:
            self._attempts[target] += 1
            armed = self._armed.get((target,))
            if armed is None or (armed.fault.function and armed.fault.function != function):
                return False
            if armed.remaining == 0:
                return False
            armed.injected += 1
            return True

    def should_crash(self, operation: str, function: str | None, invocation: str | None) -> bool:
        """After a successful `operation` call: whether the invocation dies now."""
        with self._lock:
            crashes = self._armed_for(Target.CRASH, operation, function)
            if not crashes:
                return False
            if len(self._calls_in_invocation) > _INVOCATIONS_REMEMBERED:
                self._calls_in_invocation.clear()
            self._calls_in_invocation[(invocation or "", operation)] += 1
            made = self._calls_in_invocation[(invocation or "", operation)]
            armed = next((a for a in crashes if a.fault.occurrence == made), None)
            if armed is None:
                return False
            armed.injected += 1
            return True

    def should_lose_response(self, operation: str, function: str | None) -> bool:
        """Before an `operation` call is sent: whether its answer is lost once it succeeded."""
        with self._lock:
            armed = next(iter(self._armed_for(Target.LOST_RESPONSE, operation, function)), None)
            if armed is None:
                return False
            armed.injected += 1
            return True

    def _armed_for(self, target: Target, operation: str, function: str | None) -> list[_Armed]:
        return [
            armed
            for armed in self._armed.values()
            if armed.fault.target is target
            and armed.fault.operation == operation
            and (armed.fault.function is None or armed.fault.function == function)
            and armed.remaining != 0
        ]

    def calls(self, target: Target) -> int:
        """API calls made on `target` since the stack started, failed or not."""
        with self._lock:
            return self._calls[target]

    def attempts(self, target: Target) -> int:
        """HTTP attempts on `target` (botocore's retries included), failed or not."""
        with self._lock:
            return self._attempts[target]

    def injected(self, target: Target) -> int:
        with self._lock:
            return sum(armed.injected for armed in self._armed.values() if armed.fault.target is target)

    def describe(self) -> dict[str, Any]:
        """What `GET /_local/faults` answers."""
        with self._lock:
            faults = [
                {
                    "target": str(armed.fault.target),
                    "mode": str(armed.fault.mode),
                    "times": armed.fault.times,
                    "remaining": armed.remaining,
                    "injected": armed.injected,
                    "function": str(armed.fault.function) if armed.fault.function else None,
                    **(
                        {"operation": armed.fault.operation, "occurrence": armed.fault.occurrence}
                        if armed.fault.target in CALL_TARGETS
                        else {}
                    ),
                }
                for armed in self._armed.values()
            ]
            services = [target for target in Target if target not in CALL_TARGETS]
            calls = {str(target): self._calls[target] for target in services}
            attempts = {str(target): self._attempts[target] for target in services}
        return {"faults": faults, "calls": calls, "attempts": attempts}


def parse_faults(payload: Any) -> list[Fault]:
    """One fault (`{target, mode, times?, function?}`) or a list of them, from JSON."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise FaultInvalid("장애 설정이 비어 있습니다. target 과 mode 를 보내 주세요.")
    return [_parse_fault(item) for item in items]


def _parse_fault(item: Any) -> Fault:
    if not isinstance(item, Mapping):
        raise FaultInvalid("장애 설정은 JSON 객체여야 합니다.")
    unknown = set(item) - {"target", "mode", "times", "function", "operation", "occurrence"}
    if unknown:
        names = sorted(map(str, unknown))
        raise FaultInvalid(f"알 수 없는 항목입니다: {', '.join(names)}", names[0])
    target = _choice(item.get("target"), Target, "target", "장애 대상")
    mode = _choice(item.get("mode"), Mode, "mode", "장애 방식")
    times = item.get("times")
    if mode is Mode.TRANSIENT:
        if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES:
            message = f"일시 장애는 실패 횟수(times)를 1~{MAX_TIMES} 사이 정수로 정해 주세요."
            raise FaultInvalid(message, "times")
    elif times is not None:
        raise FaultInvalid("영구 장애에는 실패 횟수(times)를 정하지 않습니다.", "times")
    function = item.get("function")
    operation, occurrence = _call_fields(item, target)
    return Fault(
        target=target,
        mode=mode,
        times=times,
        function=None if function is None else _choice(function, Function, "function", "함수"),
        operation=operation,
        occurrence=occurrence,
    )


def _call_fields(item: Mapping[str, Any], target: Target) -> tuple[str | None, int]:
    operation, occurrence = item.get("operation"), item.get("occurrence", 1)
    if target not in CALL_TARGETS:
        if operation is not None or "occurrence" in item:
            raise FaultInvalid("operation 과 occurrence 는 crash, lost_response 에만 씁니다.", "operation")
        return None, 1
    if not isinstance(operation, str) or not _OPERATION.fullmatch(operation):
        message = "operation 은 서비스.작업 형식이어야 합니다. 예: dynamodb.TransactWriteItems"
        raise FaultInvalid(message, "operation")
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or not 1 <= occurrence <= MAX_TIMES:
        raise FaultInvalid(f"occurrence 는 1~{MAX_TIMES} 사이 정수여야 합니다.", "occurrence")
    if target is Target.LOST_RESPONSE and occurrence != 1:
        raise FaultInvalid("lost_response 에는 occurrence 를 정하지 않습니다.", "occurrence")
    return operation, occurrence


def _choice(value: Any, kind: type[_E], field: str, label: str) -> _E:
    allowed = ", ".join(member.value for member in kind)
    if not isinstance(value, str) or value not in kind._value2member_map_:
        raise FaultInvalid(f"{label}({field})는 다음 중 하나여야 합니다: {allowed}", field)
    return kind(value)
