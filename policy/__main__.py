"""The policy pack's entry point: `pulumi preview --policy-pack policy` runs this folder.

Constructing PolicyPack starts the analyzer server the Pulumi CLI talks to and never returns, so it
happens here only; the rules live in rules.py, where tests import them. The CLI runs this folder as
a script (`python -m pulumi.policy <engine> <this folder>`), with the folder first on the path, so its
modules import by their own names.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import POLICIES

PolicyPack(name="partner-confirm", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
