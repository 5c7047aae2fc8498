"""What the command line reports as one line on stderr, exiting 1: an expected failure, not a bug."""


class OpsError(Exception):
    """A stack, outputs file, emulator or request that is not there; a refusal; AWS saying no."""
