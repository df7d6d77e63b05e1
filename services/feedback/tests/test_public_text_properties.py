"""Issue 19: the caller's data typed in any form never reaches a public response or page.

Hypothesis writes descriptions, titles, answers and replies quoting the caller the way a careless
operator or a citizen would (full-width digits, Chinese numerals, a space inside the name, a flat
number without its street, an ID-card number) and every public endpoint and page is read back.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import httpx
from hotline_shared.privacy import contains_personal_data
from hotline_shared.testing import signed_headers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import MONDAY, Story
from .helpers import Bus

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE = str.maketrans("0123456789", "零一二三四五六七八九")
GLUE = st.sampled_from(["", " ", "\u3000", "·", ".", "\u200b", "-", "  "])
NUMBER = itertools.count(1)

surnames = st.sampled_from(["钱", "李", "王", "欧阳", "司马", "张"])
given_names = st.text(alphabet="多建国娜明华丽强军芳", min_size=1, max_size=2)


@st.composite
def spelled(draw: st.DrawFn, value: str) -> str:
    """``value`` with something a keyboard allows between every two characters."""
    return "".join(ch + draw(GLUE) for ch in value[:-1]) + value[-1]


@st.composite
def phone_forms(draw: st.DrawFn, phone: str) -> str:
    form = draw(st.sampled_from(["plain", "full_width", "chinese", "spaced", "plus86"]))
    if form == "full_width":
        return phone.translate(FULL_WIDTH)
    if form == "chinese":
        return phone.translate(CHINESE)
    if form == "spaced":
        return f"{phone[:3]} {phone[3:7]}-{phone[7:]}"
    if form == "plus86":
        return f"+86 {phone}"
    return phone


SHAPES = ["{a}号楼{b}单元{r}", "{a}号院{b}号楼{r}", "{a}栋{r}室", "{a}-{b}-{r}", "{a}幢{b}单元{r}室"]


@st.composite
def flats(draw: st.DrawFn) -> str:
    a, b = draw(st.integers(1, 30)), draw(st.integers(1, 9))
    room = draw(st.integers(101, 2805))
    shape = draw(
        st.sampled_from(["{a}号楼{b}单元{r}", "{a}号院{b}号楼{r}", "{a}栋{r}室", "{a}-{b}-{r}", "{a}幢{b}单元{r}室"])
    )
    return shape.format(a=a, b=b, r=room)


@dataclass
class Leak:
    name: str
    phone: str
    id_card: str
    flat: str


@st.composite
def leaks(draw: st.DrawFn) -> tuple[Leak, str, str, str]:
    name = draw(surnames) + draw(given_names)
    phone = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    id_card = draw(st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True))
    flat = draw(flats())
    leak = Leak(name=name, phone=phone, id_card=id_card, flat=flat)
    description = f"{draw(spelled(name))}反映{draw(spelled(flat))}楼下噪音，电话{draw(phone_forms(phone))}"
    title = f"{draw(spelled(name))}（{draw(phone_forms(phone))}）的诉求"
    card = id_card if draw(st.booleans()) else id_card.translate(FULL_WIDTH)
    reply = f"已联系{draw(spelled(name))}，身份证{card}，住{flat}"
    return leak, description, title, reply


def _folded_digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def assert_safe(body: str, leak: Leak, where: str) -> None:
    assert not contains_personal_data(body, names=[leak.name], phones=[leak.phone]), (where, leak)
    assert leak.id_card[:17] not in _folded_digits(body), (where, leak.id_card)
    folded = "".join(unicodedata.normalize("NFKC", body).split())
    assert leak.flat not in folded, (where, leak.flat)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=leaks())
async def test_public_text_never_shows_the_callers_data_in_any_form(
    case: tuple[Leak, str, str, str], bus: Bus, client: httpx.AsyncClient
) -> None:
    leak, description, title, reply = case
    public = signed_headers("public")  # signed now: shrinking a failure can outlast a signature
    n = next(NUMBER)
    at = MONDAY + timedelta(minutes=n)
    # One case closed at intake with the text as the answer (board, lookup, pages) and one still
    # open with the text as the unit's reply (lookup, page).
    closed = Story(f"20261123-{n:06d}", name=leak.name, phone=leak.phone, title=title, description=description)
    open_ = Story(f"20261124-{n:06d}", name=leak.name, phone=leak.phone, title=title, description=description)
    await bus.deliver(
        closed.closed_at_intake(at, answer=reply),
        open_.received(at),
        open_.dispatched(at + timedelta(seconds=1)),
        open_.replied(at + timedelta(seconds=2), result=reply),
    )
    for story in (closed, open_):
        params = {"code": story.lookup_code}
        r = await client.get(f"/api/v1/public/cases/{story.case_no}", params=params, headers=public)
        assert r.status_code == 200
        assert_safe(r.text, leak, "lookup")
        page = await client.get("/track", params={"case_no": story.case_no, **params}, headers=public)
        assert page.status_code == 200
        assert story.case_no in page.text
        assert_safe(page.text, leak, "/track")
    board = await client.get("/api/v1/public/board", params={"limit": 3}, headers=public)
    assert closed.case_no in board.text
    assert_safe(board.text, leak, "board")
    board_page = await client.get("/board", headers=public)
    assert closed.case_no in board_page.text
    assert_safe(board_page.text, leak, "/board")
