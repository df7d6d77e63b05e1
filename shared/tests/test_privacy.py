"""Masking and phone normalisation: what the public may see of a caller."""

from __future__ import annotations

import json

import pytest
from hotline_shared.privacy import (
    COMPOUND_SURNAMES,
    contains_personal_data,
    mask_address,
    mask_name,
    mask_phone,
    normalize_phone,
    redact_free_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st


class TestMaskName:
    @pytest.mark.parametrize(
        ("name", "masked"),
        [
            ("张三", "张*"),
            ("张小明", "张**"),
            ("王", "*"),
            ("欧阳娜娜", "欧阳**"),
            ("欧阳娜", "欧阳*"),
            ("司马相如", "司马**"),
            ("上官婉儿", "上官**"),
            ("诸葛亮", "诸葛*"),
            ("东方朔", "东方*"),
            ("皇甫嵩", "皇甫*"),
            ("尉迟恭", "尉迟*"),
            ("慕容复", "慕容*"),
            ("令狐冲", "令狐*"),
            ("长孙无忌", "长孙**"),
            ("端木蓉", "端木*"),
            ("独孤求败", "独孤**"),
            ("欧阳", "欧*"),  # two characters: surname 欧 + given name, nothing left to hide otherwise
            ("  张 三 ", "张*"),
            ("John Smith", "J********"),
            ("alice", "a****"),
            ("J", "*"),
            ("买买提·艾力", "买*****"),
        ],
    )
    def test_masks(self, name: str, masked: str) -> None:
        assert mask_name(name) == masked

    @pytest.mark.parametrize("name", [None, "", "   ", "\t\n"])
    def test_missing_name_stays_missing(self, name: str | None) -> None:
        assert mask_name(name) is None

    def test_the_required_compound_surnames_are_known(self) -> None:
        required = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
                    "司徒", "夏侯", "端木", "独孤"}  # fmt: skip
        assert required <= COMPOUND_SURNAMES
        assert all(len(s) == 2 for s in COMPOUND_SURNAMES)

    @settings(max_examples=200, deadline=None)
    @given(
        st.text(st.characters(exclude_characters="*"), min_size=2, max_size=12).filter(
            lambda s: len("".join(s.split())) >= 2
        )
    )
    def test_a_masked_name_never_contains_the_full_name(self, name: str) -> None:
        masked = mask_name(name)
        compact = "".join(name.split())
        assert masked is not None
        assert len(masked) == len(compact)
        assert masked.endswith("*")
        assert compact not in masked


class TestNormalizePhone:
    @pytest.mark.parametrize(
        ("raw", "normalized"),
        [
            ("13812345678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("86-13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
            ("013812345678", "13812345678"),  # long-distance 0 dialled before a mobile
            ("19912345678", "19912345678"),
            ("010-12345678", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("(0571)87654321", "0571-87654321"),
            ("（0571）87654321", "0571-87654321"),
            ("0571 8765 4321", "0571-87654321"),
            ("0571-8765432", "0571-8765432"),  # 7-digit local numbers exist in smaller cities
            ("021-6123 4567", "021-61234567"),
            ("+86 10 12345678", "010-12345678"),
            ("+86 571 87654321", "0571-87654321"),
            ("+86 (0)571 87654321", "0571-87654321"),
            ("0086-21-61234567", "021-61234567"),
            ("12345", "12345"),
            ("110", "110"),
            ("120", "120"),
            ("95588", "95588"),
            ("400-810-8888", "4008108888"),
            ("  13812345678  ", "13812345678"),
            ("138\t1234\u30005678", "13812345678"),  # tab and ideographic space
            ("962288", "962288"),
        ],
    )
    def test_accepts(self, raw: str, normalized: str) -> None:
        assert normalize_phone(raw) == normalized

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            ("", "号码为空"),
            ("   ", "号码为空"),
            ("abc", "只能包含数字"),
            ("138abcd5678", "只能包含数字"),
            ("138 1234 567x", "只能包含数字"),
            ("13812345678 ext 5", "只能包含数字"),
            ("1381234567", "手机号应为11位"),  # 10 digits
            ("138123456789", "手机号应为11位"),  # 12 digits
            ("12812345678", "以13–19开头"),
            ("10812345678", "以13–19开头"),
            ("+1 415 555 2671", "仅支持中国大陆号码"),
            ("+86", "国家代码后缺少号码"),
            ("001 415 555 2671", "仅支持中国大陆号码"),
            ("0111234567", "区号无效"),
            ("010-123456", "固定电话应为"),
            ("0571-876543210", "固定电话应为"),
            ("66778899", "缺少区号"),
            ("12", "位数不对"),
            ("2345", "位数不对"),
            ("1234", "位数不对"),
            ("138123", "位数不对"),
            ("138", "位数不对"),
            ("13812", "位数不对"),
            ("138-1234-5678+1", "只能包含数字"),
            ("-", "没有数字"),
            # Found by the fuzzer (a station batch with phone "0"): an IndexError, i.e. a 500.
            ("0", "号码太短"),
            ("01", "号码太短"),
            ("(0)", "号码太短"),
        ],
    )
    def test_rejects_with_a_bilingual_message(self, raw: str, reason: str) -> None:
        with pytest.raises(ValueError, match="invalid phone number") as caught:
            normalize_phone(raw)
        message = str(caught.value)
        assert reason in message
        assert "无效的电话号码" in message
        digits = "".join(c for c in raw if c.isdigit())
        if len(digits) >= 5:
            assert digits not in message  # error messages end up in logs: never echo the number

    def test_a_local_number_takes_the_configured_area_code(self) -> None:
        assert normalize_phone("87654321", default_area_code="0571") == "0571-87654321"
        assert normalize_phone("8765-432", default_area_code="010") == "010-8765432"
        with pytest.raises(ValueError, match="default_area_code"):
            normalize_phone("87654321", default_area_code="571")

    @settings(max_examples=500, deadline=None)
    @given(st.text(alphabet="0123456789+-() 　８６", max_size=20))
    def test_any_text_is_either_a_number_or_a_clear_refusal(self, raw: str) -> None:
        # Operators type anything; the only acceptable failure is the bilingual ValueError.
        try:
            normalize_phone(raw)
        except ValueError as exc:
            message = str(exc)
        else:
            return
        assert "invalid phone number" in message

    def test_only_text_is_accepted(self) -> None:
        with pytest.raises(TypeError):
            normalize_phone(13812345678)  # type: ignore[arg-type]

    @settings(max_examples=200, deadline=None)
    @given(
        st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
        st.sampled_from(["{}", "+86 {}", "0086{}", "86-{}", "+86-{}"]),
        st.sampled_from(["", " ", "-"]),
    )
    def test_every_written_form_of_a_mobile_normalises_to_the_same_number(
        self, mobile: str, template: str, sep: str
    ) -> None:
        written = template.format(sep.join((mobile[:3], mobile[3:7], mobile[7:])))
        assert normalize_phone(written) == mobile
        assert normalize_phone(normalize_phone(written)) == mobile  # idempotent


class TestMaskPhone:
    @pytest.mark.parametrize(
        ("phone", "masked"),
        [
            ("13812345678", "138****5678"),
            ("+86 138-1234-5678", "138****5678"),
            ("010-12345678", "010-********"),
            ("(0571)87654321", "0571-********"),
            ("0571-8765432", "0571-*******"),
            ("12345", "12345"),  # the hotline's own number is not personal data
            ("not a phone", "****"),
            ("138****5678", "****"),  # already masked input stays masked
            ("12812345678", "****"),
        ],
    )
    def test_masks(self, phone: str, masked: str) -> None:
        assert mask_phone(phone) == masked

    @pytest.mark.parametrize("phone", [None, "", "  "])
    def test_missing_phone_stays_missing(self, phone: str | None) -> None:
        assert mask_phone(phone) is None

    @settings(max_examples=200, deadline=None)
    @given(st.from_regex(r"1[3-9][0-9]{9}|0(10|2[0-9]|[3-9][0-9]{2})-[2-9][0-9]{6,7}", fullmatch=True))
    def test_a_masked_phone_never_reveals_the_number(self, phone: str) -> None:
        masked = mask_phone(phone)
        assert masked is not None
        assert not contains_personal_data(masked, names=[], phones=[phone])
        assert contains_personal_data(f"tel: {phone}", names=[], phones=[phone])  # the scanner does see it


class TestMaskAddress:
    def test_shows_the_community_name(self) -> None:
        assert (
            mask_address(
                "朝阳区望京街道花家地社区西里3号楼2单元501", community_name="花家地社区", street_name="望京街道"
            )
            == "花家地社区"
        )

    def test_falls_back_to_the_street_name(self) -> None:
        assert mask_address("望京街道某小区5号楼", street_name="望京街道") == "望京街道"
        assert mask_address("望京街道某小区5号楼", community_name="  ", street_name="望京街道") == "望京街道"

    def test_never_returns_the_raw_address(self) -> None:
        assert mask_address("朝阳区望京街道花家地社区西里3号楼2单元501") is None
        assert mask_address(None) is None
        assert mask_address("") is None


class TestContainsPersonalData:
    def test_finds_a_full_name(self) -> None:
        assert contains_personal_data('{"caller": "张小明"}', names=["张小明"], phones=[])
        assert contains_personal_data("reply from Mr John Smith", names=["john smith"], phones=[])

    def test_the_masked_name_is_not_a_leak(self) -> None:
        assert not contains_personal_data('{"caller": "张**"}', names=["张小明"], phones=[])
        assert not contains_personal_data("张*", names=["张三"], phones=[])

    def test_single_character_names_are_ignored(self) -> None:
        assert not contains_personal_data("张*", names=["张"], phones=[])

    @pytest.mark.parametrize(
        "text",
        [
            "call 13812345678",
            "call 138 1234 5678",
            "call 138-1234-5678",
            "call +8613812345678",
            "call １３８１２３４５６７８",
        ],
    )
    def test_finds_a_mobile_in_any_form(self, text: str) -> None:
        assert contains_personal_data(text, names=[], phones=["+86 138-1234-5678"])

    @pytest.mark.parametrize("text", ["tel 010-12345678", "tel 01012345678", "tel 12345678", "(010) 1234 5678"])
    def test_finds_a_landline(self, text: str) -> None:
        assert contains_personal_data(text, names=[], phones=["010-12345678"])

    def test_masked_numbers_and_unrelated_digits_are_not_leaks(self) -> None:
        public = json.dumps(
            {
                "case_no": "20261122-000123",
                "caller": "张*",
                "phone": "138****5678",
                "landline": "010-********",
                "hotline": "12345",
            },
            ensure_ascii=False,
        )
        assert not contains_personal_data(public, names=["张三"], phones=["13812345678", "010-12345678"])

    def test_service_numbers_are_not_personal(self) -> None:
        assert not contains_personal_data("请拨打12345", names=[], phones=["12345"])

    def test_unparseable_phones_are_still_searched_for(self) -> None:
        assert contains_personal_data("x 5551234567 y", names=[], phones=["+1 555 123 4567"])

    def test_missing_values_are_skipped(self) -> None:
        assert not contains_personal_data("anything", names=[None, ""], phones=[None, " "])


class TestRedactFreeText:
    """Issue 19: free text for the public, whatever form the caller's data is typed in."""

    PERSON = {"names": ["钱多多"], "phones": ["13600005555"], "addresses": ["幸福路18号3栋501"]}

    @pytest.mark.parametrize(
        ("text", "public"),
        [
            ("钱 多多反映１３６００００５５５５", "钱**反映136****5555"),
            ("钱\u200b多多来电", "钱**来电"),
            ("住3号楼1单元502", "住**"),
            ("12号院3号楼501楼下很吵", "**楼下很吵"),
            ("3-1-502", "**"),
            ("身份证110101199003071234", "身份证****"),
            ("电话一三六零零零零五五五五", "电话136****5555"),
            ("幸福路18号3栋501", "幸福社区"),
            # Ordinary numbers and places stay readable.
            ("坐地铁1号线到3楼", "坐地铁1号线到3楼"),
            ("2026年10月1日前结清15000元", "2026年10月1日前结清15000元"),
            ("与工单20261123-000009合并", "与工单20261123-000009合并"),
        ],
    )
    def test_examples(self, text: str, public: str) -> None:
        assert redact_free_text(text, place="幸福社区", **self.PERSON) == public  # type: ignore[arg-type]

    @settings(max_examples=300, deadline=None)
    @given(
        glue=st.lists(st.sampled_from(["", " ", "\u3000", "·", ".", "\u200b", "-", "_"]), min_size=10, max_size=10),
        full_width=st.booleans(),
        filler=st.text(alphabet="的了路灯噪音反映请处理，。 ", max_size=8),
    )
    def test_no_spelling_of_the_name_or_phone_survives(self, glue: list[str], full_width: bool, filler: str) -> None:
        phone = "13600005555"
        if full_width:
            phone = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        spaced_phone = "".join(d + g for d, g in zip(phone, glue, strict=False)) + phone[10:]
        text = f"{filler}钱{glue[0]}多{glue[1]}多{filler}{spaced_phone}{filler}"
        out = redact_free_text(text, **self.PERSON)  # type: ignore[arg-type]
        assert out is not None
        assert not contains_personal_data(out, names=["钱多多"], phones=["13600005555"])
