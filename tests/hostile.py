"""Hostile request bodies and header values as hypothesis strategies, shared by every tier that sends them.

Bodies are built as text (then bytes), not from Python values: a 5,000-digit number, `NaN`, a
duplicate key or an escaped lone surrogate cannot be produced by `json.dumps`, and those are the
bodies that used to crash the API.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Number literals no payload needs: huge, non-finite or not JSON at all.
_ODD_NUMBERS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1E400",
    "-0",
    "0.0e-999",
    "01",
    "1.",
    ".5",
)
_ODD_STRINGS = (
    '"\\ud800"',
    '"\\udfff"',
    '"a\\ud83d"',
    '"\\ude00b"',
    '"\\ud83d\\ude00"',  # a proper pair: fine
    '"\\u0000"',
    '"\\\\ud800"',  # an escaped backslash, then text: fine
)
_KEYS = ("message", "token", "response", "customerPhone", "reservationNumber", "a", "")
_CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
    'application/json; charset="utf-8"',
    "application/json; charset=latin-1",
    "application/json; boundary=x",
    "application/jsonx",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/problem+json",
    "",
    ";",
    "application/json;;",
)

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=1, max_value=6_000).map(lambda digits: "9" * digits),
    st.sampled_from(_ODD_NUMBERS),
)
strings = st.one_of(
    st.text(max_size=40).map(json.dumps),
    st.text(max_size=40).map(lambda text: json.dumps(text, ensure_ascii=False)),
    st.sampled_from(_ODD_STRINGS),
)
keys = st.one_of(st.sampled_from(_KEYS).map(json.dumps), strings)
scalars = st.one_of(numbers, strings, st.sampled_from(("true", "false", "null")))


def _array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}"


json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(_array),
        st.lists(st.tuples(keys, children), max_size=4).map(_object),
    ),
    max_leaves=12,
)
deep_values = st.builds(
    lambda depth, opener: opener[0] * depth + "1" + opener[1] * depth,
    st.integers(min_value=1, max_value=9_000),
    st.sampled_from((("[", "]"), ('{"a":', "}"), ('[{"a":', "}]"))),
)


json_objects = st.lists(st.tuples(keys, json_values), max_size=5).map(_object)
json_texts = st.one_of(json_values, json_objects, deep_values)
# Text that is JSON or nearly: cut short, with a BOM, in another encoding, or any bytes at all.
hostile_bodies = st.one_of(
    json_texts.map(str.encode),
    st.tuples(json_texts, st.sampled_from(("utf-16", "utf-16-le", "utf-32"))).map(
        lambda pair: pair[0].encode(pair[1])
    ),
    json_texts.map(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
    st.tuples(json_texts, st.integers(min_value=0, max_value=50)).map(
        lambda pair: pair[0].encode("utf-8")[: pair[1]]
    ),
    st.binary(max_size=200),
    st.sampled_from((b"", b"\xed\xa0\x80", b'{"message": "\xed\xa0\x80"}', b'{"message": "\xff"}')),
)


def _one_header_line(value: bytes) -> bool:
    return b"\r" not in value and b"\n" not in value


content_types = st.one_of(st.sampled_from(_CONTENT_TYPES), st.text(max_size=30))
# Header values as an event could carry them, and as a client could put them on the wire (no CR/LF).
header_texts = st.text(max_size=40)
header_bytes = st.binary(max_size=40).filter(_one_header_line)
wire_content_types = content_types.map(str.encode).filter(_one_header_line)
