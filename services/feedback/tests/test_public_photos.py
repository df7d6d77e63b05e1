"""Photos on the citizen's progress lookup: only publishable ones, only with the lookup code, clean."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from feedback.config import FeedbackSettings
from hotline_shared.photos import clean_photo, photo_event
from hotline_shared.storage import LocalStore, StorageSettings
from hotline_shared.testing import signed_headers
from hotline_shared.testing.photos import jpeg_with_gps, metadata_left

from .factories import MONDAY, Story, envelope
from .helpers import Bus

H = timedelta(hours=1)
PUBLIC = signed_headers("public", client_ip="203.0.113.41")


@pytest.fixture
def settings(settings: FeedbackSettings, tmp_path: Path) -> FeedbackSettings:
    return settings.model_copy(update={"media": StorageSettings(local_dir=tmp_path / "media")})


async def stored_photo(tmp_path: Path, case_no: str, *, source: str, publishable: bool) -> dict[str, object]:
    """A photo as intake or dispatch stores and announces it."""
    photo = clean_photo(jpeg_with_gps(), max_bytes=10**7)
    photo_id = uuid.uuid4().hex
    key, thumb = f"cases/{case_no}/{photo_id}.jpg", f"cases/{case_no}/{photo_id}-thumb.jpg"
    store = LocalStore(tmp_path / "media")
    await store.put(key, photo.data, content_type=photo.content_type)
    await store.put(thumb, photo.thumbnail, content_type="image/jpeg")
    return photo_event(photo_id, key, thumb, photo, source=source, publishable=publishable)


async def test_photos_show_once_published_and_only_to_the_holder_of_the_code(
    bus: Bus, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    story = Story("20261123-000700", name="赵子龙", phone="13922223333")
    citizen_photo = await stored_photo(tmp_path, story.case_no, source="citizen", publishable=False)
    await bus.deliver(
        story.received(MONDAY),
        envelope(
            "intake",
            "case.photos_attached",
            story.case_no,
            MONDAY,
            {"case_no": story.case_no, "photos": [citizen_photo]},
        ),
    )
    lookup = f"/api/v1/public/cases/{story.case_no}"
    photo_url = f"{lookup}/photos/{citizen_photo['photo_id']}"
    body = (await client.get(lookup, params={"code": "K7M2QX"}, headers=PUBLIC)).json()
    assert body["photos"] == []
    hidden = await client.get(photo_url, params={"code": "K7M2QX"}, headers=PUBLIC)
    assert hidden.status_code == 404

    await bus.deliver(
        envelope(
            "intake",
            "case.photo_publication_changed",
            story.case_no,
            MONDAY + H,
            {
                "case_no": story.case_no,
                "photo_id": citizen_photo["photo_id"],
                "publishable": True,
                "decided_by": "op-1",
                "decided_at": (MONDAY + H).isoformat(),
            },
        )
    )
    body = (await client.get(lookup, params={"code": "K7M2QX"}, headers=PUBLIC)).json()
    assert [(p["photo_id"], p["source"]) for p in body["photos"]] == [(citizen_photo["photo_id"], "citizen")]
    shown = await client.get(photo_url, params={"code": "K7M2QX"}, headers=PUBLIC)
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert metadata_left(shown.content) == {}
    thumb = await client.get(photo_url, params={"code": "K7M2QX", "size": "thumb"}, headers=PUBLIC)
    assert thumb.status_code == 200
    assert len(thumb.content) < len(shown.content)
    wrong = await client.get(photo_url, params={"code": "AAAAAA"}, headers=PUBLIC)
    assert wrong.status_code == 404
    other = await client.get(
        f"/api/v1/public/cases/20261123-000999/photos/{citizen_photo['photo_id']}",
        params={"code": "K7M2QX"},
        headers=PUBLIC,
    )
    assert other.status_code == 404

    # The unit's reply photos come with its reply, shown when the unit marked them publishable.
    unit_photo = await stored_photo(tmp_path, story.case_no, source="unit", publishable=True)
    secret_photo = await stored_photo(tmp_path, story.case_no, source="unit", publishable=False)
    replied = story.replied(MONDAY + 3 * H)
    replied.payload["photos"] = [unit_photo, secret_photo]
    await bus.deliver(story.dispatched(MONDAY + 2 * H), replied)
    body = (await client.get(lookup, params={"code": "K7M2QX"}, headers=PUBLIC)).json()
    assert sorted(p["source"] for p in body["photos"]) == ["citizen", "unit"]
    page = await client.get("/track", params={"case_no": story.case_no, "code": "K7M2QX"}, headers=PUBLIC)
    assert page.text.count('class="photos"') == 1
    assert page.text.count("<img ") == 2
