"""The local stack each measuring section runs against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from local.stack import LocalStack
from runtime.domain.limits import Limits

# No flow in the bench waits this long, so no partner ever times out while being measured.
PARTNER_TIMEOUT_SECONDS = 3600


@contextmanager
def local_stack(limits: Limits | None = None) -> Iterator[LocalStack]:
    """A fresh local stack (with the product's limits unless given). moto keeps its accounts per
    process, not per server, so the account is emptied on the way out: the next section deploys the
    same names."""
    with LocalStack(
        log_level="ERROR", partner_timeout_seconds=PARTNER_TIMEOUT_SECONDS, limits=limits
    ) as stack:
        try:
            yield stack
        finally:
            stack.aws.wait_idle()
            stack.aws.reset()
