"""Reading a station's spreadsheet and checking rows before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotline_client.batch.columns import COLUMNS, header_for
from hotline_client.batch.rows import Catalogue, check_row
from hotline_client.batch.sheet import SheetError, read_sheet, write_errors, write_template
from hotline_client.cli.batch import EXAMPLE
from hotline_client.models import AreaList, TopicList
from openpyxl import load_workbook

# A slice of the demo catalogue, as GET /api/v1/catalog/topics and /areas answer it.
TOPICS = TopicList.model_validate(
    {
        "version": 1,
        "topics": [
            {"code": "CG", "name": "城市管理", "parent_code": None, "level": 1, "active": True,
             "selectable": False, "full_name": "城市管理"},
            {"code": "CG-SZSS", "name": "市政设施", "parent_code": "CG", "level": 2, "active": True,
             "selectable": False, "full_name": "城市管理 › 市政设施"},
            {"code": "CG-SZSS-LDGZ", "name": "路灯故障", "parent_code": "CG-SZSS", "level": 3, "active": True,
             "selectable": True, "full_name": "城市管理 › 市政设施 › 路灯故障"},
        ],
    }
)  # fmt: skip
AREAS = AreaList.model_validate(
    {
        "version": 1,
        "areas": [
            {"code": "D01", "name": "东城区", "level": "district", "parent_code": None, "active": True},
            {"code": "D01-S01", "name": "东华门街道", "level": "street", "parent_code": "D01", "active": True},
            {"code": "D01-S01-C01", "name": "多福巷社区", "level": "community", "parent_code": "D01-S01",
             "active": True},
            {"code": "D03", "name": "朝阳区", "level": "district", "parent_code": None, "active": True},
            {"code": "D03-S01", "name": "建外街道", "level": "street", "parent_code": "D03", "active": True},
        ],
    }
)  # fmt: skip
CATALOGUE = Catalogue.from_answers(TOPICS, AREAS)


def test_the_template_reads_back_as_its_example_row(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path, example=EXAMPLE)
    sheet = read_sheet(path)
    assert len(sheet.rows) == 1  # the hint row is not a case
    checked = check_row(sheet.rows[0], CATALOGUE)
    assert checked.errors == []
    assert checked.item is not None
    assert checked.item.category == "suggestion"
    assert checked.item.client_ref == "DHM-2026-0101"
    assert checked.item.location.community_code == "D01-S01-C01"


def test_a_gbk_csv_from_excel_with_names_instead_of_codes(tmp_path: Path) -> None:
    path = tmp_path / "站点.csv"
    lines = [
        "诉求类型,事项编码,诉求内容,联系电话,区,街道,社区",
        "求助,路灯故障,门口路灯坏了一个月,13800001111,东城区,东华门街道,多福巷社区",
    ]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    sheet = read_sheet(path)
    checked = check_row(sheet.rows[0], CATALOGUE)
    assert checked.errors == []
    assert checked.item is not None
    assert checked.item.topic_code == "CG-SZSS-LDGZ"
    assert (checked.item.location.district_code, checked.item.location.community_code) == ("D01", "D01-S01-C01")
    assert checked.item.channel == "station"
    assert checked.item.client_ref.startswith("row-")


def test_each_problem_names_the_column_and_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    lines = ["诉求类型,事项编码,诉求内容,区,街道,社区", "投拆,CG-SZSS,吵,D01,D03-S01,D01-S01-C01"]
    path.write_text("\n".join(lines), encoding="utf-8")
    checked = check_row(read_sheet(path).rows[0], CATALOGUE)
    assert checked.item is None
    text = "\n".join(checked.errors)
    assert "「诉求类型」“投拆”无效" in text
    assert "「事项编码」" in text
    assert "不是可选的末级事项" in text
    assert "「诉求内容」太短" in text
    assert "「社区」多福巷社区属于东华门街道（D01-S01），不属于 D03-S01" in text


def test_unknown_headers_and_missing_required_columns_are_refused_up_front(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("诉求类型,电话号码\n投诉,1\n", encoding="utf-8")
    with pytest.raises(SheetError, match="不认识的表头 电话号码"):
        read_sheet(path)
    path.write_text("诉求类型,联系电话\n投诉,1\n", encoding="utf-8")
    with pytest.raises(SheetError, match="缺少必填列 事项编码、诉求内容"):
        read_sheet(path)


def test_the_errors_file_can_be_fixed_and_imported_and_never_runs_formulas(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("诉求类型,事项编码,诉求内容\n投诉,=1+1,吵\n", encoding="utf-8")
    sheet = read_sheet(source)
    errors = tmp_path / "in.errors.xlsx"
    write_errors(errors, sheet.headers, [(sheet.rows[0], ["「诉求内容」太短"])])
    cells = list(load_workbook(errors).worksheets[0].iter_rows(values_only=True))
    assert cells[1][:2] == (2, "「诉求内容」太短")
    assert cells[1][3] == "'=1+1"  # shown as text, not computed
    again = read_sheet(errors)
    assert again.rows[0].values["category"] == "投诉"


def test_server_field_paths_map_back_to_the_column() -> None:
    assert header_for("body.items.17.caller.phone") == "联系电话"
    assert header_for("body.description") == "诉求内容"
    assert {c.header for c in COLUMNS} >= {"编号", "诉求类型", "事项编码", "诉求内容", "联系电话", "社区"}
