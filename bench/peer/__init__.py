"""A peer to measure our chat beside: the same job written with AWS Lambda Powertools (`chat.py`).

A benchmark subject only: it is not in runtime/, no function runs it and no layer carries
Powertools (a dependency of the `bench` group, not of the project).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

MODULE = "bench.peer.chat"
HANDLER = f"{MODULE}.handler"
# What the peer's own layer would hold besides the product's (its dependencies, jmespath and
# typing_extensions, are in the Lambda runtime and in our layer already).
LAYER = frozenset({"aws_lambda_powertools"})
FUNCTION_NAME = "chat-peer"


def load() -> ModuleType:
    """The peer as a new Lambda environment loads it: a fresh module that reads the environment of
    the moment (it creates its clients at import, as Powertools' examples do)."""
    earlier = sys.modules.pop(MODULE, None)
    if earlier is not None:  # Powertools keeps metrics and their dimensions on the class, not the instance
        earlier.metrics.clear_default_dimensions()
        earlier.metrics.clear_metrics()
    return importlib.import_module(MODULE)
