"""The Pulumi program's parts.

- `infra/components/`: the Pulumi components, one per file.
- `infra/` itself: their helpers (stack settings, IAM documents, grants, the function archive, the
  dashboard body) and the sample reservations.
- `infra/offline/`: the program under Pulumi's mocks (`make plan`, the infra tests).

The Pulumi-free definitions the local stack shares with AWS (routes, the state machine, site
settings) are in `definitions/`, so the local stack never imports this package.
"""
