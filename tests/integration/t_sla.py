"""The response-time rule on the fake clock: warnings, breach, escalation
up the chain, feedback overdue; alerts exactly once with two daemons and
1,000 cases breaching at once; a daemon killed mid-sweep loses and
doubles nothing; a case handled in time alerts nobody."""

import collections
import json
import re
import threading
import time

from t_cases import AREAS, STAFF, Chat
from wltest import run, wait_until


def advance(daemons, seconds):
    for d in daemons:
        status, body = d.admin("POST", "/api/v1/debug/clock", {"advance_s": seconds})
        assert status == 200, body


def new_case(d, ref, **kw):
    order = {"ext_ref": ref, "area": "c-hd", "category": "取暖"}
    order.update(kw)
    status, body = d.admin("POST", "/api/v1/cases", order)
    assert status == 201, body
    return str(json.loads(body)["no"])


def sla_events(env, no):
    """The response-time alerts on a case's timeline: fire ids."""
    out = []
    for raw in env.redis.cmd("LRANGE", "wl:case:%s:tl" % no, 0, -1):
        f = json.loads(raw)
        if f["what"].startswith("sla_"):
            out.append(f["detail"])
    return out


def alerts(env, since=0):
    return [m for m in env.cb.messages()[since:]
            if re.match(r"【(紧急·)?(时限预警|已超时|超时督办)", m["text"])]


def step(env, c, d, seconds):
    n = len(env.cb.messages())
    advance([d], seconds)
    time.sleep(0.6)  # a few sweeps
    c.settle()
    return alerts(env, n)


def test_scenario_create_warn_breach_escalate_claim_resolve_feedback(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    no = new_case(d, "sc-1")
    c.settle()
    got = step(env, c, d, 31 * 60)          # 29 min left: first warning
    assert [(m["to"], "预警" in m["text"]) for m in got] == [("duty-hd", True)], got
    got = step(env, c, d, 20 * 60)          # 9 min left: second warning
    assert [m["to"] for m in got] == ["duty-hd"] and "9分钟" in got[0]["text"], got
    got = step(env, c, d, 10 * 60)          # the deadline: breach + level 1
    assert sorted(m["to"] for m in got) == ["duty-hd", "duty-hd", "u-li"], got
    assert any("已超时" in m["text"] for m in got)
    assert any("一级" in m["text"] and m["to"] == "u-li" for m in got)
    got = step(env, c, d, 60 * 60)          # +1 h: level 2, the street
    assert sorted(m["to"] for m in got) == ["duty-street", "u-zhao"], got
    assert all("二级" in m["text"] for m in got)
    over = c.say("u-chen", "逾期")
    assert no in over and "响应超时" in over, over
    got = step(env, c, d, 30 * 60)          # nothing new before level 3
    assert got == [], got
    c.say("u-li", "认领 " + no)              # respond met late; level 3 never comes
    got = step(env, c, d, 60 * 60)
    assert got == [], got
    c.say("u-li", "办结 %s 棉被 1人次" % no)  # handle met within 24 h
    got = step(env, c, d, 3 * 86400 + 60)   # feedback overdue
    assert got and all("反馈" in m["text"] for m in got), got
    assert any("已超时" in m["text"] for m in got)
    c.say("u-li", "反馈 %s 已电话回访，老人满意" % no)
    assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "closed"
    assert step(env, c, d, 7 * 86400) == []
    ids = sla_events(env, no)
    assert len(ids) == len(set(ids)), ids
    _, metrics = d.get("/metrics")
    assert 'warmline_sla_total{clock="respond",result="missed",level="0"} 1' in metrics
    assert 'warmline_sla_total{clock="handle",result="met",level="0"} 1' in metrics
    assert 'warmline_sla_total{clock="respond",result="escalate",level="2"} 1' in metrics


def test_resolved_before_deadline_alerts_nobody(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    no = new_case(d, "ok-1")
    c.settle()
    n = len(env.cb.messages())
    advance([d], 10 * 60)
    c.say("u-li", "认领 " + no)
    c.say("u-li", "办结 %s 取暖煤 1人次 300元" % no)
    c.say("u-li", "反馈 %s 已回访" % no)
    advance([d], 10 * 86400)
    time.sleep(1.0)
    c.settle()
    assert alerts(env, n) == [], alerts(env, n)
    assert sla_events(env, no) == []
    assert env.redis.cmd("ZCARD", "wl:timers:lease") == 0


def test_waiting_on_the_resident_pauses_handling(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    r = "13900000031"
    c.send(r, "人工")
    no = env.redis.cmd("ZRANGE", "wl:case:open:demo:" + r, 0, -1)[0]
    assert "已认领" in c.say("u-zhao", "认领 " + no)
    assert "暂停" in c.say("u-zhao", "等待 %s 等居民找到低保证明" % no)
    n = len(env.cb.messages())
    got = step(env, c, d, 30 * 3600)       # past 24 h: paused, so no alert
    assert [m for m in got if "处置" in m["text"]] == [], got
    out = c.send(r, "证明找到了")            # the resident writes: it resumes
    assert any(m["to"] == "u-zhao" for m in out), out
    got = step(env, c, d, 3600)
    assert [m for m in got if "处置" in m["text"]] == [], got
    got = step(env, c, d, 23 * 3600)        # the rest of the 24 h runs out
    assert any("处置" in m["text"] and "已超时" in m["text"] for m in got), got
    assert len(env.cb.messages()) > n


def _mass(env, kill_one):
    n_cases = 1000
    d1 = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="d1")
    d2 = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="d2")
    c = Chat(env, d1)
    nos = []
    lock = threading.Lock()

    def make(lo, hi):
        for i in range(lo, hi):
            no = new_case(d1 if i % 2 else d2, "mass-%d" % i)
            with lock:
                nos.append(no)
    ts = [threading.Thread(target=make, args=(k * 250, (k + 1) * 250)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    # One duty chat gets all 1,000 notices, in order, one at a time.
    t0 = time.monotonic()
    c.settle(timeout=300)
    print("1000 notices to one chat delivered in %.1fs" % (time.monotonic() - t0))
    n0 = len(env.cb.messages())
    # Past the deadline at one step: the breach and level 1 for every case;
    # the two warnings came due after the deadline they warn of, so they
    # are dropped, not sent late.
    advance([d1, d2], 61 * 60)
    if kill_one:
        wait_until(lambda: env.redis.cmd("ZCARD", "wl:timers:lease") > 0, 10,
                   what="a sweep in progress")
        d2.kill()
        # The dead daemon's leases run out on Redis's clock (30 s), not on
        # any daemon's, so moving the survivor's clock does not hurry them.
        advance([d1], 120)
    want = 2 * n_cases
    # Due now on the daemons' clocks: everything up to level 1 (level 2
    # is an hour later).
    due = lambda: str(int(time.time() * 1000) + 63 * 60 * 1000)
    wait_until(lambda: env.redis.cmd("ZCOUNT", "wl:timers", "-inf", due()) == 0 and
               env.redis.cmd("ZCARD", "wl:timers:lease") == 0,
               120, step=0.5, what="every fire handled")
    total = 0
    for no in nos:
        ids = sla_events(env, no)
        assert len(ids) == 2 and len(set(ids)) == 2, (no, ids)
        total += len(ids)
    assert total == want
    t0 = time.monotonic()
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 300, step=0.5,
               what="every alert delivered")
    print("3000 alerts delivered in %.1fs" % (time.monotonic() - t0))
    got = alerts(env, n0)
    # Each alert goes out once per recipient: the breach to duty-hd, level
    # 1 to duty-hd and the director: 3 messages a case, each its own
    # outbound message.
    ids = collections.Counter(m["id"] for m in got)
    assert len(ids) == 3 * n_cases, len(ids)
    per_case = collections.Counter(m["text"].split("工单 ")[1].split(" ")[0] for m in got
                                   if m["id"] in ids)
    if not kill_one:
        # Nobody died: every message was delivered exactly once.
        assert all(v == 1 for v in ids.values()), [i for i, v in ids.items() if v > 1][:5]
        assert all(per_case[no] == 3 for no in nos), [no for no in nos if per_case[no] != 3][:5]
    else:
        # A send in flight when its daemon died is sent again under the
        # same id (the receiver dedupes by it); nothing new is invented.
        assert all(per_case[no] >= 3 for no in nos)


def test_two_daemons_thousand_breaches_exactly_once(env):
    _mass(env, kill_one=False)


def test_daemon_killed_mid_sweep_nothing_lost_or_doubled(env):
    _mass(env, kill_one=True)


if __name__ == "__main__":
    run([test_scenario_create_warn_breach_escalate_claim_resolve_feedback,
         test_resolved_before_deadline_alerts_nobody,
         test_waiting_on_the_resident_pauses_handling,
         test_two_daemons_thousand_breaches_exactly_once,
         test_daemon_killed_mid_sweep_nothing_lost_or_doubled])
