"""Citizens file cases themselves (外网申请): SMS code, photos, limits, the form page and the JSON API.

Real database, real Valkey, real object store (a local folder); only the SMS gateway, which we do
not ship, is replaced by a recorder that keeps the texts it was asked to send.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.storage import LocalStore, StorageSettings
from hotline_shared.testing import signed_headers
from hotline_shared.testing.apps import running
from hotline_shared.testing.photos import heic_with_gps, jpeg_with_gps, metadata_left, png_with_exif
from intake.config import IntakeSettings
from intake.main import create_app
from intake.photos.models import CasePhoto
from sqlalchemy import select

from .helpers import case_count, intake_events, operator, seed_catalog

CODES = "/api/v1/public/verification-codes"
PUBLIC_CASES = "/api/v1/public/cases"


class SmsRecorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_sms(self, *, phone: str, text: str) -> None:
        self.sent.append((phone, text))

    def last_code(self, phone: str) -> str:
        texts = [t for p, t in self.sent if p == phone]
        assert texts, f"no SMS went to {phone}"
        match = re.search(r"验证码为(\d{6})", texts[-1])
        assert match, texts[-1]
        return match.group(1)


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def app(settings: IntakeSettings, clock: ManualClock, media_dir: Path) -> FastAPI:
    settings = settings.model_copy(
        update={"media": StorageSettings(local_dir=media_dir), "photo_max_bytes": 200_000, "photo_max_count": 3}
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def sms(app: FastAPI) -> SmsRecorder:
    recorder = SmsRecorder()
    app.state.sms = recorder
    return recorder


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as c:
        await seed_catalog(app)
        yield c


def citizen() -> dict[str, str]:
    """The public identity the gateway signs, from an address of this test's own (limits are per address)."""
    n = uuid.uuid4().int
    return signed_headers("public", subject="public", client_ip=f"10.{n % 250}.{n // 250 % 250}.{n // 62500 % 250}")


def fresh_phone() -> str:
    return "137" + f"{uuid.uuid4().int % 10**8:08d}"


def public_body(phone: str, code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "app",
        "category": "complaint",
        "topic_code": "CG-SRHJ-ZDJY",
        "description": "小区门口长期占道经营，晚上噪音很大",
        "caller": {"name": "王小明", "phone": phone},
        "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
        "verification_code": code,
    }
    body.update(overrides)
    return body


async def ask_code(client: httpx.AsyncClient, sms: SmsRecorder, phone: str, headers: dict[str, str]) -> str:
    response = await client.post(CODES, json={"phone": phone}, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["phone_masked"] == phone[:3] + "****" + phone[-4:]
    return sms.last_code(phone)


async def test_a_citizen_files_a_case_with_a_photo_and_the_photo_is_stored_without_its_metadata(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder, media_dir: Path
) -> None:
    phone, who = fresh_phone(), citizen()
    code = await ask_code(client, sms, phone, who)
    photo = base64.b64encode(jpeg_with_gps()).decode()
    response = await client.post(
        PUBLIC_CASES,
        json=public_body(phone, code, photos=[photo]),
        headers={**who, "Idempotency-Key": "app-0001"},
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == "received"
    assert answer["track_url"] == f"/track?case_no={answer['case_no']}&code={answer['lookup_code']}"
    assert len(answer["photo_ids"]) == 1

    received = await intake_events(app, "case.received")
    assert [e.payload["channel"] for e in received] == ["app"]
    attached = await intake_events(app, "case.photos_attached")
    assert attached[0].case_no == answer["case_no"]
    stored = attached[0].payload["photos"][0]
    assert stored["publishable"] is False
    store = LocalStore(media_dir)
    data = await store.get(stored["object_key"])
    thumb = await store.get(stored["thumb_key"])
    assert data is not None
    assert thumb is not None
    assert metadata_left(data) == {}
    assert metadata_left(thumb) == {}
    assert b"HotlineTestCam" not in data

    # The network dropped the answer; the app resends: the same answer, nothing new.
    again = await client.post(
        PUBLIC_CASES,
        json=public_body(phone, code, photos=[photo]),
        headers={**who, "Idempotency-Key": "app-0001"},
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == answer
    assert await case_count(app) == 1


async def test_wrong_expired_and_reused_codes_are_refused_and_nothing_is_registered(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder, clock: ManualClock
) -> None:
    phone, who = fresh_phone(), citizen()
    code = await ask_code(client, sms, phone, who)
    wrong = "000000" if code != "000000" else "111111"

    def refused(response: httpx.Response, reason: str) -> None:
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == ["body.verification_code"]
        assert reason in errors[0]["message"]

    refused(await client.post(PUBLIC_CASES, json=public_body(phone, wrong), headers=who), "不正确")
    assert await case_count(app) == 0

    # The right code still works after one typo, once.
    ok = await client.post(PUBLIC_CASES, json=public_body(phone, code), headers=who)
    assert ok.status_code == 201, ok.text
    refused(
        await client.post(
            PUBLIC_CASES, json=public_body(phone, code, description="第二件事：路灯不亮好几天了"), headers=who
        ),
        "已经使用",
    )
    assert await case_count(app) == 1

    # The resend limit runs on Redis time, so the expiry is shown with another phone.
    other = fresh_phone()
    late = await ask_code(client, sms, other, who)
    clock.advance(timedelta(minutes=5, seconds=1))
    refused(await client.post(PUBLIC_CASES, json=public_body(other, late), headers=who), "过期")
    assert await case_count(app) == 1


async def test_a_bad_field_keeps_the_code_and_a_mistyped_code_is_locked_after_five_tries(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder
) -> None:
    phone, who = fresh_phone(), citizen()
    code = await ask_code(client, sms, phone, who)
    bad = await client.post(PUBLIC_CASES, json=public_body(phone, code, topic_code="NO-SUCH"), headers=who)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.topic_code"]
    for _ in range(5):
        wrong = await client.post(
            PUBLIC_CASES, json=public_body(phone, "999999" if code != "999999" else "888888"), headers=who
        )
        assert wrong.status_code == 422
    locked = await client.post(PUBLIC_CASES, json=public_body(phone, code), headers=who)
    assert locked.status_code == 422
    assert "次数过多" in locked.json()["errors"][0]["message"]
    assert await case_count(app) == 0


async def test_codes_are_limited_per_phone_and_per_address(
    client: httpx.AsyncClient, sms: SmsRecorder, clock: ManualClock
) -> None:
    phone, who = fresh_phone(), citizen()
    await ask_code(client, sms, phone, who)
    again = await client.post(CODES, json={"phone": phone}, headers=who)
    assert again.status_code == 429
    assert "频繁" in again.json()["detail"]
    assert int(again.headers["Retry-After"]) >= 1
    # From one address, many phones: the address runs out (20 an hour by default).
    statuses = [(await client.post(CODES, json={"phone": fresh_phone()}, headers=who)).status_code for _ in range(20)]
    assert statuses.count(202) == 19
    assert statuses[-1] == 429
    not_mobile = await client.post(CODES, json={"phone": "010-12345678"}, headers=citizen())
    assert not_mobile.status_code == 422
    assert not_mobile.json()["errors"][0]["field"] == "body.phone"


async def test_photos_are_checked_by_content_and_counted(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder, media_dir: Path
) -> None:
    phone, who = fresh_phone(), citizen()
    code = await ask_code(client, sms, phone, who)
    fake = base64.b64encode(b"GIF89a this is not a photo at all").decode()
    big = base64.b64encode(jpeg_with_gps(size=(3000, 3000), color=(1, 2, 3)) + b"\0" * 200_000).decode()
    response = await client.post(PUBLIC_CASES, json=public_body(phone, code, photos=[fake, big]), headers=who)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "JPEG、PNG 或 HEIC" in errors["body.photos.0"]
    assert "超过" in errors["body.photos.1"]
    too_many = [base64.b64encode(png_with_exif()).decode()] * 4
    response = await client.post(PUBLIC_CASES, json=public_body(phone, code, photos=too_many), headers=who)
    assert response.status_code == 422
    assert "最多上传3张" in response.json()["errors"][0]["message"]
    assert await case_count(app) == 0
    assert not media_dir.exists() or not any(media_dir.rglob("*.jpg"))

    # HEIC from an iPhone is taken, and kept as JPEG that every browser shows.
    heic = base64.b64encode(heic_with_gps()).decode()
    response = await client.post(PUBLIC_CASES, json=public_body(phone, code, photos=[heic]), headers=who)
    assert response.status_code == 201, response.text
    async with app.state.db.transaction() as session:
        photo = await session.scalar(select(CasePhoto))
    assert photo is not None
    assert (photo.received_type, photo.content_type) == ("image/heic", "image/jpeg")


async def test_an_operator_decides_which_photos_are_public(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder
) -> None:
    phone, who = fresh_phone(), citizen()
    code = await ask_code(client, sms, phone, who)
    photo = base64.b64encode(jpeg_with_gps()).decode()
    answer = (await client.post(PUBLIC_CASES, json=public_body(phone, code, photos=[photo]), headers=who)).json()
    case_no, photo_id = answer["case_no"], answer["photo_ids"][0]
    listed = await client.get(f"/api/v1/cases/{case_no}/photos", headers=operator())
    assert [p["publishable"] for p in listed.json()["items"]] == [False]
    url = f"/api/v1/cases/{case_no}/photos/{photo_id}/publication"
    assert (await client.put(url, json={"publishable": True}, headers=who)).status_code == 403
    decided = await client.put(url, json={"publishable": True}, headers=operator())
    assert decided.status_code == 200
    assert decided.json()["publishable"] is True
    assert decided.json()["decided_by"] == "test-operator"
    events = await intake_events(app, "case.photo_publication_changed")
    assert [(e.payload["photo_id"], e.payload["publishable"]) for e in events] == [(photo_id, True)]
    missing = await client.put(
        f"/api/v1/cases/{case_no}/photos/{'0' * 32}/publication", json={"publishable": True}, headers=operator()
    )
    assert missing.status_code == 404


async def test_the_submission_page_takes_a_form_with_a_photo_and_refuses_robots_and_big_bodies(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder
) -> None:
    phone, who = fresh_phone(), citizen()
    page = await client.get("/submit", headers=who)
    assert page.status_code == 200
    assert ("占道经营" in page.text and "多福巷社区" in page.text) or "<optgroup" in page.text
    assert "cdn" not in page.text.lower()
    assert "<script" not in page.text

    sent = await client.post("/submit/code", data={"phone": phone}, headers=who)
    assert sent.status_code == 200
    assert "验证码已发送至 " + phone[:3] + "****" + phone[-4:] in sent.text
    code = sms.last_code(phone)

    form = {
        "category": "complaint",
        "topic": "城市管理 › 市容环境 › 占道经营",
        "community_code": "D01-S01-C01",
        "description": "小区门口长期占道经营，晚上噪音很大",
        "name": "王小明",
        "phone": phone,
        "verification_code": code,
        "website": "http://spam.example",
    }
    photo = {"photos": ("IMG_0001.jpg", jpeg_with_gps(), "image/jpeg")}
    robot = await client.post("/submit", data=form, files=photo, headers=who)
    assert robot.status_code == 400
    assert "不应填写" in robot.text
    assert await case_count(app) == 0

    form["website"] = ""
    wrong = await client.post("/submit", data={**form, "verification_code": "12345x"}, headers=who)
    assert wrong.status_code == 422
    assert "验证码不正确" in wrong.text
    assert 'value="王小明"' in wrong.text  # what was typed is kept

    done = await client.post("/submit", data=form, files=photo, headers=who)
    assert done.status_code == 201, done.text
    case_no = re.search(r'id="case-no">([\d-]+)<', done.text)
    lookup = re.search(r'id="lookup-code">(\w+)<', done.text)
    assert case_no
    assert lookup
    assert f'href="/track?case_no={case_no.group(1)}&amp;code={lookup.group(1)}"' in done.text
    assert "已收到照片 1 张" in done.text
    received = await intake_events(app, "case.received")
    assert [e.payload["channel"] for e in received] == ["web"]
    assert received[0].payload["location"]["district_code"] == "D01"

    huge = await client.post(
        "/submit",
        data=form,
        files=[("photos", (f"{i}.jpg", b"\xff\xd8\xff" + b"\0" * 300_000, "image/jpeg")) for i in range(4)],
        headers=who,
    )
    assert huge.status_code == 413
    assert "超过" in huge.text
    assert await case_count(app) == 1


async def test_the_page_refuses_an_expired_code_in_plain_chinese(
    client: httpx.AsyncClient, app: FastAPI, sms: SmsRecorder, clock: ManualClock
) -> None:
    phone, who = fresh_phone(), citizen()
    assert (await client.post("/submit/code", data={"phone": phone}, headers=who)).status_code == 200
    clock.advance(timedelta(minutes=5, seconds=1))
    form = {
        "category": "help",
        "topic": "ZJ-WYGL-DTGZ",
        "community_code": "D01-S01-C01",
        "description": "5号楼电梯停运两天，楼里有多位老人上下楼困难。",
        "name": "王桂芳",
        "phone": phone,
        "verification_code": sms.last_code(phone),
    }
    expired = await client.post("/submit", data=form, headers=who)
    assert expired.status_code == 422
    assert "验证码已过期，请重新获取" in expired.text
    assert await case_count(app) == 0
