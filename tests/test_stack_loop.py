"""The whole loop through the gateway with the demo keys, as the people on the hotline live it:
an operator's case handled, extended, re-handled and rated; a station's flaky batch; the errors a
client meets. The running stack is the real one (`hotline up`), so nothing here reaches a service
except through the gateway."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from hotline_stack import Stack

from .helpers import fresh_phone, key_for, orders_for, public_case, register, staff_timeline, wait_for

JSON_PROBLEM = "application/problem+json"
RS, CG = "U-RS-001", "U-CG-001"  # 人社局 and 城管执法局: the demo units that have keys
# Wall-clock supervision (lights, urges) may add entries on a slow day; the loop's steps are the rest.
SUPERVISION = {"order.light_changed", "order.urged"}


def wage_complaint() -> dict[str, Any]:
    # Topic LD-* goes to 人社局 by the demo rule "LD, any area → U-RS-001".
    return {
        "channel": "phone",
        "category": "complaint",
        "topic_code": "LD-LDBZ-TQGZ",
        "title": "装修公司拖欠工资",
        "description": "我在一家装修公司工作了三个月，老板一直拖欠工资不发，请帮忙讨薪。",
        "caller": {"name": "李建国", "phone": fresh_phone()},
        "location": {
            "district_code": "D03",
            "street_code": "D03-S01",
            "community_code": "D03-S01-C01",
            "address": "永安里小区8号楼2单元302",
        },
    }


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def public_date(value: str) -> str:
    # The public timeline states deadlines in Beijing time; the API's times carry +08:00 already.
    return f"{at(value):%Y年%m月%d日 %H:%M}"


def key_name(stack: Stack, *, role: str | None = None, unit_id: str | None = None) -> str:
    return next(k.name for k in stack.api_keys if (unit_id and k.unit_id == unit_id) or (role and k.role == role))


def order(gateway: httpx.Client, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    response = gateway.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def act(
    gateway: httpx.Client, headers: dict[str, str], order_id: str, action: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = gateway.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=headers)
    assert response.status_code in (200, 201), (action, response.text)
    answer: dict[str, Any] = response.json()
    return answer


def callback_for(gateway: httpx.Client, stack: Stack, case_no: str) -> dict[str, Any] | None:
    """The case's row in the operators' callback work list, if it is there."""
    params: dict[str, Any] = {"limit": 200}
    while True:
        response = gateway.get("/api/v1/callbacks", params=params, headers=stack.auth("operator"))
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["items"]:
            if item["case_no"] == case_no:
                return dict(item)
        if not page["next_cursor"]:
            return None
        params["cursor"] = page["next_cursor"]


def feedback_reaches(gateway: httpx.Client, stack: Stack, case_no: str, status: str) -> dict[str, Any]:
    return wait_for(
        f"{case_no} to be '{status}' in feedback",
        lambda: (view := staff_timeline(gateway, stack, case_no)) and view["status"] == status and view,
    )


def order_reaches(gateway: httpx.Client, headers: dict[str, str], order_id: str, status: str) -> dict[str, Any]:
    return wait_for(
        f"order {order_id} to be '{status}'",
        lambda: (o := order(gateway, headers, order_id))["status"] == status and o,
    )


def test_a_wage_complaint_goes_round_the_whole_loop_extension_rehandling_and_citizen_rating(
    stack: Stack, gateway: httpx.Client
) -> None:
    unit = key_for(stack, unit_id=RS)
    supervisor, operator = stack.auth("supervisor"), stack.auth("operator")

    # 受理: the operator registers the call; the demo rule sends it to 人社局 within a second.
    sent = wage_complaint()
    case = register(gateway, stack, sent)
    case_no, code = case["case_no"], case["lookup_code"]
    (lead,) = wait_for("the automatic dispatch", lambda: orders_for(gateway, stack, case_no), timeout=30)
    assert (lead["unit_id"], lead["unit_name"], lead["role"], lead["status"]) == (RS, "人社局", "lead", "dispatched")
    took = at(lead["dispatched_at"]) - at(case["received_at"])
    assert took < timedelta(seconds=1), f"auto-dispatch took {took}, the promise is within a second"
    listed = gateway.get("/api/v1/orders", headers=unit).json()["items"]
    assert lead["order_id"] in [o["order_id"] for o in listed], "the order is in 人社局's own queue"
    order_id = lead["order_id"]

    # 限期办理: sign, contact the citizen (the unit sees who to call), ask for five more working days.
    signed = act(gateway, unit, order_id, "sign")
    assert signed["status"] == "signed"
    assert signed["case"]["caller"]["phone"] == sent["caller"]["phone"]
    assert (
        act(gateway, unit, order_id, "contact", {"note": "已电话联系李先生，约定到公司核实"})["status"] == "contacted"
    )
    asked = gateway.post(
        f"/api/v1/orders/{order_id}/extensions",
        json={"working_days": 5, "reason": "需要劳动监察大队调取用工记录"},
        headers=unit,
    )
    assert asked.status_code == 201, asked.text
    extension = asked.json()
    assert extension["status"] == "pending"
    pending = gateway.get("/api/v1/extensions", params={"status": "pending", "order_id": order_id}, headers=supervisor)
    assert [e["extension_id"] for e in pending.json()["items"]] == [extension["extension_id"]]

    decided = gateway.post(
        f"/api/v1/extensions/{extension['extension_id']}/decision",
        json={"approve": True, "note": "同意延期5个工作日"},
        headers=supervisor,
    )
    assert decided.status_code == 200, decided.text
    new_due = decided.json()["reply_due_at_after"]
    assert at(new_due) > at(lead["reply_due_at"])
    extended = order(gateway, unit, order_id)
    assert at(extended["reply_due_at"]) == at(new_due)
    assert extended["extension_count"] == 1
    feedback_reaches(gateway, stack, case_no, "in_progress")
    wait_for(
        "the extension in feedback",
        lambda: (v := staff_timeline(gateway, stack, case_no)) and at(v["reply_due_at"]) == at(new_due),
    )
    public = public_case(gateway, stack, case_no, code)
    assert at(public["deadline"]) == at(new_due)
    assert public["timeline"][-1]["text"] == f"经批准延期办理，办理期限延至 {public_date(new_due)}"

    # The unit replies; the operators' callback list shows the case with its due time and the phone.
    replied = act(
        gateway, unit, order_id, "reply", {"result": "已约谈公司负责人，公司承诺月底前结清。", "solved": False}
    )
    assert (replied["status"], replied["reply"]["seq"]) == ("awaiting_callback", 1)
    due = wait_for("the callback to be due", lambda: callback_for(gateway, stack, case_no))
    assert (due["reply_seq"], due["unit_id"], due["attempts"]) == (1, RS, 0)
    assert due["caller_phone"] == sent["caller"]["phone"], "the operator needs the number to call back"
    assert at(due["due_at"]) > at(replied["replied_at"])

    # 回访: unsatisfied, the unit's fault → 重办 with a fresh deadline.
    callback = gateway.post(
        f"/api/v1/callbacks/{case_no}",
        json={
            "outcome": "rated",
            "satisfaction": "unsatisfied",
            "solved": False,
            "comment": "工资还没到账",
            "unit_at_fault": True,
        },
        headers={**operator, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert callback.status_code == 201, callback.text
    assert (callback.json()["status"], callback.json()["closed"]) == ("awaiting_rehandle", False)
    reopened = order_reaches(gateway, unit, order_id, "reopened")
    assert reopened["rehandle_count"] == 1
    assert "contact" in reopened["allowed_actions"]
    assert callback_for(gateway, stack, case_no) is None, "a rated reply leaves the callback list"
    feedback_reaches(gateway, stack, case_no, "rehandling")
    public = public_case(gateway, stack, case_no, code)
    assert (public["status_text"], public["rehandle_count"]) == ("重新办理中", 1)
    assert at(public["deadline"]) == at(reopened["reply_due_at"])

    # The unit handles it again; the citizen rates the new reply with the lookup code.
    act(gateway, unit, order_id, "contact", {"note": "再次联系李先生核实欠薪金额"})
    second = act(
        gateway, unit, order_id, "reply", {"result": "劳动监察大队已责令公司支付，工资已全额到账。", "solved": True}
    )
    assert (second["status"], second["reply"]["seq"]) == ("awaiting_callback", 2)
    feedback_reaches(gateway, stack, case_no, "replied")
    public = public_case(gateway, stack, case_no, code)
    assert public["can_rate"] is True
    assert public["reply"]["result"] == "劳动监察大队已责令公司支付，工资已全额到账。"
    rating = gateway.post(
        f"/api/v1/public/cases/{case_no}/rating",
        params={"code": code},
        json={"satisfaction": "satisfied", "solved": True, "comment": "谢谢，工资拿到了"},
    )
    assert rating.status_code == 201, rating.text
    assert (rating.json()["reply_seq"], rating.json()["status_text"]) == (2, "已办结")

    # Closed everywhere: the order, the intake record, the citizen's view.
    closed = order_reaches(gateway, unit, order_id, "closed")
    assert closed["closed_at"] is not None
    wait_for(
        "intake to record the closure",
        lambda: gateway.get(f"/api/v1/cases/{case_no}", headers=operator).json()["status"] == "closed",
    )
    public = public_case(gateway, stack, case_no, code)
    assert (public["status"], public["status_text"], public["outcome_text"]) == ("closed", "已办结", "群众满意")
    assert public["rating"]["satisfaction_text"] == "满意"
    assert public["can_rate"] is False
    assert [e["text"] for e in public["timeline"]] == [
        "您的诉求已受理",
        "已派发至人社局办理",
        "人社局已签收",
        "人社局已与您联系",
        f"经批准延期办理，办理期限延至 {public_date(new_due)}",
        "人社局已答复办理结果",
        "回访结果：不满意",
        f"已要求承办单位重新办理，办理期限 {public_date(reopened['reply_due_at'])}",
        "人社局已与您联系",
        "人社局已答复办理结果",
        "您的评价：满意",
        "已办结（群众满意）",
    ]
    shown = json.dumps(public, ensure_ascii=False)
    assert sent["caller"]["phone"] not in shown, "the phone number never reaches the public"
    assert "李建国" not in shown, "nor the caller's full name"
    assert sent["location"]["address"] not in shown, "nor the exact address"
    phone = sent["caller"]["phone"]
    assert public["caller"] == {"name": "李**", "phone": f"{phone[:3]}****{phone[-4:]}"}
    again = gateway.post(
        f"/api/v1/public/cases/{case_no}/rating", params={"code": code}, json={"satisfaction": "unsatisfied"}
    )
    assert again.status_code == 409, "one rating per reply"

    # 全程留痕: the staff timeline has every step, who took it, and the unmasked caller.
    staff = staff_timeline(gateway, stack, case_no)
    assert staff is not None
    assert (staff["status"], staff["outcome"], staff["caller_phone"]) == (
        "closed",
        "satisfied",
        sent["caller"]["phone"],
    )
    steps = [(e["type"], e["actor"]) for e in staff["timeline"] if e["type"] not in SUPERVISION]
    unit_name, operator_name = key_name(stack, unit_id=RS), key_name(stack, role="operator")
    assert steps == [
        ("case.received", operator_name),
        ("order.dispatched", "system"),
        ("order.signed", unit_name),
        ("order.contacted", unit_name),
        ("order.extension_requested", unit_name),
        ("order.extension_decided", key_name(stack, role="supervisor")),
        ("order.replied", unit_name),
        ("case.rated", operator_name),
        ("order.reopened", "system"),
        ("order.contacted", unit_name),
        ("order.replied", unit_name),
        ("case.rated", "citizen"),
        ("case.closed", "citizen"),
    ]


def station_item(ref: str, **fields: Any) -> dict[str, Any]:
    item = {
        "client_ref": ref,
        "channel": "station",
        "category": "help",
        "topic_code": "ZJ-WYGL-DTGZ",
        "description": "多福巷社区5号楼电梯停运两天，楼里有多位老人上下楼困难。",
        "caller": {"name": "王桂芳", "phone": fresh_phone()},
        "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
    }
    return item | fields


def station_cases(gateway: httpx.Client, headers: dict[str, str]) -> set[str]:
    found: set[str] = set()
    params: dict[str, Any] = {"limit": 200}
    while True:
        page = gateway.get("/api/v1/cases", params=params, headers=headers).json()
        found |= {c["case_no"] for c in page["items"]}
        if not page.get("next_cursor"):
            return found
        params["cursor"] = page["next_cursor"]


def answers(batch: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a station app keeps from a batch answer, item by item."""
    out: list[tuple[Any, ...]] = []
    for r in batch["results"]:
        if r["ok"]:
            c = r["case"]
            out.append((r["index"], r["client_ref"], c["case_no"], c["lookup_code"], c["status"], c["duplicate_of"]))
        else:
            fields = sorted(e["field"] for e in r["problem"]["errors"])
            out.append((r["index"], r["client_ref"], r["problem"]["status"], fields))
    return out


def test_a_station_batch_with_a_bad_item_and_a_duplicate_is_answered_per_item_and_safe_to_resend(
    stack: Stack, gateway: httpx.Client
) -> None:
    station, other_station = key_for(stack, station_id="S-JD-01"), key_for(stack, station_id="S-JD-02")
    run = uuid.uuid4().hex[:6]
    # An open case from earlier the same day: the 5号楼 lift, reported by 王阿姨.
    earlier = station_item(f"DHM-{run}-0001")
    first = gateway.post("/api/v1/cases/batch", json={"items": [earlier]}, headers=station)
    assert first.status_code == 200, first.text
    original = first.json()["results"][0]["case"]["case_no"]
    wait_for("the earlier case's order", lambda: orders_for(gateway, stack, original), timeout=30)

    new = station_item(
        f"DHM-{run}-0101",
        topic_code="CG-SZSS-LDGZ",
        category="suggestion",
        description="多福巷胡同北侧路灯坏了一个月，晚上很黑，建议尽快修复。",
    )
    bad = station_item(
        f"DHM-{run}-0102", topic_code="NO-SUCH-TOPIC", description="", caller={"name": "赵", "phone": "12345"}
    )
    same_phone = earlier["caller"]["phone"]
    dup = station_item(
        f"DHM-{run}-0103",
        description="王阿姨又来反映5号楼电梯还没修好。",
        caller={"name": "王桂芳", "phone": f"{same_phone[:3]} {same_phone[3:7]} {same_phone[7:]}"},
    )
    last = station_item(
        f"DHM-{run}-0104",
        category="consult",
        topic_code="LD-SHBX-YLBX",
        description="咨询灵活就业人员怎样在网上缴纳养老保险。",
    )
    batch = {"items": [new, bad, dup, last]}
    before = station_cases(gateway, station)

    posted = gateway.post("/api/v1/cases/batch", json=batch, headers=station)
    assert posted.status_code == 200, posted.text
    result = posted.json()
    assert (result["accepted"], result["failed"]) == (3, 1)
    assert [r["client_ref"] for r in result["results"]] == [i["client_ref"] for i in batch["items"]]
    assert [r["ok"] for r in result["results"]] == [True, False, True, True]
    problem = result["results"][1]["problem"]
    assert problem["status"] == 422
    assert {e["field"] for e in problem["errors"]} == {
        "body.items.1.description",
        "body.items.1.caller.phone",
        "body.items.1.topic_code",
    }
    assert all(e["message"] for e in problem["errors"]), "each field problem says what to fix"
    linked = result["results"][2]["case"]
    assert (linked["status"], linked["duplicate_of"]) == ("duplicate", original)
    created = {r["case"]["case_no"] for r in result["results"] if r["ok"]}
    assert station_cases(gateway, station) == before | created

    # Dispatch reads intake's events in order: once the last item has its order, the duplicate
    # has been seen too, and got none.
    wait_for("the last item's order", lambda: orders_for(gateway, stack, result["results"][3]["case"]["case_no"]))
    assert orders_for(gateway, stack, linked["case_no"]) == [], "a duplicate is not dispatched again"
    assert len(orders_for(gateway, stack, original)) == 1
    record = gateway.get(f"/api/v1/cases/{original}", headers=station).json()
    assert record["demand_count"] == 2, "the earlier case counts one more demand"
    view = public_case(gateway, stack, linked["case_no"], linked["lookup_code"])
    assert (view["status"], view["duplicate_of"]) == ("duplicate", original)
    assert view["status_text"].startswith("已并入相同诉求一并办理"), (
        "the citizen reads that it is handled with the other"
    )

    # The network dropped the answer; the app sends the same batch again.
    resent = gateway.post("/api/v1/cases/batch", json=batch, headers=station)
    assert resent.status_code == 200, resent.text
    assert answers(resent.json()) == answers(result)
    assert [r["replayed"] for r in resent.json()["results"] if r["ok"]] == [True, True, True]
    assert station_cases(gateway, station) == before | created, "nothing new registered"
    assert gateway.get(f"/api/v1/cases/{original}", headers=station).json()["demand_count"] == 2
    for case_no in created - {linked["case_no"]}:
        assert len(orders_for(gateway, stack, case_no)) == 1, "and nothing dispatched twice"

    # Another station sees none of it.
    assert station_cases(gateway, other_station).isdisjoint(created | {original})
    for case_no in created:
        # Someone else's case answers exactly like an unknown one, in both services.
        r = gateway.get(f"/api/v1/cases/{case_no}", headers=other_station)
        assert r.status_code == 404, r.text
        r = gateway.get(f"/api/v1/cases/{case_no}/timeline", headers=other_station)
        assert r.status_code == 404, r.text
        assert gateway.get(f"/api/v1/cases/{case_no}/timeline", headers=station).status_code == 200


def test_the_error_surface_is_problem_json_never_a_server_error(stack: Stack, gateway: httpx.Client) -> None:
    operator = stack.auth("operator")

    # A bad body: 422 naming each field, and nothing registered.
    marker = f"错误测试-{uuid.uuid4().hex[:8]}"
    bad = gateway.post(
        "/api/v1/cases",
        json={"channel": "fax", "category": "complaint", "title": marker, "caller": {"phone": "123"}},
        headers=operator,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(JSON_PROBLEM)
    problem = bad.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    fields = {e["field"] for e in problem["errors"]}
    assert {"body.channel", "body.topic_code", "body.description"} <= fields
    assert gateway.get("/api/v1/cases", params={"q": marker}, headers=operator).json()["items"] == []
    not_json = gateway.post(
        "/api/v1/cases", content=b"{not json", headers={**operator, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.headers["content-type"].startswith(JSON_PROBLEM)

    # No key, a forged key: 401 with a hint; an unknown path: 404, with or without a key.
    for headers in ({}, {"Authorization": "Bearer hk_not_a_real_key_000000000"}):
        r = gateway.post("/api/v1/cases", json=wage_complaint(), headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith(JSON_PROBLEM)
        assert "Authorization" in r.json()["detail"] or "key" in r.json()["detail"].lower()
    for headers in ({}, operator):
        r = gateway.get("/api/v1/no-such-thing", headers=headers)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith(JSON_PROBLEM)

    # 城管执法局 tries to work 人社局's order: not found for it, and the order did not move.
    case = register(gateway, stack, wage_complaint())
    (lead,) = wait_for("the order", lambda: orders_for(gateway, stack, case["case_no"]), timeout=30)
    assert lead["unit_id"] == RS
    intruder = key_for(stack, unit_id=CG)
    order_id = lead["order_id"]
    attempts = [
        ("GET", "", None),
        ("POST", "/sign", None),
        ("POST", "/return", {"reason": "不属于本单位职责"}),
        ("POST", "/contact", {"note": "已联系"}),
        ("POST", "/extensions", {"working_days": 2, "reason": "需要更多时间"}),
        ("POST", "/reply", {"result": "已处理完毕", "solved": True}),
    ]
    for method, suffix, body in attempts:
        r = gateway.request(method, f"/api/v1/orders/{order_id}{suffix}", json=body, headers=intruder)
        assert r.status_code == 404, (suffix, r.status_code, r.text)
        assert r.headers["content-type"].startswith(JSON_PROBLEM)
    assert order_id not in {o["order_id"] for o in gateway.get("/api/v1/orders", headers=intruder).json()["items"]}
    # Other roles cannot work orders at all.
    station = key_for(stack, station_id="S-JD-01")
    assert gateway.post(f"/api/v1/orders/{order_id}/sign", headers=station).status_code == 403
    assert order(gateway, key_for(stack, unit_id=RS), order_id)["status"] == "dispatched"
