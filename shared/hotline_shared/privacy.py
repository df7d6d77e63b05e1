"""Personal data handling used everywhere: phone normalisation and masking for public output.

Public responses (case lookup, public board) show a caller as ``张*`` / ``138****5678`` and a
location only down to the community. Keeping the rules in one module means every service masks
the same way, and tests can scan public output with ``contains_personal_data``.

Error messages never echo the rejected number: they end up in problem+json bodies and logs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Common two-character surnames (复姓). Ambiguous pairs whose first character is itself a common
# surname (钟离, 单于, 万俟) are left out: reading 钟离华 as 钟 + 离华 reveals one character less.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
        "司徒", "夏侯", "端木", "独孤", "西门", "南宫", "轩辕", "澹台", "呼延", "赫连", "申屠", "公冶",
        "宗政", "濮阳", "太叔", "拓跋", "司空", "闻人", "百里", "东郭", "左丘", "公羊", "谷梁", "乐正",
        "闾丘", "第五", "亓官", "司寇", "仲孙", "巫马", "公西", "颛孙", "壤驷", "公良", "漆雕", "梁丘",
    }
)  # fmt: skip

MASKED_PHONE = "****"

_SEPARATORS = "-().\u2010\u2011\u2012\u2013\u2014\u2212"
_PHONE_CHARS_RE = re.compile(r"\+?[0-9\s" + re.escape(_SEPARATORS) + r"]+")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_AREA_CODE_RE = re.compile(r"0(?:10|2\d|[3-9]\d\d)")
# 110/120, 12345/10086, 95588/962288. Kept narrow so a truncated mobile (138, 138123) is an error
# rather than a "service number".
_SHORT_SERVICE_RE = re.compile(r"1[12]\d|1[0-2]\d{3}|9\d{4,5}")
_TOLL_FREE_RE = re.compile(r"[48]00\d{7}")  # 400/800 company numbers


def mask_name(name: str | None) -> str | None:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``, ``John Smith`` → ``J********``; blank → None."""
    if name is None:
        return None
    # Whitespace is dropped so the mask does not reveal how a name splits into words.
    compact = "".join(name.split())
    if not compact:
        return None
    if len(compact) == 1:
        return "*"
    keep = 2 if len(compact) >= 3 and compact[:2] in COMPOUND_SURNAMES else 1
    return compact[:keep] + "*" * (len(compact) - keep)


def _reject(reason_zh: str, reason_en: str) -> ValueError:
    return ValueError(f"无效的电话号码：{reason_zh} / invalid phone number: {reason_en}")


def _landline(national: str) -> str:
    """``national`` starts with the trunk 0; split it by the numbering plan into area + local."""
    if national.startswith("00"):
        raise _reject("仅支持中国大陆号码", "only mainland China numbers are supported")
    if len(national) < 3:
        raise _reject("号码太短", "the number is too short")
    # Area codes are 010, 02x (two digits after the 0) and 0[3-9]xx (three digits after the 0).
    area_length = 3 if national[1] in "12" else 4
    area, local = national[:area_length], national[area_length:]
    if not _AREA_CODE_RE.fullmatch(area):
        raise _reject("区号无效", "unknown area code")
    if not 7 <= len(local) <= 8:
        raise _reject(
            "固定电话应为区号（0加2–3位）加7–8位号码",
            "a landline is an area code (0 and 2-3 digits) followed by a 7-8 digit number",
        )
    return f"{area}-{local}"


def _mobile(digits: str) -> str:
    if len(digits) != 11 or not _MOBILE_RE.fullmatch(digits):
        raise _reject("手机号应为11位且以13–19开头", "a mobile number has 11 digits and starts with 13-19")
    return digits


def normalize_phone(raw: str, *, default_area_code: str | None = None) -> str:
    """Normalise a Chinese phone number to one canonical text form.

    Mobiles become 11 digits (``13812345678``), landlines ``0571-87654321``, short service numbers
    (``110``, ``12345``, ``95588``) and 400/800 numbers stay bare digits. ``+86``/``0086``/``86``
    prefixes, spaces, dashes, dots, brackets and full-width characters are accepted. A 7–8 digit
    local number is accepted only when ``default_area_code`` (e.g. ``"0571"``) says which city.

    Raises ValueError (Chinese and English message) for anything else.
    """
    if not isinstance(raw, str):
        raise TypeError(f"phone number must be text, got {type(raw).__name__}")
    # NFKC turns full-width digits and brackets (常见于中文输入法) into ASCII.
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise _reject("号码为空", "the number is empty")
    if not _PHONE_CHARS_RE.fullmatch(text):
        raise _reject(
            "只能包含数字、空格、“-”、括号和开头的“+”",
            "only digits, spaces, '-', brackets and a leading '+' are allowed",
        )
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise _reject("号码中没有数字", "the number contains no digits")
    groups = re.findall(r"\d+", text)

    national: str | None = None
    if text.startswith("+"):
        if not digits.startswith("86"):
            raise _reject("仅支持中国大陆号码（+86）", "only mainland China numbers (+86) are supported")
        national = digits[2:]
    elif digits.startswith("0086"):
        national = digits[4:]
    elif (groups[0] == "86" and len(groups) > 1) or (len(digits) == 13 and digits.startswith("861")):
        national = digits[2:]

    if national is not None:
        if not national:
            raise _reject("国家代码后缺少号码", "nothing follows the country code")
        if _TOLL_FREE_RE.fullmatch(national):
            return national
        if national.startswith("1") and not national.startswith("10"):
            return _mobile(national)
        # Written internationally a landline drops its trunk 0 (+86 10 …); some keep it as (0).
        return _landline(national if national.startswith("0") else "0" + national)

    if _SHORT_SERVICE_RE.fullmatch(digits):
        return digits
    if digits.startswith("1") and len(digits) >= 7:
        return _mobile(digits)
    if len(digits) == 12 and _MOBILE_RE.fullmatch(digits[1:]):
        # A long-distance 0 dialled before a mobile (from a landline in another city).
        return digits[1:]
    if digits.startswith("0"):
        return _landline(digits)
    if _TOLL_FREE_RE.fullmatch(digits):
        return digits
    if 7 <= len(digits) <= 8:
        if default_area_code is None:
            raise _reject("固定电话缺少区号", "a landline needs its area code, e.g. 0571-87654321")
        if not _AREA_CODE_RE.fullmatch(default_area_code):
            raise ValueError(f"default_area_code must look like 010 or 0571, got {default_area_code!r}")
        return f"{default_area_code}-{digits}"
    raise _reject("位数不对", "wrong number of digits")


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` → ``138****5678``, ``010-12345678`` → ``010-********``; unparseable → ``****``.

    Short service and 400/800 numbers belong to institutions, not people, and are shown as is.
    """
    if phone is None or not phone.strip():
        return None
    try:
        normalized = normalize_phone(phone)
    except ValueError:
        return MASKED_PHONE
    if "-" in normalized:
        area, local = normalized.split("-", 1)
        return f"{area}-{'*' * len(local)}"
    if _MOBILE_RE.fullmatch(normalized):
        return f"{normalized[:3]}****{normalized[7:]}"
    return normalized


def mask_address(
    address: str | None, *, community_name: str | None = None, street_name: str | None = None
) -> str | None:
    """What the public may see of a location: the community name, else the street name, else None.

    ``address`` is accepted so callers can pass a case's location as is, but it is deliberately
    never returned: free address text cannot be cut down reliably (it may hold a house number).
    """
    del address
    for name in (community_name, street_name):
        if name is not None and name.strip():
            return name.strip()
    return None


def _phone_needles(phone: str) -> set[str]:
    """Digit strings whose presence in a text would reveal ``phone``."""
    raw_digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    try:
        normalized = normalize_phone(phone)
    except ValueError:
        # Unparseable input (a foreign number, say) is still someone's number. Its last eight digits
        # are searched too because a text may quote it without the country code.
        return {raw_digits, raw_digits[-8:]} if len(raw_digits) >= 8 else set()
    if _SHORT_SERVICE_RE.fullmatch(normalized):
        return set()  # 110 or 12345 is not personal, and would match the hotline's own name
    needles = {normalized.replace("-", "")}
    if "-" in normalized:
        needles.add(normalized.split("-", 1)[1])  # the local number alone identifies a line too
    return {n for n in needles if len(n) >= 7}


def _digits_pattern(digits: str) -> re.Pattern[str]:
    # Formatted forms (138 1234 5678, 010-1234-5678) count as a leak too, and so does the number
    # inside a longer digit run (+8613812345678), hence no digit boundaries.
    sep = r"[\s\-.()\u2010-\u2014]*"
    return re.compile(sep.join(digits))


def contains_personal_data(text: str, names: Iterable[str | None] = (), phones: Iterable[str | None] = ()) -> bool:
    """Whether ``text`` (e.g. a public JSON response) contains any of the given names or phones.

    Names of one character are ignored (``张`` appears legitimately in ``张*``); phone numbers are
    matched in every canonical form, with or without separators.
    """
    haystack = unicodedata.normalize("NFKC", text)
    folded = haystack.casefold()
    for name in names:
        if name is None:
            continue
        for form in {name.strip(), "".join(name.split())}:
            if len(form) >= 2 and form.casefold() in folded:
                return True
    for phone in phones:
        if phone is None or not phone.strip():
            continue
        for needle in _phone_needles(phone):
            if _digits_pattern(needle).search(haystack):
                return True
    return False
