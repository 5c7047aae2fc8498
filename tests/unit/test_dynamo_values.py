"""DynamoDB typed values, held to boto3's own TypeSerializer and TypeDeserializer."""

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from runtime.adapters.dynamo_values import from_attribute_value, to_attribute_value

numbers = st.one_of(
    st.integers(min_value=-(10**37), max_value=10**37),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20))
sets = st.one_of(
    st.frozensets(st.text(max_size=10), min_size=1, max_size=5),
    st.frozensets(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=5),
)
values = st.recursive(
    st.one_of(scalars, sets),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _sorted_sets(typed):
    """Sets have no order: compare their members sorted."""
    if isinstance(typed, dict):
        return {k: sorted(v) if k in ("SS", "NS") else _sorted_sets(v) for k, v in typed.items()}
    if isinstance(typed, list):
        return [_sorted_sets(v) for v in typed]
    return typed


@given(values)
def test_values_are_typed_as_boto3_types_them(value):
    assert _sorted_sets(to_attribute_value(value)) == _sorted_sets(TypeSerializer().serialize(value))


@given(values)
def test_typed_values_read_back_as_boto3_reads_them(value):
    typed = TypeSerializer().serialize(value)
    assert from_attribute_value(typed) == TypeDeserializer().deserialize(typed)


def test_numbers_come_back_as_decimals_with_every_digit():
    typed = to_attribute_value(12345678901234567890123456789012345678)
    assert typed == {"N": "12345678901234567890123456789012345678"}
    assert from_attribute_value(typed) == Decimal("12345678901234567890123456789012345678")


@pytest.mark.parametrize(
    "value",
    [1.5, Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), b"bytes", object(), frozenset()],
)
def test_what_dynamodb_cannot_hold_is_refused(value):
    with pytest.raises(TypeError):
        to_attribute_value(value)


def test_a_number_dynamodb_would_round_is_refused_rather_than_rounded():
    with pytest.raises(ArithmeticError):
        to_attribute_value(Decimal("1." + "1" * 40))


def test_a_typed_value_names_exactly_one_type():
    with pytest.raises(TypeError):
        from_attribute_value({})
    with pytest.raises(TypeError):
        from_attribute_value({"S": "a", "N": "1"})
    with pytest.raises(TypeError):
        from_attribute_value({"B": b"x"})
