"""EventBridge Scheduler on this machine: invoke a function at a fixed rate, with the event the
scheduler sends, until stopped. A failed run is logged and the next one comes on time, as in AWS."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import structlog

from local.lambdas import LambdaDispatcher

log = structlog.get_logger("local.schedules")


class RateSchedule:
    def __init__(self, *, dispatcher: LambdaDispatcher, function_name: str, period_seconds: float) -> None:
        self.function_name = function_name
        self.period_seconds = period_seconds
        self._dispatcher = dispatcher
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"schedule-{function_name}", daemon=True)
        self.runs = 0

    def start(self) -> RateSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopped.wait(self.period_seconds):
            event = {"source": "local.scheduler", "time": datetime.now(UTC).isoformat(timespec="seconds")}
            invocation = self._dispatcher.invoke(self.function_name, event)
            self.runs += 1
            if invocation.failed:
                log.warning("scheduled_run_failed", function=self.function_name, error=invocation.payload)
