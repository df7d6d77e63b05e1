"""The topic catalogue and area tree: served to everyone, edited in data files, reloaded by an admin."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.testing import signed_headers
from hotline_shared.testing.apps import running
from intake.config import IntakeSettings
from intake.main import create_app

from .helpers import CASES, case_body, intake_events, operator, seed_catalog

TOPICS = "/api/v1/catalog/topics"
AREAS = "/api/v1/catalog/areas"
RELOAD = "/api/v1/catalog/reload"
ADMIN = signed_headers("admin")


@pytest.fixture
def catalog_dir(settings: IntakeSettings, tmp_path: Path) -> Path:
    """An editable copy of the shipped data files, as an operator would keep them."""
    target = tmp_path / "catalog"
    shutil.copytree(settings.catalog_dir, target)
    return target


@pytest.fixture
def editable_app(settings: IntakeSettings, clock: ManualClock, catalog_dir: Path) -> FastAPI:
    return create_app(settings.model_copy(update={"catalog_dir": catalog_dir}), clock=clock)


@pytest.fixture
async def editable(editable_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(editable_app) as c:
        await seed_catalog(editable_app)
        yield c


def _drop_line(path: Path, starts_with: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(starts_with)]
    assert len(kept) == len(lines) - 1, f"expected exactly one line starting with {starts_with!r}"
    path.write_text("".join(kept), encoding="utf-8")


async def test_the_demo_catalogue_has_three_levels_of_chinese_topics(client: httpx.AsyncClient) -> None:
    body = (await client.get(TOPICS, headers=signed_headers("public"))).json()
    topics = {t["code"]: t for t in body["topics"]}
    assert len(topics) >= 40
    assert Counter(t["level"] for t in topics.values()).keys() >= {1, 2, 3}
    leaf = topics["CG-SRHJ-ZDJY"]
    assert leaf["name"] == "占道经营"
    assert topics[leaf["parent_code"]]["name"] == "市容环境"
    assert topics[topics[leaf["parent_code"]]["parent_code"]]["name"] == "城市管理"
    # Every parent named by a topic is itself in the catalogue, one level up.
    for t in topics.values():
        if t["parent_code"]:
            assert topics[t["parent_code"]]["level"] == t["level"] - 1


async def test_the_area_tree_nests_communities_in_streets_in_districts(client: httpx.AsyncClient) -> None:
    areas = {a["code"]: a for a in (await client.get(AREAS, headers=signed_headers("public"))).json()["areas"]}
    parent_level = {"street": "district", "community": "street"}
    assert {a["level"] for a in areas.values()} == {"district", "street", "community"}
    for area in areas.values():
        if area["level"] == "district":
            assert area["parent_code"] is None
        else:
            assert areas[area["parent_code"]]["level"] == parent_level[area["level"]]
    assert areas["D01-S01-C01"]["parent_code"] == "D01-S01"


async def test_a_retired_topic_disappears_and_new_cases_on_it_are_refused(
    editable: httpx.AsyncClient, editable_app: FastAPI, catalog_dir: Path
) -> None:
    before = (await editable.get(TOPICS, headers=ADMIN)).json()["version"]
    _drop_line(catalog_dir / "topics.csv", "CG-SRHJ-ZDJY,")

    reloaded = await editable.post(RELOAD, headers=ADMIN)
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["changed"] is True
    assert reloaded.json()["deactivated"] == ["CG-SRHJ-ZDJY"]
    assert reloaded.json()["version"] == before + 1

    listed = (await editable.get(TOPICS, headers=ADMIN)).json()
    assert "CG-SRHJ-ZDJY" not in {t["code"] for t in listed["topics"]}
    # Kept, inactive, so that old cases still show their topic's name.
    with_retired = (await editable.get(TOPICS, params={"include_inactive": "true"}, headers=ADMIN)).json()
    assert {t["code"]: t["active"] for t in with_retired["topics"]}["CG-SRHJ-ZDJY"] is False

    refused = await editable.post(CASES, json=case_body(), headers=operator())
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.topic_code"]
    assert "已停用" in refused.json()["errors"][0]["message"]

    # Dispatch and feedback learn of it from the event, not from intake's tables.
    announced = (await intake_events(editable_app, "catalog.updated"))[-1]
    assert announced.payload["version"] == before + 1
    assert {t["code"]: t["active"] for t in announced.payload["topics"]}["CG-SRHJ-ZDJY"] is False


async def test_a_broken_file_loads_nothing_and_names_the_problem(
    editable: httpx.AsyncClient, editable_app: FastAPI, catalog_dir: Path
) -> None:
    before = (await editable.get(TOPICS, headers=ADMIN)).json()
    events_before = len(await intake_events(editable_app, "catalog.updated"))
    topics_file = catalog_dir / "topics.csv"
    # A new topic whose parent does not exist, next to an otherwise valid change (a renamed topic).
    text = topics_file.read_text(encoding="utf-8").replace("占道经营", "占道经营（含流动摊贩）")
    topics_file.write_text(text + "CG-XX-YY,孤立事项,CG-XX,true\n", encoding="utf-8")

    refused = await editable.post(RELOAD, headers=ADMIN)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "nothing was loaded" in refused.json()["detail"]
    assert any("topics.csv" in e["field"] for e in refused.json()["errors"])

    after = (await editable.get(TOPICS, headers=ADMIN)).json()
    assert after == before
    assert len(await intake_events(editable_app, "catalog.updated")) == events_before


async def test_reloading_unchanged_files_keeps_the_version_but_announces_it_again(
    editable: httpx.AsyncClient, editable_app: FastAPI
) -> None:
    version = (await editable.get(TOPICS, headers=ADMIN)).json()["version"]
    again = await editable.post(RELOAD, headers=ADMIN)
    assert again.json()["changed"] is False
    assert again.json()["version"] == version
    # A consumer that lost its copy catches up on the next reload.
    assert (await intake_events(editable_app, "catalog.updated"))[-1].payload["version"] == version


@pytest.mark.parametrize("role", ["operator", "station", "unit", "supervisor", "public"])
async def test_only_an_admin_may_reload(editable: httpx.AsyncClient, role: str) -> None:
    response = await editable.post(RELOAD, headers=signed_headers(role))
    assert response.status_code == 403
