"""Demo units and routing rules, matching intake's demo catalogue (intake/catalog/data/*.csv).

Topics 教育 (JY) and 其他 (QT) deliberately have no rule: their cases land in the operator's
manual dispatch queue, which is part of the walkthrough.
"""

from __future__ import annotations

from typing import Any

UNITS: list[dict[str, Any]] = [
    {"unit_id": "U-CG-001", "name": "城管执法局", "kind": "department"},
    {"unit_id": "U-RS-001", "name": "人社局", "kind": "department"},
    {"unit_id": "U-ZJ-001", "name": "住房城乡建设委", "kind": "department"},
    {"unit_id": "U-HB-001", "name": "生态环境局", "kind": "department"},
    {"unit_id": "U-SC-001", "name": "市场监管局", "kind": "department"},
    {"unit_id": "U-JT-001", "name": "交通委", "kind": "department"},
    {"unit_id": "U-WJ-001", "name": "卫生健康委", "kind": "department"},
    {"unit_id": "U-ZW-001", "name": "政务服务管理局", "kind": "department"},
    {"unit_id": "U-SW-001", "name": "自来水集团（水务）", "kind": "utility"},
    {"unit_id": "U-GD-001", "name": "供电公司", "kind": "utility"},
    {"unit_id": "U-RQ-001", "name": "燃气集团", "kind": "utility"},
    {"unit_id": "U-RL-001", "name": "热力集团", "kind": "utility"},
    {"unit_id": "U-D01-CGW", "name": "东城区城市管理委员会", "kind": "district", "district_code": "D01"},
    {"unit_id": "U-JD-D01S01", "name": "东城区东华门街道办事处", "kind": "street", "district_code": "D01"},
    {"unit_id": "U-JD-D03S01", "name": "朝阳区建外街道办事处", "kind": "street", "district_code": "D03"},
]

# (topic or None, area level, area code or None, lead, co-units)
RULES: list[tuple[str | None, str, str | None, str, list[str]]] = [
    ("CG", "any", None, "U-CG-001", []),
    ("CG-SZSS", "district", "D01", "U-D01-CGW", []),
    ("CG-SRHJ-ZDJY", "street", "D01-S01", "U-JD-D01S01", ["U-CG-001"]),
    ("CG-SRHJ-LJDF", "community", "D03-S01-C01", "U-JD-D03S01", []),
    ("HB", "any", None, "U-HB-001", []),
    ("HB-ZSWR-SGZS", "any", None, "U-HB-001", ["U-ZJ-001"]),
    ("JT", "any", None, "U-JT-001", []),
    ("ZJ", "any", None, "U-ZJ-001", []),
    ("SY-GS", "any", None, "U-SW-001", []),
    ("SY-GD", "any", None, "U-GD-001", []),
    ("SY-GQ", "any", None, "U-RQ-001", []),
    ("SY-GR", "any", None, "U-RL-001", []),
    ("LD", "any", None, "U-RS-001", []),
    ("SC", "any", None, "U-SC-001", []),
    ("WS", "any", None, "U-WJ-001", []),
    ("ZW", "any", None, "U-ZW-001", []),
]
