"""Use cases: plain functions that take their ports as keyword arguments."""
