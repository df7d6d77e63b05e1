"""The composite score's weights come from configuration (DISPATCH_SUPERVISION__SCORE_WEIGHTS)."""

from __future__ import annotations

import pytest
from dispatch.config import DispatchSettings
from pydantic import ValidationError

from ..kit import SUPERVISOR, Kit, at


@pytest.fixture
def settings(settings: DispatchSettings, monkeypatch: pytest.MonkeyPatch) -> DispatchSettings:
    # Only on-time sign-for counts, three times as much as the (inverted) return rate.
    monkeypatch.setenv("DISPATCH_SUPERVISION__SCORE_WEIGHTS", '{"sign_on_time_rate": 3, "return_rate": 1}')
    monkeypatch.setenv("DISPATCH_SUPERVISION__RANKING_MIN_VOLUME", "1")
    from_env = DispatchSettings()
    return settings.model_copy(update={"supervision": from_env.supervision})


async def test_the_score_uses_the_configured_weights(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 09:00"))
    signed = await kit.lead(await kit.receive())  # 城管
    late = await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ"))  # 人社局
    await kit.ok(signed, "sign")
    kit.clock.set(at("2026-11-04 09:00"))  # a day after the sign-for deadline
    await kit.ok(late, "sign")

    r = await kit.client.get("/api/v1/supervision/rankings", params={"month": "2026-11"}, headers=SUPERVISOR)
    body = r.json()
    assert body["weights"] == {"sign_on_time_rate": 3, "return_rate": 1}
    # (3·1 + 1·(1 − 0)) / 4 = 100 and (3·0 + 1·1) / 4 = 25; nothing else is weighed.
    assert [(u["unit_id"], u["score"]) for u in body["units"]] == [("U-CG-001", 100.0), ("U-RS-001", 25.0)]


def test_unknown_or_meaningless_weights_are_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ('{"speed": 1}', '{"sign_on_time_rate": -1}', '{"sign_on_time_rate": 0}'):
        monkeypatch.setenv("DISPATCH_SUPERVISION__SCORE_WEIGHTS", bad)
        with pytest.raises(ValidationError):
            DispatchSettings()
