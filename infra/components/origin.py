"""OriginSecret: the value CloudFront adds to every request it sends the API (the origin header), so
the API can refuse the requests that went around CloudFront to the API's own address, skipping the
WAF's per-client limit and the security headers.

Generated once per stack (pulumi_random), kept encrypted in the stack's state, never in the
repository. The functions get it as an environment variable, not from Secrets Manager: it is no
stronger a secret than CloudFront's own configuration (where anyone who may read the distribution
sees it), the check must cost nothing before any other work, and a refused request must not cost a
call. Replacing it (`pulumi up --replace <this resource's URN>`) changes CloudFront and the functions
in one update; until CloudFront has deployed, API requests get 403.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random

# 48 characters from [A-Za-z0-9]: about 285 bits, nothing to guess.
LENGTH = 48


class OriginSecret(pulumi.ComponentResource):
    value: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:OriginSecret", name, None, opts)
        generated = random.RandomPassword(
            f"{name}-value", length=LENGTH, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        self.value = pulumi.Output.secret(generated.result)
        self.register_outputs({})
