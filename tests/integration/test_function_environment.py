"""Locally, as in AWS, each function reads only the variables its spec declares (they share a process)."""

import structlog

from runtime import bootstrap
from runtime.contract import Env, Function
from runtime.deployment import FUNCTIONS


def _settings_of(function: Function) -> bootstrap.Settings:
    structlog.contextvars.bind_contextvars(function=str(function))
    try:
        return bootstrap.settings()
    finally:
        structlog.contextvars.unbind_contextvars("function")


def test_a_function_sees_the_settings_it_declares_and_not_the_others(stack):
    assert Env.SITE_URL in FUNCTIONS[Function.SMS_SENDER].environment
    assert Env.SITE_URL not in FUNCTIONS[Function.ORCHESTRATOR].environment

    assert _settings_of(Function.SMS_SENDER).site_url == stack.deployment.environment[Env.SITE_URL]
    assert _settings_of(Function.ORCHESTRATOR).site_url is None
    assert _settings_of(Function.ORCHESTRATOR).table_name == stack.deployment.table_name


def test_each_functions_environment_is_its_spec_plus_what_reaches_aws(stack):
    for function, spec in FUNCTIONS.items():
        environment = stack.deployment.function_environment(function)
        product = {name for name in environment if name in Env._value2member_map_}
        declared = {str(name) for name in spec.environment}
        assert product <= declared, function
        assert environment["AWS_ENDPOINT_URL"] == stack.deployment.environment["AWS_ENDPOINT_URL"]


def test_outside_an_invocation_the_process_environment_applies(stack):
    assert bootstrap.settings().site_url == stack.deployment.environment[Env.SITE_URL]
