"""Personal data handling used everywhere: phone normalisation and masking for public output.

Public responses (case lookup, public board) show a caller as ``张*`` / ``138****5678`` and a
location only down to the community. Keeping the rules in one module means every service masks
the same way, and tests can scan public output with ``contains_personal_data``.

Error messages never echo the rejected number: they end up in problem+json bodies and logs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

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

    Names of one character are ignored (``张`` appears legitimately in ``张*``); names match in any
    spacing or punctuation; phone numbers are matched in every canonical form, with or without
    separators, in full-width digits or Chinese numerals.
    """
    # Folded (NFKC, zero-width characters dropped) so 钱 多多 and full-width digits count as leaks.
    folded = _fold(text)[0]
    for name in names:
        if name is None:
            continue
        pattern = name_pattern(name)
        if pattern is not None and pattern.search(folded):
            return True
    haystack = folded.translate(_NUMERALS)
    for phone in phones:
        if phone is None or not phone.strip():
            continue
        for needle in _phone_needles(phone):
            if _digits_pattern(needle).search(haystack):
                return True
    return False


# --- Free text for the public -----------------------------------------------------------------
#
# Descriptions and replies are typed by people, so the caller's data turns up in every form a
# keyboard allows: full-width digits (１３６…), a space or a dot inside a name (钱 多多), a zero-width
# character, a flat number without its street (3号楼1单元502). Matching runs on a folded copy of
# the text (NFKC, format characters dropped) whose positions map back to the original, so the
# public sees the original punctuation with only the personal parts replaced.

WITHHELD_TEXT = "（内容涉及个人信息，不予公开）"
MASKED_HOUSE_NUMBER = "**"

# Chinese numerals count as digits: 幺三八… spells a phone number as well as 138… does.
_DIGIT = r"[0-9〇零一二三四五六七八九幺两]"
_DIGIT_GLUE = r"[\s\-.()/·_,]*"
_DIGIT_RUN_RE = re.compile(rf"{_DIGIT}(?:{_DIGIT_GLUE}{_DIGIT})*")
# Runs this long are phone numbers, ID cards (18), bank cards or the like; dates and sums are shorter.
_MIN_PERSONAL_DIGITS = 7
# A case number (20261123-000009) is public on the board already.
_CASE_NO_RE = re.compile(r"20\d{6}-\d{6}")
_NUMERALS = str.maketrans("〇零一二三四五六七八九幺两", "0012345678912")

_HOUSE_NUM = r"[0-9A-Za-z〇零一二三四五六七八九十百两]{1,5}"
# 号楼/单元/室… on their own point at a home; 号, 楼, 层, 座 only inside a chain (3号线, 3楼 are harmless).
_STRONG_UNITS = ("号院", "号楼", "栋", "幢", "单元", "室", "户")
_HOUSE_TOKEN = rf"{_HOUSE_NUM}\s*(?:号院|号楼|号|栋|幢|座|单元|层|楼(?![下上前后里内外道梯顶])|室|户|门)"
_HOUSE_CHAIN_RE = re.compile(
    rf"(?<![0-9A-Za-z]){_HOUSE_TOKEN}(?:[\s\-,、]*{_HOUSE_TOKEN})*(?:[\s\-]*(?P<tail>[0-9]{{2,5}})(?:室|户|房)?)?"
)
_DASHED_FLAT_RE = re.compile(r"(?<![0-9\-])[0-9]{1,3}-[0-9]{1,3}-[0-9]{2,4}(?![0-9\-])")
# What people put inside a name to break it up, but never the ``*`` of a masked name.
_NAME_GLUE = r"(?:(?!\*)[\W_]){0,3}"


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC, casefolded, format characters dropped; ``index[i]`` is the original position of folded ``i``."""
    folded: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cf":
            continue  # zero-width spaces and joiners hide nothing from a reader
        for out in unicodedata.normalize("NFKC", char).casefold():
            folded.append(out)
            index.append(position)
    return "".join(folded), index


def _replace_spans(text: str, pattern: re.Pattern[str], replacement: Callable[[re.Match[str]], str | None]) -> str:
    """Replace ``pattern``'s matches in the folded text at their original positions.

    ``replacement`` returns None to leave a match as it is.
    """
    folded, index = _fold(text)
    edits: list[tuple[int, int, str]] = []
    for match in pattern.finditer(folded):
        if match.end() == match.start():
            continue
        new = replacement(match)
        if new is not None:
            edits.append((index[match.start()], index[match.end() - 1] + 1, new))
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text


def name_pattern(name: str) -> re.Pattern[str] | None:
    """Matches ``name`` in folded text in any spacing or punctuation (钱 多多, 钱·多多); None if too short."""
    compact = "".join(ch for ch in _fold(name)[0] if ch.isalnum())
    if len(compact) < 2:
        return None  # one character (张) appears legitimately in 张*
    return re.compile(_NAME_GLUE.join(re.escape(ch) for ch in compact))


def _mask_digit_run(match: re.Match[str]) -> str | None:
    run = match.group(0)
    digits = re.sub(r"\D", "", run.translate(_NUMERALS))
    if len(digits) < _MIN_PERSONAL_DIGITS or _CASE_NO_RE.fullmatch(run):
        return None
    if _MOBILE_RE.fullmatch(digits):
        return f"{digits[:3]}****{digits[7:]}"
    try:
        normalized = normalize_phone(digits if "-" not in run else run)
    except ValueError:
        return MASKED_PHONE
    if "-" in normalized:
        return mask_phone(normalized)
    return MASKED_PHONE  # 400/800 numbers stay readable when written as such, but not inside a run


def _mask_house(match: re.Match[str]) -> str | None:
    found = match.group(0)
    if match.group("tail") or any(unit in found for unit in _STRONG_UNITS):
        return MASKED_HOUSE_NUMBER
    return None


def redact_free_text(
    text: str | None,
    *,
    names: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    addresses: Iterable[str | None] = (),
    place: str | None = None,
) -> str | None:
    """Free text fit for the public, or ``WITHHELD_TEXT`` when it cannot be made safe.

    The given addresses become ``place`` (the community), the given names their masked form in any
    spacing, every phone- or ID-like digit run (7+ digits, full-width or Chinese numerals included)
    is masked, and building/unit/room numbers become ``**``. Whatever still matches the caller's
    data afterwards withholds the whole text.
    """
    if text is None:
        return None
    name_list = [n for n in names if n and n.strip()]
    phone_list = [p for p in phones if p and p.strip()]
    address_list = [a for a in addresses if a and len("".join(a.split())) >= 4]
    out = text
    for address in address_list:
        compact = "".join(ch for ch in _fold(address)[0] if not ch.isspace())
        pattern = re.compile(r"\s*".join(re.escape(ch) for ch in compact))
        out = _replace_spans(out, pattern, lambda _m: place or "（地址已隐去）")
    for name in name_list:
        found = name_pattern(name)
        if found is not None:
            masked = mask_name(name) or "*"
            out = _replace_spans(out, found, lambda _m, masked=masked: masked)  # type: ignore[misc]
    out = _replace_spans(out, _DIGIT_RUN_RE, _mask_digit_run)
    out = _replace_spans(out, _DASHED_FLAT_RE, lambda _m: MASKED_HOUSE_NUMBER)
    out = _replace_spans(out, _HOUSE_CHAIN_RE, _mask_house)
    if contains_personal_data(out, names=name_list, phones=phone_list) or any(
        a in _fold(out)[0] for a in (_fold(a)[0] for a in address_list)
    ):
        return WITHHELD_TEXT
    return out
