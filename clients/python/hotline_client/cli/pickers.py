"""Numbered pickers for `case new`: walk the topic catalogue and the area tree instead of
remembering codes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.prompt import IntPrompt

from ..models import AreaList, TopicList
from .common import console


def pick(title: str, choices: Sequence[tuple[str, str]], *, optional: bool = False) -> str | None:
    console.print(f"[bold]{title}[/bold]" + ("（0 = 不填）" if optional else ""))
    for number, (code, label) in enumerate(choices, start=1):
        console.print(f"  {number:>2}. {label} [dim]{code}[/dim]")
    low = 0 if optional else 1
    numbers = [str(n) for n in range(low, len(choices) + 1)]
    answer = IntPrompt.ask("请输入序号", choices=numbers, show_choices=False, console=console)
    return None if answer == 0 else choices[answer - 1][0]


def pick_topic(topics: TopicList) -> str:
    active = [t for t in topics.topics if t.active]
    parent: str | None = None
    while True:
        level = [t for t in active if t.parent_code == parent]
        code = pick("选择事项" if parent is None else "选择下一级事项", [(t.code, t.name) for t in level])
        chosen = next(t for t in active if t.code == code)
        if chosen.selectable:
            return chosen.code
        parent = chosen.code


def pick_area(areas: AreaList) -> dict[str, str]:
    """district, street, community codes; the caller may stop at any level (0)."""
    chosen: dict[str, str] = {}
    parent: str | None = None
    for level, label in (("district", "区"), ("street", "街道"), ("community", "社区")):
        options = [(a.code, a.name) for a in areas.areas if a.active and a.level == level and a.parent_code == parent]
        if not options:
            break
        code = pick(f"选择{label}", options, optional=True)
        if code is None:
            break
        chosen[f"{level}_code"] = code
        parent = code
    return chosen
