"""The public masking rules of domain.md, applied through the feedback service's one masking module."""

from __future__ import annotations

import pytest
from feedback.public.masking import PersonalData, masked_name, masked_phone, public_place, redact_text


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # a two-character name is surname + given name, even if it spells a 复姓
        (" 王 五 ", "王*"),
        ("", None),
        (None, None),
    ],
)
def test_names_keep_only_the_surname(name: str | None, masked: str | None) -> None:
    assert masked_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("010-12345678", "010-********"),
        ("0571 8765 4321", "0571-********"),
        ("12345", "12345"),  # the hotline's own number is not personal data
        ("not a number", "****"),
        (None, None),
        ("  ", None),
    ],
)
def test_phones_keep_prefix_and_last_four_landlines_only_the_area_code(phone: str | None, masked: str | None) -> None:
    assert masked_phone(phone) == masked


def test_address_is_cut_to_the_community_or_street() -> None:
    assert public_place(address="幸福路18号3栋501", community_name="幸福社区", street_name="和平街道") == "幸福社区"
    assert public_place(address="幸福路18号3栋501", community_name=None, street_name="和平街道") == "和平街道"
    assert public_place(address="幸福路18号3栋501", community_name=None, street_name=None) is None


def test_free_text_loses_the_callers_name_phone_and_address() -> None:
    person = PersonalData(name="欧阳娜娜", phone="13812345678", address="幸福路18号3栋501")
    text = "欧阳娜娜反映幸福路18号3栋501楼下噪音，回电138 1234 5678 或 010-87654321。"
    out = redact_text(text, person, place="幸福社区")
    assert out is not None
    assert "欧阳娜娜" not in out
    assert "欧阳**" in out
    assert "幸福路18号" not in out
    assert "幸福社区" in out
    assert "1234" not in out.replace("5678", "")
    assert "87654321" not in out
    assert "010-********" in out


def test_free_text_with_missing_fields_is_left_alone() -> None:
    person = PersonalData(name=None, phone=None, address=None)
    assert redact_text("路灯不亮", person) == "路灯不亮"
    assert redact_text(None, person) is None


def test_a_photo_link_sent_by_an_open311_app_stays_with_the_unit() -> None:
    person = PersonalData(name=None, phone=None, address=None)
    text = "路灯不亮，晚上很黑\n附图：https://photos.example.org/u/42/IMG_0001.jpg"
    public = redact_text(text, person)
    assert public == "路灯不亮，晚上很黑\n附图（未公开）"
