"""Bot: the Lex V2 ko_KR intent classifier, built from `bot/ko_KR.json`, versioned, with a stack alias.

Why pulumi-aws-native: pulumi-aws (7.x) models Lex V2 bots, locales and intents, but has no V2 bot
alias and never builds a locale, so the runtime would have nothing to call. aws-native's `lex.Bot`
(CloudFormation's AWS::Lex::Bot through Cloud Control) takes the whole bot as one document, builds
its locales (`auto_build_bot_locales`), and has BotVersion and BotAlias.

Known problem: updates to `BotLocales` have failed through Cloud Control ("noSuchPath in
source, path provided: //BotLocales", pulumi/pulumi-aws-native#783, since fixed). The locale is emitted
in a fixed order so an unchanged bot produces no diff; if an update is refused anyway,
`pulumi up --replace <bot URN>` recreates the bot, and the alias moves to the new version.

The bot only classifies: the runtime calls RecognizeText and reads the intent name. The reservation
number comes from the web form, so the slot is optional and Lex never stops to ask for it. Its slot
type extends AMAZON.AlphaNumeric with the file's regular expression, so a number typed as
`htl100101`, `HTL 100101` or in full-width characters is captured as the form accepts it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws
import pulumi_aws_native as aws_native

from infra.iam import assume_role_policy
from runtime.contract import LEX_LOCALE

DRAFT_VERSION = "DRAFT"
SLOT_PROMPT_RETRIES = 2


@attrs.frozen
class BotArgs:
    definition_file: Path
    stage: str


class Bot(pulumi.ComponentResource):
    bot_id: pulumi.Output[str]
    alias_id: pulumi.Output[str]
    alias_arn: pulumi.Output[str]

    def __init__(self, name: str, args: BotArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Bot", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        definition = json.loads(args.definition_file.read_text(encoding="utf-8"))
        if definition["localeId"] != LEX_LOCALE:
            raise ValueError(
                f"{args.definition_file} is for {definition['localeId']}, the runtime asks {LEX_LOCALE}"
            )

        # Text-only classification needs no permissions (no Polly voice, no Comprehend sentiment).
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=assume_role_policy("lexv2.amazonaws.com"),
            description="Runtime role of the Partner Confirm Lex bot (text only: no permissions)",
            opts=child,
        )
        locales = [bot_locale(definition)]
        settings = {
            "data_privacy": {"child_directed": False},
            "idle_session_ttl_in_seconds": definition["idleSessionTtlInSeconds"],
        }
        bot = aws_native.lex.Bot(
            f"{name}-bot",
            name=f"{definition['name']}-{args.stage}",
            description=definition["description"],
            role_arn=role.arn,
            auto_build_bot_locales=True,
            bot_locales=locales,
            **settings,
            opts=child,
        )
        # A version is a snapshot of the draft taken when it is created. Naming the hash of the bot as
        # built (its locales and settings, exactly as sent) in the description takes a new snapshot for
        # the alias whenever what the draft holds changes: an edit of bot/ko_KR.json or of this module.
        version = aws_native.lex.BotVersion(
            f"{name}-version",
            bot_id=bot.aws_id,
            description=f"{LEX_LOCALE} as built, sha256:{built_hash({'locales': locales, **settings})}",
            bot_version_locale_specification=[
                {"locale_id": LEX_LOCALE, "bot_version_locale_details": {"source_bot_version": DRAFT_VERSION}}
            ],
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=["description"]),
        )
        alias = aws_native.lex.BotAlias(
            f"{name}-alias",
            bot_id=bot.aws_id,
            bot_alias_name=args.stage,
            bot_version=version.bot_version,
            bot_alias_locale_settings=[
                {"locale_id": LEX_LOCALE, "bot_alias_locale_setting": {"enabled": True}}
            ],
            opts=child,
        )
        self.bot_id = bot.aws_id
        self.alias_id = alias.bot_alias_id
        self.alias_arn = alias.arn
        self.register_outputs({"botId": self.bot_id, "aliasId": self.alias_id, "aliasArn": self.alias_arn})


def built_hash(built: Any) -> str:
    """A short, stable fingerprint of plain data (key order and formatting do not matter)."""
    text = json.dumps(built, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def bot_locale(definition: dict[str, Any]) -> aws_native.lex.BotLocaleArgsDict:
    """The locale as AWS::Lex::Bot wants it: the product's intents, then the required fallback intent."""
    slots = definition["slots"]
    intents: list[aws_native.lex.BotIntentArgsDict] = [
        {
            "name": intent["name"],
            "description": f"{intent['label']}: {intent['description']}",
            "sample_utterances": [{"utterance": utterance} for utterance in intent["sampleUtterances"]],
            "slots": [_slot(slot_name, slots[slot_name]) for slot_name in intent["slots"]],
            "slot_priorities": [
                {"priority": priority, "slot_name": slot_name}
                for priority, slot_name in enumerate(intent["slots"], start=1)
            ],
        }
        for intent in definition["intents"]
    ]
    fallback = definition["fallbackIntent"]
    # Lex answers FallbackIntent below the confidence threshold. It takes no sample utterances: the
    # file's `localExamples` train only the local stack's classifier.
    intents.append({"name": fallback["name"], "parent_intent_signature": fallback["parentIntentSignature"]})
    return {
        "locale_id": definition["localeId"],
        "nlu_confidence_threshold": definition["nluConfidenceThreshold"],
        "slot_types": [_slot_type(name, slot_type) for name, slot_type in definition["slotTypes"].items()],
        "intents": intents,
    }


def _slot_type(name: str, slot_type: dict[str, str]) -> aws_native.lex.BotSlotTypeArgsDict:
    """A built-in type narrowed by a regular expression (Lex accepts one only on AMAZON.AlphaNumeric)."""
    return {
        "name": name,
        "description": slot_type["description"],
        "parent_slot_type_signature": slot_type["parentSlotTypeSignature"],
        "value_selection_setting": {
            "resolution_strategy": "ORIGINAL_VALUE",
            "regex_filter": {"pattern": slot_type["regexFilter"]},
        },
    }


def _slot(name: str, slot: dict[str, str]) -> aws_native.lex.BotSlotArgsDict:
    return {
        "name": name,
        "description": slot["description"],
        "slot_type_name": slot["slotType"],
        "value_elicitation_setting": {
            "slot_constraint": "Optional",
            "prompt_specification": {
                "max_retries": SLOT_PROMPT_RETRIES,
                "message_groups_list": [
                    {"message": {"plain_text_message": {"value": slot["elicitationPrompt"]}}}
                ],
            },
        },
    }
