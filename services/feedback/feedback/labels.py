"""Plain-Chinese wording shown to citizens and written into reports."""

from __future__ import annotations

CATEGORY = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
    "other": "其他",
}

CHANNEL = {
    "phone": "电话",
    "station": "社区服务站",
    "web": "网站",
    "app": "移动应用",
    "mailbox": "信箱",
    "open311": "开放接口",
}

SATISFACTION = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}

OUTCOME = {
    "direct": "当场答复办结",
    "satisfied": "群众满意",
    "basically_satisfied": "群众基本满意",
    "unsatisfied": "群众不满意（非承办单位原因）",
    "unreachable": "多次回访未联系上",
    "escalated": "已提交督办",
}

STATUS = {
    "pending": "已登记",
    "received": "已受理，正在派单",
    "duplicate": "已并入相同诉求一并办理",
    "awaiting_dispatch": "正在安排承办单位",
    "dispatched": "已派发至承办单位，等待签收",
    "forwarded": "已转交相关单位知悉",
    "signed": "承办单位已签收，正在办理",
    "in_progress": "承办单位已与您联系，正在办理",
    "paused": "暂停办理（待条件具备后恢复）",
    "replied": "承办单位已答复，等待回访",
    "awaiting_rehandle": "您对办理结果不满意，正在安排重新办理",
    "rehandling": "重新办理中",
    "closed": "已办结",
}


def label(table: dict[str, str], key: str | None) -> str | None:
    if key is None:
        return None
    return table.get(key, key)
