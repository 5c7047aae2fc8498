"""Adapters: ports, and the outside world (AWS, HTTP events, logs, metrics) mapped onto the domain."""
