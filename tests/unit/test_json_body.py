"""Request bodies read without trusting them: every hostile body is InvalidInput, never a crash."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.adapters.json_body import MAX_NESTING, is_json_media_type, read_json
from runtime.domain.errors import InvalidInput
from tests import hostile

HANGUL = re.compile("[가-힣]")
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _refused(data: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        read_json(data)
    assert HANGUL.search(raised.value.message)
    return raised.value


# --- each kind of hostile body, as a regression case ---------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 8000 + b"]" * 8000,
        b'{"a":' * 8000 + b"1" + b"}" * 8000,
        b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1),
    ],
    ids=["array-8000", "object-8000", "one-past-the-limit"],
)
def test_deep_nesting_is_refused_without_recursing(data):
    assert "중첩" in _refused(data).message


def test_nesting_up_to_the_limit_is_read():
    assert read_json(b"[" * MAX_NESTING + b"]" * MAX_NESTING) is not None


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"message": "[[[{{{" * 100 + '\\" [[[' * 50})
    assert read_json(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    "literal",
    ["9" * 5000, "-" + "9" * 5000, "1" * 33, "1." + "0" * 40, "1e999", "-1e999", "1E400"],
    ids=["5000-digits", "negative-5000-digits", "33-digits", "long-fraction", "1e999", "-1e999", "1E400"],
)
def test_huge_numbers_are_refused(literal):
    assert "숫자" in _refused(b'{"message": "x", "n": ' + literal.encode() + b"}").message


@pytest.mark.parametrize("literal", ["0", "-12", "3.5", "1e10", str(2**63)])
def test_ordinary_numbers_are_read(literal):
    assert read_json(f'{{"n": {literal}}}'.encode())["n"] == json.loads(literal)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(literal):
    assert "NaN" in _refused(f'{{"n": {literal}}}'.encode()).message


def test_a_duplicate_key_is_refused_and_named():
    error = _refused(b'{"message": "first", "message": "second"}')
    assert "두 번" in error.message
    assert error.field == "message"


def test_a_duplicate_key_that_is_no_field_name_is_not_echoed():
    error = _refused(json.dumps({"<script>": 1}).replace("}", ', "<script>": 2}').encode())
    assert error.field is None


def test_duplicate_keys_in_a_nested_object_are_refused():
    _refused(b'{"items": [{"a": 1, "a": 1}]}')


@pytest.mark.parametrize(
    "data",
    [
        b'{"message": "\\ud800"}',
        b'{"message": "\\udfff tail"}',
        b'{"message": "\\ud83d"}',
        b'{"\\ud800": "key"}',
        b'{"list": ["ok", "\\ude00"]}',
    ],
    ids=["high", "low", "unpaired-high-of-an-emoji", "in-a-key", "in-a-list"],
)
def test_escaped_lone_surrogates_are_refused(data):
    assert "문자" in _refused(data).message


def test_a_surrogate_pair_is_one_character_and_is_read():
    assert read_json(b'{"message": "\\ud83d\\ude00"}') == {"message": "\U0001f600"}


def test_an_escaped_backslash_before_u_is_text_not_a_surrogate():
    assert read_json(b'{"message": "\\\\ud800"}') == {"message": "\\ud800"}


@pytest.mark.parametrize(
    "data",
    [
        b'{"message": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU): invalid UTF-8
        b'{"message": "\xff\xfe"}',
        b'{"message": "\xc3"}',  # a truncated sequence
        b"\xef\xbb\xbf{}",  # UTF-8 BOM
        b"\xff\xfe{\x00}\x00",  # UTF-16 with its BOM
        "{}".encode("utf-32"),
        b"",
        b"   ",
        b"{} {}",
    ],
    ids=["encoded-surrogate", "ff-fe", "truncated", "utf8-bom", "utf16", "utf32", "empty", "blank", "two"],
)
def test_bytes_that_are_not_one_utf8_json_text_are_refused(data):
    assert _refused(data).message == "요청 본문이 올바른 JSON 형식이 아닙니다."


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON;CHARSET=UTF-8",
        'application/json; charset="utf-8"',
        "application/json;",
    ],
)
def test_json_declared_with_an_optional_utf8_charset_is_json(content_type):
    assert is_json_media_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/json; boundary=x",
        "application/jsonp",
        "application/problem+json",
    ],
)
def test_anything_else_is_not_json(content_type):
    assert not is_json_media_type(content_type)


# --- properties -----------------------------------------------------------------------------------


def _encodable(value: object) -> bool:
    """What the API does with a parsed body later: write it as strict JSON in UTF-8."""
    json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return True


@PROPERTY
@given(data=hostile.hostile_bodies)
def test_any_hostile_body_is_either_read_or_refused_in_korean(data):
    try:
        value = read_json(data)
    except InvalidInput as error:
        assert HANGUL.search(error.message)
    else:
        assert _encodable(value)


@PROPERTY
@given(data=st.binary(max_size=300))
def test_any_bytes_are_either_read_or_refused(data):
    try:
        value = read_json(data)
    except InvalidInput:
        return
    assert _encodable(value)


@PROPERTY
@given(text=hostile.json_texts)
def test_what_is_read_is_what_the_standard_parser_reads(text):
    """Where both parsers accept a text they agree: the checks refuse, they never change a value."""
    try:
        value = read_json(text.encode())
    except InvalidInput:
        return
    assert value == json.loads(text)


@PROPERTY
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_every_ordinary_json_value_is_read_back_unchanged(value):
    assert read_json(json.dumps(value).encode()) == value
    assert read_json(json.dumps(value, ensure_ascii=False).encode()) == value
