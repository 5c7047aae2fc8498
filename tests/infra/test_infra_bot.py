"""The Lex V2 bot: built from bot/ko_KR.json, auto-built, versioned, with one alias per stack."""

from __future__ import annotations

import json
import re

import pytest
from infra_helpers import trusted_service

from bot import BOT_FILE
from infra.components import bot as bot_module
from infra.offline.mock_run import Deployment, run_program


@pytest.fixture(scope="module")
def definition() -> dict:
    return json.loads(BOT_FILE.read_text(encoding="utf-8"))


def _locale(deployment: Deployment) -> dict:
    (locale,) = deployment.one("aws-native:lex:Bot").inputs["botLocales"]
    return locale


def test_the_bot_is_built_automatically_for_korean(deployment: Deployment, definition: dict) -> None:
    bot = deployment.one("aws-native:lex:Bot").inputs
    assert bot["autoBuildBotLocales"] is True
    assert bot["name"] == f"{definition['name']}-{deployment.stack}"
    assert bot["idleSessionTtlInSeconds"] == definition["idleSessionTtlInSeconds"]
    assert bot["dataPrivacy"] == {"childDirected": False}
    locale = _locale(deployment)
    assert locale["localeId"] == "ko_KR"
    assert locale["nluConfidenceThreshold"] == definition["nluConfidenceThreshold"]


def test_intents_and_utterances_are_the_bot_files(deployment: Deployment, definition: dict) -> None:
    intents = {intent["name"]: intent for intent in _locale(deployment)["intents"]}
    assert set(intents) == {i["name"] for i in definition["intents"]} | {"FallbackIntent"}
    for expected in definition["intents"]:
        intent = intents[expected["name"]]
        assert [u["utterance"] for u in intent["sampleUtterances"]] == expected["sampleUtterances"]
        slot_names = {slot["name"] for slot in intent["slots"]}
        assert slot_names == set(expected["slots"])
        # Lex rejects an utterance naming a slot its intent does not have.
        for utterance in expected["sampleUtterances"]:
            assert set(re.findall(r"\{(\w+)\}", utterance)) <= slot_names


def test_the_reservation_slot_asks_in_korean(deployment: Deployment, definition: dict) -> None:
    expected = definition["slots"]["ReservationNumber"]
    for intent in _locale(deployment)["intents"]:
        for slot in intent.get("slots", []):
            assert slot["slotTypeName"] == expected["slotType"]
            elicitation = slot["valueElicitationSetting"]
            assert elicitation["slotConstraint"] == "Optional"  # the form already carries the number
            (group,) = elicitation["promptSpecification"]["messageGroupsList"]
            assert group["message"]["plainTextMessage"]["value"] == expected["elicitationPrompt"]


def test_the_fallback_intent_is_lexs_own(deployment: Deployment) -> None:
    fallback = next(i for i in _locale(deployment)["intents"] if i["name"] == "FallbackIntent")
    assert fallback["parentIntentSignature"] == "AMAZON.FallbackIntent"
    assert "sampleUtterances" not in fallback


def test_the_bot_runs_with_a_role_lex_may_assume(deployment: Deployment) -> None:
    role = deployment.one("aws:iam/role:Role", "bot-role")
    assert deployment.one("aws-native:lex:Bot").inputs["roleArn"] == role.outputs["arn"]
    assert trusted_service(role) == "lexv2.amazonaws.com"


def test_a_version_of_this_definition_behind_the_stack_alias(deployment: Deployment) -> None:
    bot = deployment.one("aws-native:lex:Bot")
    version = deployment.one("aws-native:lex:BotVersion")
    alias = deployment.one("aws-native:lex:BotAlias").inputs
    assert version.inputs["botId"] == bot.outputs["awsId"]
    assert version.inputs["botVersionLocaleSpecification"] == [
        {"localeId": "ko_KR", "botVersionLocaleDetails": {"sourceBotVersion": "DRAFT"}}
    ]
    # The description names the bot as built; a change to it replaces the version (see below).
    assert re.fullmatch(r"ko_KR as built, sha256:[0-9a-f]{16}", version.inputs["description"])
    assert alias["botId"] == bot.outputs["awsId"]
    assert alias["botAliasName"] == deployment.stack
    assert alias["botVersion"] == version.outputs["botVersion"]
    assert alias["botAliasLocaleSettings"] == [
        {"localeId": "ko_KR", "botAliasLocaleSetting": {"enabled": True}}
    ]


def _version_key(deployment: Deployment) -> str:
    return deployment.one("aws-native:lex:BotVersion").inputs["description"]


def test_the_version_follows_the_bot_as_built_not_the_source_file(
    deployments: dict[str, Deployment], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change in how infra/components/bot.py builds the locale, with bot/ko_KR.json untouched, must
    reach the alias: the version's key changes, so a new version is taken from the updated draft."""
    as_committed = _version_key(deployments["dev"])
    assert _version_key(deployments["demo"]) == as_committed  # the same bot on both stacks

    monkeypatch.setattr(bot_module, "SLOT_PROMPT_RETRIES", bot_module.SLOT_PROMPT_RETRIES + 1)
    rebuilt = run_program("dev")

    assert _version_key(rebuilt) != as_committed
    (locale,) = rebuilt.one("aws-native:lex:Bot").inputs["botLocales"]
    retries = {
        slot["valueElicitationSetting"]["promptSpecification"]["maxRetries"]
        for intent in locale["intents"]
        for slot in intent.get("slots", [])
    }
    assert retries == {bot_module.SLOT_PROMPT_RETRIES}  # the draft itself changed too


def test_the_version_key_ignores_formatting_and_key_order() -> None:
    built = {"locales": [{"b": 1, "a": ["x", "y"]}], "settings": {"ttl": 300}}
    same = json.loads(json.dumps({"settings": {"ttl": 300}, "locales": [{"a": ["x", "y"], "b": 1}]}))
    assert bot_module.built_hash(built) == bot_module.built_hash(same)
    assert bot_module.built_hash(built) != bot_module.built_hash({**built, "settings": {"ttl": 301}})


def test_the_reservation_slot_type_takes_the_files_pattern(deployment: Deployment, definition: dict) -> None:
    locale = _locale(deployment)
    slot_types = {slot_type["name"]: slot_type for slot_type in locale["slotTypes"]}
    assert set(slot_types) == set(definition["slotTypes"])
    for name, expected in definition["slotTypes"].items():
        built = slot_types[name]
        assert built["parentSlotTypeSignature"] == "AMAZON.AlphaNumeric"
        assert built["valueSelectionSetting"] == {
            "resolutionStrategy": "ORIGINAL_VALUE",
            "regexFilter": {"pattern": expected["regexFilter"]},
        }
    used = {slot["slotTypeName"] for intent in locale["intents"] for slot in intent.get("slots", [])}
    assert used == {definition["slots"]["ReservationNumber"]["slotType"]} <= set(slot_types)
    # The pattern arrives as written, \uXXXX escapes included (Lex reads them, not JSON).
    assert (
        "\\uFF21"
        in slot_types[definition["slots"]["ReservationNumber"]["slotType"]]["valueSelectionSetting"][
            "regexFilter"
        ]["pattern"]
    )
