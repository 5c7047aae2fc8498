"""The Lex V2 bot: built from bot/ko_KR.json, auto-built, versioned, with one alias per stack."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from infra_helpers import trusted_service

from infra.mock_run import PROJECT_ROOT, Deployment

BOT_FILE = PROJECT_ROOT / "bot" / "ko_KR.json"


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
    # A change to the bot file changes the description, which replaces the version.
    assert hashlib.sha256(BOT_FILE.read_bytes()).hexdigest()[:16] in version.inputs["description"]
    assert alias["botId"] == bot.outputs["awsId"]
    assert alias["botAliasName"] == deployment.stack
    assert alias["botVersion"] == version.outputs["botVersion"]
    assert alias["botAliasLocaleSettings"] == [
        {"localeId": "ko_KR", "botAliasLocaleSetting": {"enabled": True}}
    ]


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
