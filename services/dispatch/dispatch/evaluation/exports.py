"""The bulletin as a spreadsheet (the supervision export tables) and as a printable HTML page
whose charts are inline SVG drawn here: nothing is loaded from anywhere else."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from ..supervision.exports import Column, Kind, Table

TIER_NAMES = {1: "一类", 2: "二类", 3: "三类", 4: "四类", 5: "五类"}
STATUS_NAMES = {"open": "未生成", "draft": "草稿（未审定）", "published": "已审定发布"}

COLUMNS = (
    Column("position", "名次", Kind.integer, 6),
    Column("unit_id", "单位编号", Kind.text, 14),
    Column("unit_name", "承办单位", Kind.text, 28),
    Column("score", "得分", Kind.integer, 8),
    Column("tier", "等次", Kind.text, 8),
    Column("board", "红黑档", Kind.text, 8),
    Column("lines", "越线", Kind.text, 20),
    Column("reason", "事由", Kind.text, 48),
)


def _boards(state: dict[str, Any]) -> dict[str, tuple[str, str]]:
    out = {e["unit_id"]: ("红档", e["reason"]) for e in state["red"]}
    out.update({e["unit_id"]: ("黑档", e["reason"]) for e in state["black"]})
    return out


def rows(state: dict[str, Any]) -> list[dict[str, Any]]:
    names = {line["code"]: line["name"] for line in state["lines"]}
    boards = _boards(state)
    return [
        {
            "position": i,
            "unit_id": u["unit_id"],
            "unit_name": u["unit_name"] or u["unit_id"],
            "score": u["score"],
            "tier": TIER_NAMES.get(u["tier"], str(u["tier"])),
            "board": boards.get(u["unit_id"], ("", ""))[0],
            "lines": "、".join(names.get(code, code) for code in u["lines"]),
            "reason": boards.get(u["unit_id"], ("", ""))[1],
        }
        for i, u in enumerate(state["units"], start=1)
    ]


def table(state: dict[str, Any]) -> Table:
    title = f"{state['month']} 考评红黑档案"
    if state["status"] != "published":
        title += "（草稿）"
    return Table(title=title, columns=COLUMNS, rows=rows(state))


def _bars(values: list[tuple[str, int]], *, colour: str, width: int = 640, height: int = 200) -> str:
    """A bar chart as SVG: one bar per (label, count)."""
    top = max((v for _, v in values), default=0) or 1
    slot = width / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img">']
    for i, (label, value) in enumerate(values):
        h = round(height * value / top)
        x = round(i * slot + slot * 0.15)
        w = max(1, round(slot * 0.7))
        parts.append(f'<rect x="{x}" y="{height - h + 10}" width="{w}" height="{h}" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + w / 2:.0f}" y="{height - h + 6}" font-size="11" text-anchor="middle">{value}</text>'
        )
        parts.append(
            f'<text x="{x + w / 2:.0f}" y="{height + 28}" font-size="11" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def score_chart(state: dict[str, Any]) -> str:
    limit = int(state["score_limit"])
    counts = Counter(u["score"] for u in state["units"])
    return _bars([(f"{s:+d}" if s else "0", counts.get(s, 0)) for s in range(-limit, limit + 1)], colour="#4472c4")


def lines_chart(state: dict[str, Any]) -> str:
    return _bars([(line["name"], int(line["count"])) for line in state["lines"]], colour="#c0504d")


def page(state: dict[str, Any]) -> str:
    status = STATUS_NAMES.get(state["status"], state["status"])
    approved = ""
    if state["status"] == "published":
        approved = f"<p>审定：{escape(str(state['approved_by']))}，{escape(str(state['approved_at']))}</p>"
    tier_counts = Counter(u["tier"] for u in state["units"])
    shares = state["tier_shares"]
    tier_rows = "".join(
        f"<tr><td>{TIER_NAMES.get(t, t)}</td><td>{shares[t - 1] * 100:.0f}%</td><td>{tier_counts.get(t, 0)}</td></tr>"
        for t in range(1, len(shares) + 1)
    )
    body_rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(r[c.key]))}</td>" for c in COLUMNS) + "</tr>" for r in rows(state)
    )
    heads = "".join(f"<th>{escape(c.heading)}</th>" for c in COLUMNS)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{state["month"]} 考评通报</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #999;padding:4px 8px;font-size:13px}}
th{{background:#ddebf7}}h2{{margin-top:1.5em}}.draft{{color:#c00}}
@media print{{body{{margin:0}}h2{{page-break-after:avoid}}table{{page-break-inside:auto}}}}
</style></head><body>
<h1>{state["month"]} 承办单位考评通报（双十分制）</h1>
<p class="{"draft" if state["status"] != "published" else ""}">状态：{escape(status)}</p>{approved}
<h2>得分分布</h2><figure>{score_chart(state)}</figure>
<h2>越线情况</h2><figure>{lines_chart(state)}</figure>
<h2>等次</h2><table><tr><th>等次</th><th>比例</th><th>单位数</th></tr>{tier_rows}</table>
<h2>得分与红黑档案</h2><table><tr>{heads}</tr>{body_rows}</table>
</body></html>"""
