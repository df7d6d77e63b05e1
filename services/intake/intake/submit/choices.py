"""What the form offers: leaf topics by their full name, communities grouped by district and street."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog.snapshot import CatalogSnapshot


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class Group:
    label: str
    choices: list[Choice]


def topic_choices(catalog: CatalogSnapshot) -> list[Choice]:
    leaves = [
        code
        for code, node in catalog.topics.items()
        if catalog.topic_usable(code) and not catalog.active_children(code) and node.level > 1
    ]
    return sorted((Choice(code, catalog.topic_full_name(code) or code) for code in leaves), key=lambda c: c.label)


def topic_code_for(catalog: CatalogSnapshot, text: str) -> str:
    """The citizen picks a full name from the list (or types a code); anything else is left for
    validation to refuse by name."""
    text = text.strip()
    if text in catalog.topics:
        return text
    for choice in topic_choices(catalog):
        if choice.label == text:
            return choice.code
    return text[:40]


def area_groups(catalog: CatalogSnapshot) -> list[Group]:
    groups = []
    for street in sorted(catalog.areas.values(), key=lambda a: a.code):
        if street.level != "street" or not street.active:
            continue
        communities = [
            Choice(a.code, a.name)
            for a in sorted(catalog.areas.values(), key=lambda a: a.code)
            if a.parent_code == street.code and a.level == "community" and a.active
        ]
        district = catalog.area_name(street.parent_code) or ""
        if communities:
            groups.append(Group(f"{district} · {street.name}", communities))
    return groups


def area_chain(catalog: CatalogSnapshot, community_code: str) -> tuple[str | None, str | None]:
    """(district, street) above a community, so the form needs only the one picker."""
    community = catalog.areas.get(community_code)
    street = catalog.areas.get(community.parent_code) if community and community.parent_code else None
    return (street.parent_code if street else None), (street.code if street else None)
