"""A unit's reply with photos (办结照片): checked by content, stored without EXIF, announced to feedback."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from dispatch.config import DispatchSettings
from hotline_shared.storage import LocalStore, StorageSettings
from hotline_shared.testing.photos import heic_with_gps, jpeg_with_gps, metadata_left

from .kit import Kit


@pytest.fixture
def settings(settings: DispatchSettings, tmp_path: Path) -> DispatchSettings:
    return settings.model_copy(update={"media": StorageSettings(local_dir=tmp_path / "media"), "photo_max_count": 2})


async def test_reply_photos_are_stored_clean_and_travel_with_the_reply_event(kit: Kit, tmp_path: Path) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    await kit.ok(order, "sign")
    await kit.ok(order, "contact", {"note": "已电话联系群众"})

    not_a_photo = base64.b64encode(b"%PDF-1.7 a scanned letter").decode()
    refused = await kit.act(order, "reply", {"result": "已清理占道摊贩", "solved": True, "photos": [not_a_photo, "@@"]})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.photos.1"]
    refused = await kit.act(order, "reply", {"result": "已清理占道摊贩", "solved": True, "photos": [not_a_photo]})
    assert refused.status_code == 422
    assert "JPEG、PNG 或 HEIC" in refused.json()["errors"][0]["message"]
    assert (await kit.events("order.replied", case_no)) == []

    photos = [base64.b64encode(jpeg_with_gps()).decode(), base64.b64encode(heic_with_gps()).decode()]
    replied = await kit.ok(
        order,
        "reply",
        {"result": "已清理占道摊贩", "solved": True, "photos": photos, "photos_publishable": True},
    )
    assert replied["status"] == "awaiting_callback"
    event = (await kit.events("order.replied", case_no))[0]
    announced = event.payload["photos"]
    assert [(p["source"], p["publishable"], p["content_type"]) for p in announced] == [
        ("unit", True, "image/jpeg"),
        ("unit", True, "image/jpeg"),
    ]
    store = LocalStore(tmp_path / "media")
    for p in announced:
        stored = await store.get(p["object_key"])
        assert stored is not None
        assert metadata_left(stored) == {}
        assert await store.get(p["thumb_key"]) is not None


async def test_a_reply_without_photos_is_unchanged(kit: Kit) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    await kit.handle_to_reply(order)
    event = (await kit.events("order.replied", case_no))[0]
    assert event.payload["photos"] == []
