"""The one place the feedback service turns a case into what the public may see.

Every public response (lookup, board, HTML pages) goes through these functions, which apply
`hotline_shared.privacy` (names ``张*``/``欧阳**``, phones ``138****5678``, landlines kept to
the area code, location cut to the community). Free text written by staff or the caller (the
description, the unit's reply) can quote the caller, so it is scrubbed as well.
"""

from __future__ import annotations

import re

from hotline_shared.privacy import mask_address, mask_name, mask_phone

# Anything shaped like a mobile or a landline, with the separators people type.
# A photo link an Open311 app sent with the request (附图：<url>, written by the gateway's adapter) is
# for the unit: a photo is shown publicly only once the unit or operator marks it publishable.
MEDIA_MARK = "附图："
_MEDIA_LINK = re.compile(re.escape(MEDIA_MARK) + r"\S+")
_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")


class PersonalData:
    """The caller's personal data of one case, as recorded by intake."""

    def __init__(self, *, name: str | None, phone: str | None, address: str | None) -> None:
        self.name = name
        self.phone = phone
        self.address = address


def masked_name(name: str | None) -> str | None:
    return mask_name(name)


def masked_phone(phone: str | None) -> str | None:
    return mask_phone(phone)


def public_place(*, address: str | None, community_name: str | None, street_name: str | None) -> str | None:
    return mask_address(address, community_name=community_name, street_name=street_name)


def _mask_phone_match(match: re.Match[str]) -> str:
    return mask_phone(match.group(0)) or "****"


def redact_text(text: str | None, person: PersonalData, *, place: str | None = None) -> str | None:
    """Free text fit for the public: the caller's name, any phone number and the address masked."""
    if text is None:
        return None
    out = text
    if person.address and len(person.address.strip()) >= 4:
        out = out.replace(person.address.strip(), place or "（地址已隐去）")
    if person.name:
        compact = "".join(person.name.split())
        masked = mask_name(compact) or "*"
        for form in {person.name.strip(), compact}:
            if len(form) >= 2:
                out = out.replace(form, masked)
    out = _MEDIA_LINK.sub("附图（未公开）", out)
    out = _PHONE_LIKE.sub(_mask_phone_match, out)
    if person.phone:
        digits = re.sub(r"\D", "", person.phone)
        if len(digits) >= 7:
            # The caller's own number in any spacing ("138 1234 5678", "1381234-5678").
            spaced = re.compile(r"[\s\-.()]*".join(digits[-8:]))
            out = spaced.sub("****", out)
    return out
