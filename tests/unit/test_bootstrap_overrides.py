"""The composition root's overrides: what the local stack and tests use instead of patching it."""

import pytest

from bot.classifier import LocalIntentClassifier
from runtime import bootstrap


@pytest.fixture(autouse=True)
def _clean():
    bootstrap.clear_overrides()
    yield
    bootstrap.clear_overrides()


def test_an_override_gives_what_its_decorator_makes_of_the_real_factory():
    seen = []

    def decorate(real):
        seen.append(real)
        return ("wrapped", real)

    bootstrap.override(bootstrap.clock, decorate)

    wrapped, real = bootstrap.clock()
    assert wrapped == "wrapped"
    assert real() is real()  # the real factory still builds once per process
    assert type(real()).__name__ == "SystemClock"
    assert len(seen) == 1


def test_overrides_compose_each_decorating_what_the_one_before_gave():
    bootstrap.override(bootstrap.clock, lambda real: "stand-in")
    bootstrap.override(bootstrap.clock, lambda given: ("wrapped", given()))

    assert bootstrap.clock() == ("wrapped", "stand-in")


def test_clearing_one_factorys_overrides_keeps_the_others():
    bootstrap.override(bootstrap.clock, lambda real: "stand-in")
    bootstrap.override(bootstrap.metrics, lambda real: "metrics stand-in")

    bootstrap.clear_overrides(bootstrap.clock)

    assert type(bootstrap.clock()).__name__ == "SystemClock"
    assert bootstrap.metrics() == "metrics stand-in"


def test_without_lex_settings_the_classifier_says_what_is_missing():
    bootstrap.reset()
    bootstrap.override(bootstrap.settings, lambda real: bootstrap.read_settings({"TABLE_NAME": "requests"}))

    with pytest.raises(RuntimeError, match="LEX_BOT_ID"):
        bootstrap.classifier()


def test_clearing_the_overrides_restores_the_real_factory():
    bootstrap.override(bootstrap.clock, lambda real: "replaced")
    assert bootstrap.clock() == "replaced"

    bootstrap.clear_overrides()

    assert type(bootstrap.clock()).__name__ == "SystemClock"


def test_reset_forgets_every_factory_built_so_far():
    first = bootstrap.clock()
    bootstrap.reset()
    assert bootstrap.clock() is not first


def test_only_the_composition_roots_factories_can_be_overridden():
    with pytest.raises(ValueError, match="not a factory"):
        bootstrap.override(LocalIntentClassifier, lambda real: real())


@pytest.fixture
def sms_sender_environment(monkeypatch):
    for name, value in {
        "TABLE_NAME": "requests",
        "STATE_MACHINE_ARN": "arn:aws:states:ap-northeast-2:123456789012:stateMachine:confirm",
        "LINK_SECRET_ID": "link-secret",
        "SITE_URL": "https://confirm.example.com",
        "AWS_REGION": "ap-northeast-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    yield
    bootstrap.reset()


def _clients_created() -> list[str]:
    created: list[str] = []

    def record(class_attributes, base_classes, **kwargs):
        created.append(kwargs["event_name"])

    bootstrap.events().register("creating-client-class", record)
    return created


def test_wiring_a_use_case_creates_no_client_until_an_adapter_calls_one(sms_sender_environment):
    created = _clients_created()

    dependencies = bootstrap.for_sms_sender()
    assert created == []  # four adapters wired, no service model loaded

    table_client = dependencies["repository"]._client
    assert table_client.meta.service_model.service_name == "dynamodb"  # its first use
    assert [name.rpartition(".")[2] for name in created] == ["dynamodb"]


def test_a_client_used_through_two_adapters_is_created_once(sms_sender_environment):
    created = _clients_created()

    through_adapter = bootstrap.repository()._client.meta
    directly = bootstrap.client("dynamodb").meta

    assert len(created) == 1
    assert through_adapter is directly
