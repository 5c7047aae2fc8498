"""The composition root's overrides: what the local stack and tests use instead of patching it."""

import pytest

from runtime import bootstrap
from runtime.adapters.local_classifier import LocalIntentClassifier


@pytest.fixture(autouse=True)
def _clean():
    bootstrap.clear_overrides()
    yield
    bootstrap.clear_overrides()


def test_an_override_gives_what_its_decorator_makes_of_the_real_factory():
    seen = []

    def decorate(real):
        seen.append(real)
        return ("wrapped", real)

    bootstrap.override(bootstrap.clock, decorate)

    wrapped, real = bootstrap.clock()
    assert wrapped == "wrapped"
    assert real() is real()  # the real factory still builds once per process
    assert type(real()).__name__ == "SystemClock"
    assert len(seen) == 1


def test_clearing_the_overrides_restores_the_real_factory():
    bootstrap.override(bootstrap.clock, lambda real: "replaced")
    assert bootstrap.clock() == "replaced"

    bootstrap.clear_overrides()

    assert type(bootstrap.clock()).__name__ == "SystemClock"


def test_reset_forgets_every_factory_built_so_far():
    first = bootstrap.clock()
    bootstrap.reset()
    assert bootstrap.clock() is not first


def test_only_the_composition_roots_factories_can_be_overridden():
    with pytest.raises(ValueError, match="not a factory"):
        bootstrap.override(LocalIntentClassifier, lambda real: real())
