"""The Pulumi components: one `ComponentResource` per concern, each `(name, args, opts=None)`.

`__main__.py` reads the stack's settings and wires these together; the plain helpers they share
(settings, IAM documents, the function archive) live one level up in `infra/`.
"""
