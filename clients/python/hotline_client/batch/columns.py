"""The import spreadsheet's columns: Chinese headers (English API names also accepted) and the
Chinese words people type for categories, channels and urgency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str  # what the template shows
    field: str  # the API field, dotted for nested ones
    required: bool
    hint: str  # the template's second row: what to type


COLUMNS: tuple[Column, ...] = (
    Column("编号", "client_ref", False, "本站自己的编号，可不填；填了则按编号防重"),
    Column("渠道", "channel", False, "默认 社区服务站"),
    Column("诉求类型", "category", True, "咨询/求助/投诉/举报/建议/表扬/其他"),
    Column("事项编码", "topic_code", True, "事项目录中的末级编码，如 CG-SZSS-LDGZ"),
    Column("标题", "title", False, "可不填"),
    Column("诉求内容", "description", True, "至少5个字"),
    Column("来电人", "caller.name", False, "姓名"),
    Column("联系电话", "caller.phone", False, "手机或带区号的固定电话"),
    Column("保密", "caller.confidential", False, "是/否，默认否"),
    Column("区", "location.district_code", False, "区编码或名称，如 D01"),
    Column("街道", "location.street_code", False, "街道编码或名称"),
    Column("社区", "location.community_code", False, "社区编码或名称"),
    Column("网格", "location.grid_code", False, "可不填"),
    Column("详细地址", "location.address", False, "可不填"),
    Column("紧急程度", "urgency", False, "一般/紧急/水电气热，默认一般"),
)

BY_HEADER: dict[str, Column] = {c.header: c for c in COLUMNS} | {c.field: c for c in COLUMNS}
BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}

CATEGORIES = {
    "咨询": "consult",
    "求助": "help",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
    "表扬": "praise",
    "其他": "other",
}
CHANNELS = {
    "电话": "phone",
    "社区服务站": "station",
    "服务站": "station",
    "网站": "web",
    "网页": "web",
    "app": "app",
    "手机应用": "app",
    "信箱": "mailbox",
    "open311": "open311",
}
URGENCIES = {"一般": "normal", "普通": "normal", "紧急": "urgent", "水电气热": "utilities"}
YES = {"是", "y", "yes", "true", "1", "保密"}
NO = {"否", "n", "no", "false", "0", ""}


def header_for(api_field: str) -> str:
    """The column a server field path belongs to: body.items.3.caller.phone -> 联系电话."""
    parts = api_field.split(".")
    if len(parts) > 3 and parts[:2] == ["body", "items"]:
        parts = parts[3:]
    elif parts and parts[0] == "body":
        parts = parts[1:]
    dotted = ".".join(parts)
    column = BY_FIELD.get(dotted)
    return column.header if column else dotted
