"""Pulumi components, and the plain definitions (state machine, routes) the local stack shares.

Importing this package imports nothing from Pulumi: `state_machine` and `routes` are plain Python.
"""
