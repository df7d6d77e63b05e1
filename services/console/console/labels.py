"""Chinese words for the API's codes, as staff read them on the wall screen and at their desks."""

from __future__ import annotations

ROLE = {"operator": "话务员", "station": "社区服务站", "unit": "承办单位", "supervisor": "督办员", "admin": "管理员"}
STATUS = {
    "dispatched": "待签收", "signed": "已签收", "contacted": "已联系", "reopened": "重办中", "paused": "已暂停",
    "awaiting_callback": "待回访", "replied": "已答复", "returned": "已退单", "withdrawn": "已撤回",
    "escalated": "已升级", "closed": "已办结", "pending": "待审批", "approved": "已批准", "rejected": "已驳回",
}  # fmt: skip
CATEGORY = {
    "consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议", "praise": "表扬",
    "other": "其他",
}  # fmt: skip
URGENCY = {"normal": "一般", "urgent": "紧急", "utilities": "水电气热"}
LIGHT = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
DEADLINE = {"sign": "签收期限", "contact": "联系期限", "reply": "办理期限"}
URGE = {"remind": "催办", "supervise": "督办", "listed": "挂牌督办"}
ACTION = {
    "sign": "签收", "return": "退单", "contact": "先行联系", "request_extension": "申请延期",
    "request_pause": "申请暂停", "resume": "恢复办理", "reply": "办结答复",
}  # fmt: skip
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def word(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "—"
    return table.get(code, code)
