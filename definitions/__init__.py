"""Definitions shared by the Pulumi program and the local stack, free of Pulumi: the API's routes and
schemas, the state machine, the site's settings, files and headers, the Bedrock model rules.

`infra/` builds AWS resources from them; `local/` serves the same routes and runs the same state
machine; neither defines them twice. Nothing here imports Pulumi or `infra` (a test checks).
"""
