"""Cases and duty staff through the generic channel: the whole lifecycle,
the claim race, who may do what, transfer / reopen / cancel, 12345 work
orders, and a conversation's idle reminder and expiry on the fake clock."""

import itertools
import json
import threading
import time

from wltest import ADMIN, run, wait_until

AREAS = [
    {"id": "tdj", "name": "太行东街街道", "level": "street",
     "duty": {"channel": "demo", "to": "duty-street"},
     "children": [
         {"id": "c-hd", "name": "惠丰社区", "level": "community", "aliases": ["惠丰"],
          "duty": {"channel": "demo", "to": "duty-hd"},
          "children": [
              {"id": "g-hd-1", "name": "惠丰第一网格", "level": "grid",
               "duty": {"channel": "demo", "to": "duty-hd-1"}},
              {"id": "g-hd-2", "name": "惠丰第二网格", "level": "grid",
               "duty": {"channel": "demo", "to": "duty-hd-2"}}]},
         {"id": "c-xh", "name": "新华社区", "level": "community", "aliases": ["新华"],
          "duty": {"channel": "demo", "to": "duty-xh"}}]}]


def staff(sid, name, role, area):
    return {"id": sid, "name": name, "role": role, "area": area,
            "chat": {"channel": "demo", "id": "u-" + sid}}


STAFF = [staff("wang", "王芳", "grid_worker", "g-hd-1"),
         staff("zhou", "周杰", "grid_worker", "g-hd-2"),
         staff("liu", "刘敏", "community_staff", "c-hd"),
         staff("li", "李强", "community_director", "c-hd"),
         staff("sun", "孙丽", "community_staff", "c-xh"),
         staff("zhao", "赵敏", "street_staff", "tdj"),
         staff("chen", "陈刚", "supervisor", "tdj")]

_ids = itertools.count(1)


class Chat:
    """Send as someone, wait until every reply is delivered, return the
    new replies per recipient."""

    def __init__(self, env, d):
        self.env, self.d = env, d

    def settle(self, timeout=10):
        wait_until(lambda: self.env.redis.cmd("GET", "wl:ob:depth") in (None, "0"),
                   timeout, step=0.02 if timeout <= 10 else 0.5,
                   what="outbox drained")

    def send(self, frm, text):
        before = len(self.env.cb.messages())
        status, body = self.d.hook({"id": "t%d" % next(_ids), "from": frm, "text": text})
        assert status == 200, (status, body)
        self.settle()
        return self.env.cb.messages()[before:]

    def say(self, frm, text):
        """The replies to the sender, joined."""
        return "\n".join(m["text"] for m in self.send(frm, text) if m["to"] == frm)


def daemon(env, **kw):
    return env.daemon(areas=AREAS, staff=STAFF, **kw)


def case(env, no):
    return env.redis.cmd("HGET", "wl:case:%s" % no, "status"), \
        env.redis.cmd("HGET", "wl:case:%s" % no, "claimed_by")


HELP = ["求助", "1", "惠丰", "幸福小区3号楼2单元", "1", "暖气片不热，老人怕冷", "2",
        "本机", "3", "1", "七十二", "张大爷"]


def open_help_case(c, frm="13900000001"):
    for t in HELP:
        c.send(frm, t)
    out = c.send(frm, "是")
    text = "\n".join(m["text"] for m in out if m["to"] == frm)
    notices = [m for m in out if m["to"] == "duty-hd"]
    assert notices, out
    no = notices[0]["text"].split("工单 ")[1].split("】")[0]
    assert no in text, text
    return no, text, notices[0]["text"]


def test_lifecycle_resident_to_closed(env):
    d = daemon(env)
    c = Chat(env, d)
    no, confirm, notice = open_help_case(c)
    assert "1小时" in confirm or "1 小时" in confirm, confirm
    # The duty chat is a group: the phone number is masked there.
    assert "139****0001" in notice and "13900000001" not in notice, notice
    st = json.loads(d.admin("GET", "/api/v1/cases/" + no)[1])
    assert st["status"] == "new" and st["area"] == "c-hd" and st["claimed_by"] is None
    assert st["category"] and st["age"] == "72", st

    out = c.say("u-liu", "认领 " + no)
    assert "已认领工单 " + no in out and "13900000001" in out, out
    assert case(env, no) == ("claimed", "liu")
    # The resident is told, and their words now go to the holder.
    out = c.send("13900000001", "请快点来，谢谢")
    assert any(m["to"] == "u-liu" and "请快点来" in m["text"] for m in out), out
    out = c.send("u-liu", "/reply %s 下午三点到您家" % no)
    assert any(m["to"] == "13900000001" and "下午三点" in m["text"] for m in out), out
    out = c.send("u-liu", "办结 %s 棉被 2人次 300元 已送到家" % no)
    texts = {m["to"]: m["text"] for m in out}
    assert "已办结" in texts["u-liu"] and "2人次" in texts["u-liu"], texts
    res = [m["text"] for m in out if m["to"] == "13900000001"]
    assert any("已办结" in t for t in res) and len(res) >= 2, res  # + the survey
    h = env.redis.cmd("HGETALL", "wl:case:" + no)
    h = dict(zip(h[::2], h[1::2]))
    assert (h["status"], h["measure"], h["person_times"], h["amount_fen"]) == \
        ("resolved", "棉被", "2", "30000"), h
    # The resident answers the survey; the case closes.
    for t in ["是", "1", "没有"]:
        out = c.send("13900000001", t)
    assert any(m["to"] == "u-liu" and "问题已解决" in m["text"] for m in out), out
    assert case(env, no)[0] == "closed", env.redis.cmd("HGETALL", "wl:case:" + no)
    assert env.redis.cmd("HGET", "wl:case:" + no, "satisfaction") == "满意"
    tl = [e["what"] for e in json.loads(d.admin("GET", "/api/v1/cases/" + no)[1])["timeline"]]
    for what in ["created", "claimed", "resident_message", "reply", "resolved", "feedback"]:
        assert what in tl, tl


def test_fifty_way_claim_race(env):
    many = [staff("w%02d" % i, "网格员%02d" % i, "grid_worker", "c-hd") for i in range(50)]
    d = env.daemon(areas=AREAS, staff=many)
    c = Chat(env, d)
    status, body = d.admin("POST", "/api/v1/cases",
                           {"ext_ref": "race-1", "area": "c-hd", "category": "取暖"})
    no = str(json.loads(body)["no"])
    c.settle()
    results = {}

    def claim(i):
        results[i] = d.hook({"id": "race-%d" % i, "from": "u-w%02d" % i,
                             "text": "认领 " + no})[0]
    ts = [threading.Thread(target=claim, args=(i,)) for i in range(50)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert set(results.values()) == {200}, results
    c.settle()
    replies = [m for m in env.cb.messages() if m["to"].startswith("u-w")]
    won = [m for m in replies if "已认领工单" in m["text"]]
    lost = [m for m in replies if "已由" in m["text"] and "认领" in m["text"]]
    assert len(won) == 1, won
    assert len(lost) == 49, [m["text"] for m in replies if m not in won][:3]
    winner = won[0]["to"][2:]
    assert case(env, no) == ("claimed", winner)
    # The losers are told who has it.
    assert all(("网格员" + winner[1:]) in m["text"] for m in lost), lost[0]
    # A repeat claim by the winner is answered OK.
    assert "无需重复认领" in c.say("u-" + winner, "认领 " + no)


def test_permission_matrix(env):
    d = daemon(env)
    c = Chat(env, d)
    status, body = d.admin("POST", "/api/v1/cases",
                           {"ext_ref": "perm-1", "area": "g-hd-1", "category": "取暖"})
    no = str(json.loads(body)["no"])
    c.settle()
    # A resident typing a command is just talking: no claim happens.
    c.send("13900000009", "认领 " + no)
    assert case(env, no) == ("new", None)
    # A grid worker of another grid, and a community of another area: refused.
    assert "不在您的辖区" in c.say("u-zhou", "认领 " + no)
    assert "不在您的辖区" in c.say("u-sun", "/claim " + no)
    assert case(env, no) == ("new", None)
    # The grid's own worker claims it.
    assert "已认领" in c.say("u-wang", "认领" + no)
    # Community staff may not take it over; the director may.
    assert "已由王芳认领" in c.say("u-liu", "认领 " + no)
    out = c.send("u-li", "认领 " + no)
    assert any(m["to"] == "u-li" and "已接手" in m["text"] for m in out), out
    assert any(m["to"] == "u-wang" and "接手" in m["text"] for m in out), out
    assert case(env, no) == ("claimed", "li")
    # The supervisor acts everywhere.
    assert "已记录" in c.say("u-chen", "备注 %s 领导小组已知悉" % no)
    # Precise usage lines.
    assert "缺少工单号" in c.say("u-li", "认领")
    assert "没有编号为 999999 的工单" in c.say("u-li", "认领 999999")
    assert "工单号应为数字" in c.say("u-li", "认领 abc")
    assert "不认识的救助措施" in c.say("u-li", "办结 %s 金条" % no)
    assert "用法" in c.say("u-li", "转派 %s" % no)
    assert "撤销必须写明原因" in c.say("u-li", "撤销 %s" % no)


def test_transfer_reopen_cancel(env):
    d = daemon(env)
    c = Chat(env, d)
    no = str(json.loads(d.admin("POST", "/api/v1/cases",
                                {"ext_ref": "tr-1", "area": "c-hd"})[1])["no"])
    c.settle()
    assert "已认领" in c.say("u-liu", "认领 " + no)
    out = c.send("u-liu", "转派 %s 新华社区" % no)
    assert any(m["to"] == "duty-xh" and ("工单 %s" % no) in m["text"] for m in out), out
    assert case(env, no) == ("new", None)
    assert env.redis.cmd("HGET", "wl:case:" + no, "area") == "c-xh"
    # Now it is out of 惠丰's hands and in 新华's.
    assert "不在您的辖区" in c.say("u-liu", "认领 " + no)
    assert "已认领" in c.say("u-sun", "认领 " + no)
    assert "已办结" in c.say("u-sun", "办结 %s 临时救助 1人次 1500元" % no)
    assert env.redis.cmd("HGET", "wl:case:" + no, "amount_fen") == "150000"
    assert "不能撤销" in c.say("u-sun", "撤销 %s 重复" % no)
    assert "重新打开" in c.say("u-sun", "重开 " + no)
    assert case(env, no) == ("claimed", "sun")
    assert "已撤销" in c.say("u-sun", "撤销 %s 重复工单" % no)
    assert case(env, no)[0] == "cancelled"
    assert env.redis.cmd("HGET", "wl:case:" + no, "cancel_reason") == "重复工单"
    # The indexes the commit keeps follow the case: status, area, holder.
    created = env.redis.cmd("HGET", "wl:case:" + no, "created")
    for key in ("wl:cases:st:cancelled", "wl:cases:st:cancelled:area:c-xh",
                "wl:cases:st:cancelled:holder:sun"):
        assert env.redis.cmd("ZSCORE", key, no) == created, key
    for key in ("wl:cases:st:claimed", "wl:cases:st:new:area:c-hd",
                "wl:cases:st:new:area:c-xh", "wl:cases:st:claimed:holder:sun",
                "wl:cases:st:resolved:holder:sun"):
        assert env.redis.cmd("ZSCORE", key, no) is None, key


def test_12345_work_orders_are_idempotent_and_called_back(env):
    d = daemon(env)
    c = Chat(env, d)
    order = {"ext_ref": "12345-20261122-0001", "channel": "demo", "area": "惠丰",
             "category": "取暖", "detail": "独居老人家中暖气不热",
             "phone": "139 0000 0002", "urgency": "urgent"}
    s1, b1 = d.admin("POST", "/api/v1/cases", order)
    s2, b2 = d.admin("POST", "/api/v1/cases", order)
    assert (s1, s2) == (201, 200), (s1, b1, s2, b2)
    assert json.loads(b1)["no"] == json.loads(b2)["no"]
    no = str(json.loads(b1)["no"])
    c.settle()
    paged = {m["to"] for m in env.cb.messages() if ("工单 " + no) in m["text"]}
    assert {"duty-hd", "duty-street"} <= paged, paged  # urgent: every level
    assert d.admin("POST", "/api/v1/cases", {"area": "c-hd"})[0] == 400
    assert d.admin("POST", "/api/v1/cases", {"ext_ref": "x", "area": "火星"})[0] == 400
    assert d.admin("POST", "/api/v1/cases", order, token="nope")[0] == 401
    c.say("u-li", "认领 " + no)
    c.say("u-li", "办结 %s 取暖炉具 1人次" % no)
    calls = [json.loads(m["text"]) for m in env.cb.messages()
             if m["to"] == order["ext_ref"]]
    assert [x["status"] for x in calls] == ["claimed", "resolved"], calls
    assert all(str(x["no"]) == no for x in calls)
    # The list API with filters.
    lst = json.loads(d.admin("GET", "/api/v1/cases?status=resolved&area=c-hd")[1])
    assert lst["total"] == 1 and lst["cases"][0]["no"] == int(no), lst
    assert json.loads(d.admin("GET", "/api/v1/cases?area=c-xh")[1])["total"] == 0
    assert d.admin("GET", "/api/v1/cases?status=bogus")[0] == 400
    assert d.admin("GET", "/api/v1/cases/424242")[0] == 404


def test_idle_conversation_is_reminded_then_expires(env):
    d = daemon(env, fake_clock=True, session_ttl_s=600)
    c = Chat(env, d)
    c.send("13900000003", "求助")
    # Silence: the clock moves on, the timer thread reminds, then expires.
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 590})
    wait_until(lambda: any("还在吗" in m["text"] for m in env.cb.messages(to="13900000003")),
               10, what="reminder")
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 60})
    wait_until(lambda: len(env.cb.messages(to="13900000003")) >= 4, 10, what="expiry")
    c.settle()
    texts = [m["text"] for m in env.cb.messages(to="13900000003")]
    assert sum("还在吗" in t for t in texts) == 1, texts
    assert env.redis.cmd("HGET", "wl:session:demo:13900000003", "data") == "", \
        env.redis.cmd("HGETALL", "wl:session:demo:13900000003")
    assert env.redis.cmd("ZCARD", "wl:timers:lease") == 0


def test_reminders_fall_due_while_residents_answer(env):
    """A batch of reminder fires and the residents' own answers reach the
    same conversations at once: each answer is handled, no one is reminded
    twice, and no reminder arrives after the answer it would interrupt."""
    d = daemon(env, fake_clock=True, session_ttl_s=600)
    c = Chat(env, d)
    people = ["1390000%04d" % (5000 + i) for i in range(40)]
    for p in people:
        c.send(p, "求助")
    before = {p: len(env.cb.messages(to=p)) for p in people}
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 301})
    statuses = []

    def answer(i, p):
        time.sleep((i % 10) * 0.03)  # spread over the timer thread's sweeps
        status, _ = d.hook({"id": "ans-%d" % i, "from": p, "text": "1"})
        statuses.append(status)

    threads = [threading.Thread(target=answer, args=(i, p)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * len(people), statuses
    wait_until(lambda: env.redis.cmd("ZCOUNT", "wl:timers", "-inf",
                                     int(time.time() * 1000) + 301 * 1000) == 0 and
               env.redis.cmd("ZCARD", "wl:timers:lease") == 0, 10, what="every fire handled")
    c.settle()
    reminded = 0
    for p in people:
        # Delivery is at least once under the same id (a send that outlives
        # its lease goes again); a receiver dedupes by id, and so do we.
        seen, got = set(), []
        for m in env.cb.messages(to=p)[before[p]:]:
            if m["id"] not in seen:
                seen.add(m["id"])
                got.append(m["text"])
        answers = [t for t in got if "还在吗" not in t]
        assert len(answers) == 1, (p, got)
        if "还在吗" in got[0]:
            reminded += 1
        assert sum("还在吗" in t for t in got) <= 1 and "还在吗" not in got[-1], (p, got)
    # The residents' sessions moved on past the first question.
    for p in people:
        v = int(env.redis.cmd("HGET", "wl:session:demo:" + p, "v"))
        assert v >= 2, (p, v)
    print("%d of %d reminded before their answer" % (reminded, len(people)))
    assert "gave up" not in open(d.log, encoding="utf-8").read()


def test_emergency_pages_every_level(env):
    d = daemon(env)
    c = Chat(env, d)
    c.send("u-wang", "x")  # staff chatter gets the help text, no case
    out = c.send("13900000004", "我家里有人煤气中毒了，晕倒了")
    to = {m["to"] for m in out}
    assert "duty-street" in to, out
    advice = " ".join(m["text"] for m in out if m["to"] == "13900000004")
    assert "120" in advice and "窗" in advice, advice
    no = env.redis.cmd("ZRANGE", "wl:cases", 0, -1)[-1]
    assert env.redis.cmd("HGET", "wl:case:" + no, "urgency") == "urgent"
    # As soon as the place is known, the community hears of it too.
    out = c.send("13900000004", "惠丰")
    assert "duty-hd" in {m["to"] for m in out}, out
    c.send("13900000004", "幸福小区5号楼")
    out = c.send("13900000004", "本机")
    assert "已补充到工单" in " ".join(m["text"] for m in out), out
    assert env.redis.cmd("HGET", "wl:case:" + no, "area") == "c-hd"


def _case_of(env, frm):
    nos = env.redis.cmd("ZRANGE", "wl:case:open:demo:" + frm, 0, -1)
    assert len(nos) == 1, (frm, nos)
    return nos[0]


def test_two_staff_three_residents(env):
    d = daemon(env)
    c = Chat(env, d)
    r1, r2, r3 = "13900000011", "13900000012", "13900000013"
    open_help_case(c, r1)                                   # 居民求助
    for t in ["我家烟囱老是倒烟", "惠丰", "幸福小区5号楼", "跳过", "13900000012"]:
        c.send(r2, t)                                       # 安全隐患
    for t in ["桥洞下面有人露宿，穿得很少", "惠丰", "人民桥桥洞下", "刚刚看到",
              "是", "不是", "好像是个老人", "跳过"]:
        c.send(r3, t)                                       # 流浪乞讨人员
    n1, n2, n3 = _case_of(env, r1), _case_of(env, r2), _case_of(env, r3)
    assert env.redis.cmd("HGET", "wl:case:" + n2, "category") == "安全隐患"
    assert env.redis.cmd("HGET", "wl:case:" + n3, "urgency") == "urgent"
    open_list = c.say("u-liu", "待办")
    assert all(n in open_list for n in (n1, n2, n3)), open_list
    # Two staff split the work.
    assert "已认领" in c.say("u-liu", "认领 " + n1)
    assert "已认领" in c.say("u-liu", "认领 " + n2)
    assert "已认领" in c.say("u-li", "认领 " + n3)
    mine = c.say("u-liu", "我的")
    assert n1 in mine and n2 in mine and n3 not in mine, mine
    # Each resident's words reach their own case's holder, and no one else.
    out = c.send(r1, "老人说屋里只有十度")
    assert [m["to"] for m in out if m["to"].startswith("u-")] == ["u-liu"], out
    out = c.send(r3, "人还在桥下")
    assert [m["to"] for m in out if m["to"].startswith("u-")] == ["u-li"], out
    for staff, no, measure in [("u-liu", n1, "取暖煤 1人次 300元"),
                               ("u-liu", n2, "转介 1人次 已报燃气公司"),
                               ("u-li", n3, "临时救助 1人次 500元 已送救助站")]:
        out = c.send(staff, "办结 %s %s" % (no, measure))
        assert any("已办结" in m["text"] for m in out if m["to"] == staff), out
    for r, no in [(r1, n1), (r2, n2), (r3, n3)]:
        texts = [m["text"] for m in env.cb.messages(to=r)]
        assert any(("编号 %s）已办结" % no) in t for t in texts), (r, texts[-3:])
        assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "resolved"


def test_scoped_tokens_and_overdue_filter(env):
    hd, xh = "hd-token-0123456789", "xh-token-0123456789"
    d = env.daemon(areas=AREAS, staff=STAFF, fake_clock=True,
                   admin={"token": ADMIN, "scoped": [{"area": "c-hd", "token": hd},
                                                     {"area": "新华社区", "token": xh}]})
    c = Chat(env, d)
    a = str(json.loads(d.admin("POST", "/api/v1/cases",
                               {"ext_ref": "sc-a", "area": "g-hd-1"})[1])["no"])
    b = str(json.loads(d.admin("POST", "/api/v1/cases",
                               {"ext_ref": "sc-b", "area": "c-xh"})[1])["no"])
    c.settle()
    lst = json.loads(d.admin("GET", "/api/v1/cases", token=hd)[1])
    assert [x["no"] for x in lst["cases"]] == [int(a)], lst
    assert d.admin("GET", "/api/v1/cases?area=c-xh", token=hd)[0] == 403
    assert d.admin("GET", "/api/v1/cases/" + b, token=hd)[0] == 404
    assert d.admin("GET", "/api/v1/cases/" + a, token=hd)[0] == 200
    assert d.admin("GET", "/api/v1/cases/" + b, token=xh)[0] == 200
    assert d.admin("POST", "/api/v1/cases", {"ext_ref": "sc-c", "area": "c-xh"},
                   token=hd)[0] == 403
    s, body = d.admin("POST", "/api/v1/cases", {"ext_ref": "sc-d"}, token=hd)
    assert s == 201 and json.loads(d.admin("GET", "/api/v1/cases/%d" % json.loads(body)["no"])[1])["area"] == "c-hd"
    assert d.admin("POST", "/api/v1/debug/clock", {"advance_s": 1}, token=hd)[0] == 403
    assert d.admin("GET", "/api/v1/cases", token="not-a-token-at-all")[0] == 401
    # Overdue: two hours on, every unclaimed case is late on responding.
    assert json.loads(d.admin("GET", "/api/v1/cases?overdue=1")[1])["total"] == 0
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 7200})
    late = json.loads(d.admin("GET", "/api/v1/cases?overdue=1")[1])
    assert late["total"] == 3 and all(x["late_s"] >= 3500 for x in late["cases"]), late
    c.say("u-wang", "认领 " + a)
    late = json.loads(d.admin("GET", "/api/v1/cases?overdue=1")[1])
    assert sorted(x["no"] for x in late["cases"]) == sorted(
        x for x in [int(b), json.loads(body)["no"]]), late
    assert json.loads(d.admin("GET", "/api/v1/cases?overdue_min_s=999999")[1])["total"] == 0
    assert json.loads(d.admin("GET", "/api/v1/cases?overdue=1", token=xh)[1])["total"] == 1


def test_report_command_gives_summary_and_signed_link(env):
    d = daemon(env)
    c = Chat(env, d)
    c.send("13900000021", "人工")
    out = c.say("u-zhao", "统计")
    assert "待认领 1 件" in out, out
    url = out.split("：")[-1].strip()
    assert url.startswith("http://127.0.0.1:%d/api/v1/reports/download?" % d.port), out
    path = url.split(str(d.port), 1)[1]
    import urllib.request
    with urllib.request.urlopen(url, timeout=10) as r:   # no admin token
        assert r.status == 200
        disp = r.headers.get("Content-Disposition", "")
        data = r.read()
    assert data[:2] == b"PK", data[:20]                  # an XLSX (a ZIP)
    assert disp.startswith('attachment; filename="warmline-weekly-') and \
        disp.endswith('.xlsx"'), disp
    assert d.request("GET", path[:-1] + ("0" if path[-1] != "0" else "1"))[0] == 403
    assert d.request("GET", path.replace("area=tdj", "area=c-hd"))[0] == 403
    # A grid worker's link is for their own unit's table.
    assert "area=g-hd-1" in c.say("u-wang", "统计")


if __name__ == "__main__":
    run([test_lifecycle_resident_to_closed,
         test_fifty_way_claim_race,
         test_permission_matrix,
         test_transfer_reopen_cancel,
         test_12345_work_orders_are_idempotent_and_called_back,
         test_idle_conversation_is_reminded_then_expires,
         test_reminders_fall_due_while_residents_answer,
         test_emergency_pages_every_level,
         test_two_staff_three_residents,
         test_scoped_tokens_and_overdue_filter,
         test_report_command_gives_summary_and_signed_link])
