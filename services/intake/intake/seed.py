"""`python -m intake.manage seed [--demo]`: load the catalogue files; with --demo, a few cases.

Both halves are idempotent: the catalogue is diffed against the files, and demo cases are posted
with fixed idempotency keys, so running seed twice registers nothing new.
"""

from __future__ import annotations

from datetime import timedelta

from hotline_shared.app import make_clock
from hotline_shared.db import Database
from hotline_shared.identity import Identity, Role
from hotline_shared.settings import ServiceSettings

from .batch.service import register_batch
from .cases import service as cases
from .cases.schemas import BatchCaseItem, CaseCreate
from .catalog.service import reload_catalog
from .catalog.snapshot import CatalogCache
from .config import IntakeSettings
from .outbox import make_outbox

DEMO_OPERATOR = Identity(subject="demo-operator-01", role=Role.operator)
DEMO_STATION = Identity(subject="demo-station-jiaodaokou", role=Role.station, station_id="ST-D01-S03")

DEMO_CASES: list[tuple[str, Identity, dict[str, object]]] = [
    (
        "demo-1",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "complaint",
            "topic_code": "CG-SRHJ-ZDJY",
            "title": "南池子大街早市占道",
            "description": "南池子大街北口每天早上六点起有商贩占用人行道摆摊，行人只能走机动车道，存在安全隐患。",
            "caller": {"name": "张三", "phone": "13812345678"},
            "location": {
                "district_code": "D01",
                "street_code": "D01-S01",
                "community_code": "D01-S01-C02",
                "address": "南池子大街北口",
            },
        },
    ),
    (
        "demo-2",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "complaint",
            "topic_code": "CG-SRHJ-ZDJY",
            "description": "又来反映南池子大街北口早市占道的问题，还是没有人管。",
            "caller": {"name": "张三", "phone": "+86 138 1234 5678"},
            "location": {"community_code": "D01-S01-C02"},
        },
    ),
    (
        "demo-3",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "consult",
            "topic_code": "LD-SHBX-YLBX",
            "description": "咨询灵活就业人员如何在网上缴纳城乡居民养老保险。",
            "caller": {"name": "李四", "phone": "010-65123456"},
            "direct_answer": "可登录市社保局网上服务平台或社保APP，选择“灵活就业参保缴费”，按提示办理。",
        },
    ),
    (
        "demo-4",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "praise",
            "topic_code": "ZW-GZZF-BYGZRY",
            "description": "表扬月坛街道政务服务中心窗口工作人员王老师，耐心帮老人办完了居住证。",
            "caller": {"name": "欧阳娜娜", "phone": "13900001111"},
            "location": {"district_code": "D02", "street_code": "D02-S03"},
        },
    ),
    (
        "demo-5",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "report",
            "topic_code": "SC-SPAQ-GQSP",
            "description": "举报建国里社区门口某超市长期出售过期酸奶，希望保密处理。",
            "caller": {"name": "王五", "phone": "13700002222", "confidential": True},
            "location": {"community_code": "D03-S01-C02"},
        },
    ),
    (
        "demo-6",
        DEMO_OPERATOR,
        {
            "channel": "phone",
            "category": "help",
            "topic_code": "SY-GQ-XL",
            "urgency": "urgent",
            "description": "楼道里有很重的燃气味，怀疑燃气管道泄漏，请马上派人处理。",
            "caller": {"name": "赵六", "phone": "13600003333"},
            "location": {"community_code": "D04-S01-C02", "address": "黄庄社区3号楼2单元"},
        },
    ),
]

DEMO_BATCH: list[dict[str, object]] = [
    {
        "client_ref": "JDK-2026-0001",
        "channel": "station",
        "category": "help",
        "topic_code": "ZJ-WYGL-DTGZ",
        "description": "菊儿社区12号楼电梯停运三天，楼里有多位行动不便的老人，上下楼困难。",
        "caller": {"name": "陈奶奶", "phone": "13500004444"},
        "location": {"community_code": "D01-S03-C01", "grid_code": "D01-S03-C01-G02"},
    },
    {
        "client_ref": "JDK-2026-0002",
        "channel": "station",
        "category": "suggestion",
        "topic_code": "CG-SZSS-LDGZ",
        "description": "福祥社区北侧胡同路灯太暗，建议加装路灯。",
        "caller": {"name": "刘先生", "phone": "18800005555"},
        "location": {"community_code": "D01-S03-C02"},
    },
]


async def seed(settings: ServiceSettings, demo: bool) -> str:
    assert isinstance(settings, IntakeSettings)
    clock = make_clock(settings)
    outbox = make_outbox(clock)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            result = await reload_catalog(
                session, directory=settings.catalog_dir, outbox=outbox, clock=clock, actor="seed"
            )
        message = (
            f"catalogue version {result.version} ({result.topics} topics, {result.areas} areas"
            f"{', changed' if result.changed else ', unchanged'})"
        )
        if not demo:
            return message
        catalog = CatalogCache()
        window = timedelta(days=settings.duplicate_window_days)
        statuses = []
        for key, identity, body in DEMO_CASES:
            async with db.transaction() as session:
                registration = await cases.register_case(
                    session,
                    data=CaseCreate.model_validate(body),
                    identity=identity,
                    outbox=outbox,
                    clock=clock,
                    catalog=catalog,
                    duplicate_window=window,
                    idempotency_key=key,
                )
            statuses.append(f"{registration.accepted.case_no} {registration.accepted.status.value}")
        batch = await register_batch(
            db=db,
            items=[BatchCaseItem.model_validate(item) for item in DEMO_BATCH],
            identity=DEMO_STATION,
            outbox=outbox,
            clock=clock,
            catalog=catalog,
            duplicate_window=window,
        )
        statuses += [f"{r.case.case_no} {r.case.status.value}" for r in batch.results if r.case is not None]
        return message + "; demo cases: " + ", ".join(statuses)
    finally:
        await db.dispose()
