"""The daily bulletin (每日通报) written out in Chinese from the summary figures."""

from __future__ import annotations

from .schemas import CountRow, Summary


def _pct(value: float | None) -> str:
    return "暂无" if value is None else f"{value:.1f}%"


def _top(rows: list[CountRow], n: int = 3) -> str:
    named = [r for r in rows if r.count > 0][:n]
    return "、".join(f"{r.name or r.key or '未分类'}（{r.count}件）" for r in named)


def _period(summary: Summary) -> str:
    start, end = summary.from_date, summary.to_date
    if start == end:
        return f"{start.year}年{start.month}月{start.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def title(summary: Summary) -> str:
    return f"12345政务服务便民热线{_period(summary)}运行情况通报"


def text(summary: Summary) -> str:
    f, r = summary.figures, summary.rates
    if f.total == 0:
        return f"{_period(summary)}，12345热线未受理群众诉求。"
    parts = [f"{_period(summary)}，12345热线共受理群众诉求{f.total}件"]
    categories = _top(summary.by_category, 7)
    if categories:
        parts[0] += f"，其中{categories}"
    paragraphs = ["。".join(parts) + "。"]
    paragraphs.append(
        f"当场答复直接办结{f.direct_resolved}件，直接办结率{_pct(r.direct_resolution)}；"
        f"承办单位已答复{f.replied}件，按时办结率{_pct(r.on_time_reply)}。"
    )
    paragraphs.append(
        f"回访及评价{f.rated}件，其中满意{f.satisfied}件、基本满意{f.basically_satisfied}件、"
        f"不满意{f.unsatisfied}件，满意率{_pct(r.satisfaction)}，解决率{_pct(r.solved)}；"
        f"多次回访未联系上{f.unreachable}件（不计入满意率）；因群众不满意重新办理{f.rehandled}件。"
    )
    topics = _top(summary.by_topic)
    areas = _top(summary.by_area)
    if topics:
        paragraphs.append(f"诉求量居前的问题是：{topics}。")
    if areas:
        paragraphs.append(f"诉求量居前的区域是：{areas}。")
    return "\n".join(paragraphs)
