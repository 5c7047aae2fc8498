"""The whole product in this process: the AWS emulator with the product deployed, and the gateway."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from bot.classifier import bot_classifier
from local.emulator import (
    LOCAL_CUSTOMER_DECISION_SECONDS,
    LOCAL_RETENTION_DAYS,
    REGION,
    AwsEmulator,
    Deployment,
)
from local.fault_injection import install_fault_injection
from local.faults import FaultPlan
from local.gateway import Gateway
from runtime import bootstrap
from runtime.adapters.logs import configure_logging
from runtime.contract import LINK_SECRET_CACHE_SECONDS, Function, StackOutput
from runtime.deployment import SWEEP_PERIOD_SECONDS
from runtime.domain.deadlines import default_reminder_after
from runtime.domain.limits import Limits


class LocalStack:
    """Handlers read their settings from the process environment, so one stack runs per process."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        partner_timeout_seconds: int = 300,
        token_ttl_seconds: int = 600,
        reminder_after_seconds: int | None = None,
        customer_decision_seconds: int = LOCAL_CUSTOMER_DECISION_SECONDS,
        sweep_period_seconds: float = SWEEP_PERIOD_SECONDS,
        log_level: str = "INFO",
        limits: Limits | None = None,
        link_secret_cache_seconds: int = LINK_SECRET_CACHE_SECONDS,
    ) -> None:
        """`limits`: the abuse limits (default: the product's; `NO_LIMITS` lifts them)."""
        self.partner_timeout_seconds = partner_timeout_seconds
        self.token_ttl_seconds = token_ttl_seconds
        self.reminder_after_seconds = reminder_after_seconds or default_reminder_after(
            partner_timeout_seconds
        )
        self.customer_decision_seconds = customer_decision_seconds
        self.log_level = log_level
        self.limits = limits if limits is not None else Limits()
        self.link_secret_cache_seconds = link_secret_cache_seconds
        self.aws = AwsEmulator(sweep_period_seconds=sweep_period_seconds)
        self.faults = FaultPlan()
        # Bind the port first: a busy port fails here, before anything else starts.
        self.gateway = Gateway(
            outbox=self.aws.outbox,
            partner_timeout_seconds=partner_timeout_seconds,
            faults=self.faults,
            escalations=self._escalations,
            host=host,
            port=port,
        )
        self.deployment: Deployment | None = None

    def _escalations(self) -> list[dict[str, str]]:
        return self.aws.operators_inbox(self.deployment) if self.deployment else []

    @property
    def url(self) -> str:
        return self.gateway.url

    def start(self) -> LocalStack:
        configure_logging(self.log_level)
        self.aws.start()
        self.deployment = self.aws.deploy(
            site_url=self.url,
            partner_timeout_seconds=self.partner_timeout_seconds,
            token_ttl_seconds=self.token_ttl_seconds,
            reminder_after_seconds=self.reminder_after_seconds,
            customer_decision_seconds=self.customer_decision_seconds,
            limits=self.limits,
            link_secret_cache_seconds=self.link_secret_cache_seconds,
        )
        # The gateway plays CloudFront: it adds the origin header to every API request it forwards.
        self.gateway.origin_secret = self.deployment.origin_secret
        os.environ.update({**self.deployment.environment, "LOG_LEVEL": self.log_level})
        bootstrap.reset()
        bootstrap.clear_overrides()  # overrides compose: an earlier stack's in this process go first
        use_local_stand_ins(self.deployment)
        install_fault_injection(self.faults)
        self.aws.run_event_sources(self.deployment)
        self.gateway.start()
        return self

    def stop(self) -> None:
        self.gateway.stop()
        self.aws.stop()

    def outputs(self) -> dict[str, Any]:
        """What the deployment tells the tools that operate it, under the names the Pulumi program
        exports them (`python -m ops --local` reads these from build/local/stack.json)."""
        if self.deployment is None:
            raise RuntimeError("the local stack is not started")
        return {
            StackOutput.ENDPOINT_URL: self.aws.endpoint,
            StackOutput.REGION: REGION,
            StackOutput.SITE_URL: self.url,
            StackOutput.TABLE_NAME: self.deployment.table_name,
            StackOutput.STREAM_ARN: self.deployment.stream_arn,
            StackOutput.STATE_MACHINE_ARN: self.deployment.state_machine_arn,
            StackOutput.DEAD_LETTER_QUEUE_URL: self.deployment.dead_letter_queue_url,
            StackOutput.SMS_EVENTS_TOPIC_ARN: self.deployment.sms_events_topic_arn,
            StackOutput.PARTNER_TIMEOUT_SECONDS: self.partner_timeout_seconds,
            StackOutput.RETENTION_DAYS: LOCAL_RETENTION_DAYS,
        }

    def write_outputs(self, path: Path) -> Path:
        """Write `outputs()` as JSON to `path` (its folder is created); the caller removes it on stop."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({str(k): v for k, v in self.outputs().items()}, indent=2) + "\n")
        return path

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def use_local_stand_ins(deployment: Deployment) -> None:
    """What the composition root gives here instead of its AWS defaults: each function's own settings,
    and the bot's sample utterances (`bot/classifier.py`) where a function in AWS asks Lex."""
    bootstrap.override(bootstrap.settings, settings_per_function(deployment))
    bootstrap.override(bootstrap.classifier, lambda real: bot_classifier())


def settings_per_function(deployment: Deployment) -> bootstrap.Decorate:
    """The functions share this process and its environment; each still reads only its own, as in AWS:
    during an invocation, `bootstrap.settings()` is read from the variables its spec declares
    (`Deployment.function_environment`), so a function that reads a variable it did not declare
    misses it here too. Outside an invocation (tests, tools), the whole process environment."""
    functions = {str(f): f for f in Function}

    def decorate(real: Callable[[], bootstrap.Settings]) -> bootstrap.Settings:
        function = functions.get(str(structlog.contextvars.get_contextvars().get("function")))
        if function is None:
            return real()
        return bootstrap.read_settings(deployment.function_environment(function, os.environ))

    return decorate
