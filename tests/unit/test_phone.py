"""Korean mobile numbers: every way people write one is the same E.164 number; logs never show it whole."""

import re

import pytest

from runtime.domain.errors import InvalidInput
from runtime.domain.phone import mask_phone, mask_phones_in, normalize_phone, same_phone

E164 = "+821012345678"


@pytest.mark.parametrize(
    "written",
    [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "010.1234.5678",
        "(010) 1234-5678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "+82 010 1234 5678",
        "82 10 1234 5678",
        "821012345678",
        "  010-1234-5678  ",
    ],
)
def test_every_written_form_of_a_mobile_number_is_one_e164_number(written):
    assert normalize_phone(written) == E164


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("011-234-5678", "+82112345678"),
        ("016-2345-6789", "+821623456789"),
        ("019-876-5432", "+82198765432"),
    ],
)
def test_older_mobile_prefixes_keep_their_own_digits(written, e164):
    assert normalize_phone(written) == e164


@pytest.mark.parametrize(
    "written",
    [
        "０１０-１２３４-５６７８",
        "010-１２３４-５６７８",
    ],
    ids=["all-full-width", "mixed-width"],
)
def test_full_width_digits_from_a_korean_keyboard_are_the_same_ascii_number(written):
    assert normalize_phone(written) == E164


@pytest.mark.parametrize(
    "written",
    [
        "02-123-4567",  # Seoul landline
        "031-123-4567",  # Gyeonggi landline
        "1588-1234",  # business number
        "070-1234-5678",  # internet phone
        "010-123-456",  # two digits short
        "010-12345-67890",  # too long
        "0101234567890",
        "012-3456-7890",  # no such mobile prefix
        "+1 202 555 0142",  # not Korean
        "+82 2 123 4567",  # Korean landline in international form
        "010-1234-56a8",
        "",
        "   ",
    ],
)
def test_landlines_short_long_and_foreign_numbers_are_rejected_in_korean(written):
    with pytest.raises(InvalidInput) as raised:
        normalize_phone(written)
    assert raised.value.field == "customerPhone"
    assert "휴대전화 번호 형식이 올바르지 않습니다" in raised.value.message


def test_normalized_numbers_are_plus_82_and_ascii_digits_only():
    for written in ("010-1234-5678", "+82 10 1234 5678", "011-234-5678"):
        assert re.fullmatch(r"\+82[0-9]{9,10}", normalize_phone(written))


def test_same_phone_compares_written_forms():
    assert same_phone("010-1234-5678", "+821012345678")
    assert same_phone("+82 10 1234 5678", "01012345678")
    assert not same_phone("010-1234-5678", "010-1234-5679")


def test_same_phone_is_false_rather_than_an_error_for_a_malformed_number():
    assert not same_phone("02-123-4567", "02-123-4567")
    assert not same_phone("", "010-1234-5678")


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+821012345678", "+8210****5678"),
        ("+82112345678", "+8211***5678"),
    ],
)
def test_mask_phone_keeps_country_prefix_and_last_four_digits(e164, masked):
    assert mask_phone(e164) == masked


def test_mask_phone_hides_a_too_short_value_entirely():
    assert mask_phone("+8210") == "****"


@pytest.mark.parametrize(
    "written",
    [
        "010-1234-5678",
        "01012345678",
        "010 1234 5678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        "+821012345678",
        "82-10-1234-5678",
        "010.1234.5678",
        "(010) 1234-5678",
    ],
)
def test_mask_phones_in_hides_every_accepted_form_inside_free_text(written):
    masked = mask_phones_in(f"고객 {written} 에게 연락")
    assert "+8210****5678" in masked
    assert "1234" not in masked


def test_mask_phones_in_masks_every_number_and_leaves_other_text_alone():
    text = "partner 010-9876-5432 customer +82 10 1234 5678 예약 HTL-100101 at 2026-12-01"
    assert mask_phones_in(text) == (
        "partner +8210****5432 customer +8210****5678 예약 HTL-100101 at 2026-12-01"
    )
