"""The one place that reads the environment, creates AWS clients (botocore) and wires adapters to use cases.

Everything is built lazily, on first use, and kept for the life of the process (one Lambda cold
start): a handler creates only the clients it needs, and nothing is created at import time. Adapters
that only some functions use are imported where they are built, so no function imports the others'.

Production uses the factories as they are. The local stack and tests change what a factory gives
through `override(factory, decorate)` (undone by `clear_overrides()`), never by replacing this
module's attributes: `decorate` receives the real factory and returns what callers get instead.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import botocore.session
from botocore.config import Config

from runtime.adapters.clock import SystemClock
from runtime.adapters.dynamo_repository import DynamoRequestRepository
from runtime.adapters.emf_metrics import EmfMetricWriter
from runtime.adapters.logs import configure_logging
from runtime.adapters.packaged_aws_data import PackagedDataLoader
from runtime.adapters.ports import (
    IntentClassifier,
    MessageWriter,
    OperatorAlerts,
    SecretProvider,
    SigningKeyRepository,
    SmsSender,
    WorkflowClient,
)
from runtime.contract import LEX_LOCALE, LINK_SECRET_CACHE_SECONDS, LOCAL_STAGE, SERVICE_MODELS_FOLDER, Env
from runtime.domain.limits import Limits

_building = threading.RLock()
# Every cached factory, so `reset()` forgets them all; and the overrides in force, by factory name.
_FACTORIES: list[Any] = []
Decorate = Callable[[Callable[[], Any]], Any]
_overrides: dict[str, list[Decorate]] = {}
# Bumped by reset(): a client found before it is not used after it.
_generation = [0]


def _once_per_process(factory: Callable[..., Any]) -> Any:
    """functools.cache, built under one lock: Lambda runs one invocation at a time, but the local
    stack runs handlers in threads, and two first uses must not build two clients."""
    cached = functools.cache(factory)

    def real(*args: Any) -> Any:
        with _building:
            return cached(*args)

    @functools.wraps(factory)
    def get(*args: Any) -> Any:
        given: Callable[[], Any] = functools.partial(real, *args)
        for decorate in _overrides.get(factory.__name__, ()):
            given = functools.partial(decorate, given)
        return given()

    get.cache_clear = cached.cache_clear  # type: ignore[attr-defined]  # functools.cache's own, kept
    _FACTORIES.append(get)
    return get


def override(factory: Callable[..., Any], decorate: Decorate) -> None:
    """From now on, `factory()` (one of this module's) gives `decorate(what it gave so far)`: the
    real factory, or what earlier overrides made of it (each decorates the one before). The local
    stack puts the bot's own classifier in Lex's place this way and wraps it, and the message
    writers, with its fault injection; tests replace the log configuration."""
    if factory not in _FACTORIES:
        raise ValueError(f"{getattr(factory, '__name__', factory)!r} is not a factory of runtime.bootstrap")
    _overrides.setdefault(factory.__name__, []).append(decorate)


def clear_overrides(*factories: Callable[..., Any]) -> None:
    """Undo the overrides of `factories` (a test of the Lex adapter undoes the local stand-in), or
    of every factory."""
    if not factories:
        _overrides.clear()
    for factory in factories:
        _overrides.pop(getattr(factory, "__name__", ""), None)


DEFAULT_TOKEN_TTL_SECONDS = 600
DEFAULT_PARTNER_TIMEOUT_SECONDS = 300
DEFAULT_RETENTION_DAYS = 14

# Lex answers a customer who waits for the page: fail fast. Bedrock runs inside the workflow, with
# two models and a template behind it: a short timeout each. Everything else retries a little.
_CLIENT_CONFIGS = {
    "lexv2-runtime": Config(
        connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 1}
    ),
    "bedrock-runtime": Config(
        connect_timeout=2, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 1}
    ),
}
_DEFAULT_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3}
)


@attrs.frozen
class Settings:
    stage: str
    log_level: str
    table_name: str | None
    state_machine_arn: str | None
    link_secret_id: str | None
    link_secret_cache: timedelta
    site_url: str | None
    token_ttl: timedelta
    partner_timeout: timedelta
    lex_bot_id: str | None
    lex_bot_alias_id: str | None
    lex_locale_id: str
    bedrock_model_id: str | None
    bedrock_fallback_model_id: str | None
    sms_configuration_set: str | None
    sms_origination_identity: str | None
    sms_max_price: str | None
    operators_topic_arn: str | None
    retention: timedelta
    origin_secret: str | None
    limits: Limits


def read_settings(environ: Mapping[str, str]) -> Settings:
    def text(name: Env) -> str | None:
        return environ.get(name) or None

    def seconds(name: Env, default: int) -> timedelta:
        return timedelta(seconds=int(environ.get(name) or default))

    def count(name: Env, default: int) -> int:
        """A limit: unset is the product's default, 0 is no limit."""
        value = environ.get(name)
        return default if value is None or value == "" else int(value)

    defaults = Limits()

    return Settings(
        stage=environ.get(Env.STAGE, LOCAL_STAGE),
        log_level=environ.get(Env.LOG_LEVEL, "INFO"),
        table_name=text(Env.TABLE_NAME),
        state_machine_arn=text(Env.STATE_MACHINE_ARN),
        link_secret_id=text(Env.LINK_SECRET_ID),
        link_secret_cache=seconds(Env.LINK_SECRET_CACHE_SECONDS, LINK_SECRET_CACHE_SECONDS),
        site_url=text(Env.SITE_URL),
        token_ttl=seconds(Env.TOKEN_TTL_SECONDS, DEFAULT_TOKEN_TTL_SECONDS),
        partner_timeout=seconds(Env.PARTNER_TIMEOUT_SECONDS, DEFAULT_PARTNER_TIMEOUT_SECONDS),
        lex_bot_id=text(Env.LEX_BOT_ID),
        lex_bot_alias_id=text(Env.LEX_BOT_ALIAS_ID),
        lex_locale_id=environ.get(Env.LEX_LOCALE_ID) or LEX_LOCALE,
        bedrock_model_id=text(Env.BEDROCK_MODEL_ID),
        bedrock_fallback_model_id=text(Env.BEDROCK_FALLBACK_MODEL_ID),
        sms_configuration_set=text(Env.SMS_CONFIGURATION_SET),
        sms_origination_identity=text(Env.SMS_ORIGINATION_IDENTITY),
        operators_topic_arn=text(Env.OPERATORS_TOPIC_ARN),
        sms_max_price=text(Env.SMS_MAX_PRICE),
        retention=timedelta(days=int(environ.get(Env.RETENTION_DAYS) or DEFAULT_RETENTION_DAYS)),
        origin_secret=text(Env.ORIGIN_SECRET),
        limits=Limits(
            open_per_reservation=count(Env.LIMIT_OPEN_PER_RESERVATION, defaults.open_per_reservation),
            requests_per_reservation_per_day=count(
                Env.LIMIT_REQUESTS_PER_RESERVATION_PER_DAY, defaults.requests_per_reservation_per_day
            ),
            unmatched_per_phone_per_hour=count(
                Env.LIMIT_UNMATCHED_PER_PHONE_PER_HOUR, defaults.unmatched_per_phone_per_hour
            ),
            sms_per_partner_per_hour=count(
                Env.LIMIT_SMS_PER_PARTNER_PER_HOUR, defaults.sms_per_partner_per_hour
            ),
        ),
    )


@_once_per_process
def settings() -> Settings:
    return read_settings(os.environ)


@_once_per_process
def logging_configured() -> bool:
    configure_logging(settings().log_level)
    return True


@_once_per_process
def session() -> botocore.session.Session:
    """The process's AWS session, botocore's: boto3's clients are botocore's, and importing boto3
    would add its resources and s3transfer to every cold start. In Lambda, its clients read the
    botocore data the archive carries, cut to the calls the functions make (`PackagedDataLoader`);
    elsewhere, botocore's own."""
    created = botocore.session.Session()
    if (models := packaged_service_models(os.environ)) is not None:
        created.register_component("data_loader", PackagedDataLoader(models))
    return created


def packaged_service_models(environ: Mapping[str, str]) -> Path | None:
    """The archive's botocore data: beside the code Lambda unpacked (LAMBDA_TASK_ROOT), if there."""
    task_root = environ.get("LAMBDA_TASK_ROOT")
    models = Path(task_root) / SERVICE_MODELS_FOLDER if task_root else None
    return models if models is not None and models.is_dir() else None


def events() -> Any:
    """The session's event hooks: every client created from it afterwards runs them."""
    return session().get_component("event_emitter")


@_once_per_process
def client(service: str) -> Any:
    """One client per service per process. Region and endpoint come from the standard AWS variables."""
    return session().create_client(service, config=_CLIENT_CONFIGS.get(service, _DEFAULT_CLIENT_CONFIG))


class ClientOnFirstUse:
    """Stands for `client(service)` and creates it when an adapter first calls it. Creating a client
    loads its service model (10-30 ms each): a function that needs a service only on a rare path (the
    SMS sender resuming a workflow that was already answered, a verifier meeting an unknown key id)
    pays for it only then. Calls go to the one cached client, so hooks and stubbers on
    `client(service)` see them; `reset()` makes the next call find the client again."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._client: Any = None
        self._generation = -1

    def __getattr__(self, name: str) -> Any:
        if self._generation != _generation[0]:
            self._client = client(self.service)
            self._generation = _generation[0]
        return getattr(self._client, name)

    def __repr__(self) -> str:
        return f"ClientOnFirstUse({self.service!r})"


# --- adapters ----------------------------------------------------------------------------------


@_once_per_process
def repository() -> DynamoRequestRepository:
    config = settings()
    return DynamoRequestRepository(
        ClientOnFirstUse("dynamodb"), _required(config.table_name, Env.TABLE_NAME), retention=config.retention
    )


@_once_per_process
def clock() -> SystemClock:
    return SystemClock()


@_once_per_process
def metrics() -> EmfMetricWriter:
    return EmfMetricWriter(settings().stage)


@_once_per_process
def secrets() -> SecretProvider:
    """Re-reads the secret every few minutes (a rotation reaches every function), not once per process."""
    from runtime.adapters.secrets_manager import SecretsManagerSecretProvider

    config = settings()
    secret_id = _required(config.link_secret_id, Env.LINK_SECRET_ID)
    return SecretsManagerSecretProvider(
        ClientOnFirstUse("secretsmanager"), secret_id, max_age=config.link_secret_cache.total_seconds()
    )


def signing_keys(secret_id: str) -> SigningKeyRepository:
    """The versions of the secret Secrets Manager asks the rotation function to rotate."""
    from runtime.adapters.secrets_manager import SecretsManagerSigningKeys

    return SecretsManagerSigningKeys(ClientOnFirstUse("secretsmanager"), secret_id)


def origin_secret() -> str:
    """What CloudFront puts in the origin header. Unset, every API request is refused (403)."""
    return settings().origin_secret or ""


@_once_per_process
def workflow() -> WorkflowClient:
    from runtime.adapters.step_functions import StepFunctionsWorkflow

    return StepFunctionsWorkflow(ClientOnFirstUse("stepfunctions"), settings().state_machine_arn)


@_once_per_process
def classifier() -> IntentClassifier:
    """Lex V2. Without AWS, the local stack and tests override this factory with a classifier built
    from the bot's own sample utterances (`bot/classifier.py`), which no function ships."""
    from runtime.adapters.lex_classifier import LexIntentClassifier

    config = settings()
    return LexIntentClassifier(
        ClientOnFirstUse("lexv2-runtime"),
        bot_id=_required(config.lex_bot_id, Env.LEX_BOT_ID),
        bot_alias_id=_required(config.lex_bot_alias_id, Env.LEX_BOT_ALIAS_ID),
        locale_id=config.lex_locale_id,
    )


@_once_per_process
def message_writers() -> tuple[MessageWriter, ...]:
    """Primary model, fallback model, then the template, which always answers."""
    from runtime.adapters.bedrock_writer import BedrockMessageWriter
    from runtime.adapters.template_writer import TemplateMessageWriter

    config = settings()
    models = [m for m in (config.bedrock_model_id, config.bedrock_fallback_model_id) if m]
    bedrock = tuple(BedrockMessageWriter(ClientOnFirstUse("bedrock-runtime"), model) for model in models)
    return (*bedrock, TemplateMessageWriter())


# --- what each use case receives ---------------------------------------------------------------


@_once_per_process
def operator_alerts() -> OperatorAlerts:
    from runtime.adapters.sns_alerts import SnsOperatorAlerts

    topic = _required(settings().operators_topic_arn, Env.OPERATORS_TOPIC_ARN)
    return SnsOperatorAlerts(ClientOnFirstUse("sns"), topic)


@_once_per_process
def sms() -> SmsSender:
    """AWS End User Messaging SMS in the function's own region (locally: the stand-in, found through
    botocore's AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2)."""
    from runtime.adapters.end_user_messaging_sms import EndUserMessagingSmsSender

    config = settings()
    return EndUserMessagingSmsSender(
        ClientOnFirstUse("pinpoint-sms-voice-v2"),
        configuration_set=config.sms_configuration_set,
        origination_identity=config.sms_origination_identity,
        max_price=config.sms_max_price,
    )


def for_chat() -> dict[str, Any]:
    return {
        "repository": repository(),
        "classifier": classifier(),
        "clock": clock(),
        "metrics": metrics(),
        "secrets": secrets(),
        "partner_timeout": settings().partner_timeout,
        # The customer's token lasts as long as their request is kept.
        "customer_token_ttl": settings().retention,
        "limits": settings().limits,
    }


def for_orchestrator() -> dict[str, Any]:
    return {"repository": repository(), "workflow": workflow(), "clock": clock(), "metrics": metrics()}


def for_sms_sender() -> dict[str, Any]:
    config = settings()
    return {
        "repository": repository(),
        "sms": sms(),
        "secrets": secrets(),
        "workflow": workflow(),
        "clock": clock(),
        "metrics": metrics(),
        "site_url": _required(config.site_url, Env.SITE_URL),
        "token_ttl": config.token_ttl,
        "partner_timeout": config.partner_timeout,
        "limits": config.limits,
    }


def for_reminder() -> dict[str, Any]:
    return {
        "repository": repository(),
        "sms": sms(),
        "secrets": secrets(),
        "workflow": workflow(),
        "clock": clock(),
        "metrics": metrics(),
        "site_url": _required(settings().site_url, Env.SITE_URL),
    }


def for_open_link() -> dict[str, Any]:
    return {"repository": repository(), "secrets": secrets(), "clock": clock()}


def for_answer_link() -> dict[str, Any]:
    return {**for_open_link(), "metrics": metrics()}


def for_decision() -> dict[str, Any]:
    return {"repository": repository(), "secrets": secrets(), "clock": clock(), "metrics": metrics()}


def for_decision_waiter() -> dict[str, Any]:
    return {"repository": repository(), "workflow": workflow(), "clock": clock()}


def for_proposal_lapser() -> dict[str, Any]:
    return {"repository": repository(), "clock": clock()}


def for_partner_teller() -> dict[str, Any]:
    return {"repository": repository(), "sms": sms(), "clock": clock(), "metrics": metrics()}


def for_resumer() -> dict[str, Any]:
    return {"workflow": workflow()}


def for_escalator() -> dict[str, Any]:
    return {"alerts": operator_alerts(), "metrics": metrics(), "stage": settings().stage}


def for_sweeper() -> dict[str, Any]:
    return {"repository": repository(), "clock": clock(), "metrics": metrics()}


def for_closing() -> dict[str, Any]:
    return {"repository": repository(), "clock": clock(), "metrics": metrics()}


def for_notification() -> dict[str, Any]:
    return {**for_closing(), "writers": message_writers()}


def for_timeline() -> dict[str, Any]:
    return {"repository": repository()}


def reset() -> None:
    """Forget every cached setting, client and adapter (tests change the environment between runs);
    the overrides stay until `clear_overrides()`."""
    for cached in _FACTORIES:
        cached.cache_clear()
    _generation[0] += 1


def _required(value: str | None, name: Env) -> str:
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value
