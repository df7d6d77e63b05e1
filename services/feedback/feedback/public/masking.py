"""The one place the feedback service turns a case into what the public may see.

Every public response (lookup, board, HTML pages) goes through these functions, which apply
`hotline_shared.privacy` (names ``张*``/``欧阳**``, phones ``138****5678``, landlines kept to
the area code, location cut to the community). Free text written by staff or the caller (the
description, the unit's reply) can quote the caller, so it is scrubbed as well.
"""

from __future__ import annotations

import re

from hotline_shared.privacy import mask_address, mask_name, mask_phone, redact_free_text

# A photo link an Open311 app sent with the request (附图：<url>, written by the gateway's adapter) is
# for the unit: a photo is shown publicly only once the unit or operator marks it publishable.
MEDIA_MARK = "附图："
_MEDIA_LINK = re.compile(re.escape(MEDIA_MARK) + r"\S+")


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


def redact_text(text: str | None, person: PersonalData, *, place: str | None = None) -> str | None:
    """Free text fit for the public (shared rules), or a notice when it cannot be made safe."""
    if text is not None:
        # Before the shared rules: a link's digits are not a phone, and the link is not public at all.
        text = _MEDIA_LINK.sub("附图（未公开）", text)
    return redact_free_text(text, names=[person.name], phones=[person.phone], addresses=[person.address], place=place)
