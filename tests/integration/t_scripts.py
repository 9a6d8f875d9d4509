"""t_scripts — every Lua script, as the build embeds it, loaded into a real
redis-server with SCRIPT LOAD and driven through its basic contract
directly (no daemon), so a script that does not compile or breaks its
stated ARGV/return shape fails here with its own name.

The build writes each script exactly as embedded to $WL_BUILD/lua; the
daemon test at the end shows that what the daemon runs has the same SHA.
"""

import glob
import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wltest import ROOT, run, wait_until  # noqa: E402

BUILD = os.environ.get("WL_BUILD", os.path.join(ROOT, "build"))
LUA_SRC = os.path.join(ROOT, "src", "lua")
LUA_OUT = os.path.join(BUILD, "lua")
P = "wl:"
NOW = 1764720000000  # the daemon's clock, as scripts take it from ARGV


def script_names():
    return sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(LUA_SRC, "*.lua")))


class Scripts:
    """SCRIPT LOAD each embedded script once; call them by name."""

    def __init__(self, redis):
        self.c = redis.client()
        self.sha = {}
        for name in script_names():
            with open(os.path.join(LUA_OUT, name + ".lua"), "rb") as f:
                src = f.read()
            sha = self.c.cmd("SCRIPT", "LOAD", src)
            assert sha == hashlib.sha1(src).hexdigest(), name
            self.sha[name] = sha

    def __call__(self, name, *argv):
        return self.c.cmd("EVALSHA", self.sha[name], 0, P, *argv)

    def cmd(self, *a):
        return self.c.cmd(*a)


def commit_doc(msg_id, frm="13900000001", expect=0, out=None, cases=None,
               timers=None, session='{"flow":"help"}'):
    return json.dumps({
        "now": NOW, "kind": "text", "channel": "demo", "from": frm,
        "msg_id": msg_id, "name": "张大爷", "text": "我家暖气不热",
        "dedupe_ttl": 86400, "expect": expect, "session": session,
        "session_ttl": 3600,
        "out": out if out is not None else [{"channel": "demo", "to": frm, "text": "收到"}],
        "cases": cases or [], "timers": timers or []}, ensure_ascii=False)


def open_op(frm="13900000001", notify=None):
    return {"op": "open", "fields": {"kind": "heating"}, "urgency": "normal",
            "area": "g-hd-1", "source": "resident", "channel": "demo",
            "from": frm, "session_case": True, "who": "resident",
            "detail": "暖气不热",
            "notify": notify or [{"channel": "demo", "to": "duty-hd-1",
                                  "text": "新工单 {case.no}"}]}


def test_every_file_states_its_contract(env):
    names = script_names()
    built = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(LUA_OUT, "*.lua")))
    assert names and built == names, (names, built)
    for name in names + ["lib/" + os.path.basename(p)[:-4]
                         for p in glob.glob(os.path.join(LUA_SRC, "lib", "*.lua"))]:
        with open(os.path.join(LUA_SRC, name + ".lua"), encoding="utf-8") as f:
            head = []
            for line in f:
                if not line.startswith("--") or line.startswith("--@include"):
                    break
                head.append(line)
        text = "".join(head)
        assert text.startswith("-- %s.lua — " % name), name
        if not name.startswith("lib/"):
            assert "KEYS:" in text and "ARGV:" in text and "Returns" in text, name
    # Each embedded script is its file with the includes expanded.
    for name in names:
        with open(os.path.join(LUA_OUT, name + ".lua"), encoding="utf-8") as f:
            emb = f.read()
        assert "--@include" not in emb, name
        with open(os.path.join(LUA_SRC, name + ".lua"), encoding="utf-8") as f:
            for line in f:
                assert line in emb.splitlines(True) or line.startswith("--@include"), (name, line)


def test_inbound_load_and_commit(env):
    s = Scripts(env.redis)
    r = s("inbound_load", "demo", "13900000001", "m1", "", "")
    assert r == [0, "0", "", [], [], [], [], [], []], r
    assert s("inbound_commit", commit_doc("m1", cases=[open_op()])) == ["OK", 1, "1001"]
    assert s("inbound_commit", commit_doc("m1")) == ["DUP"]
    assert s("inbound_commit", commit_doc("m2", expect=0)) == ["CONFLICT"]
    r = s("inbound_load", "demo", "13900000001", "m1", "1001",
          json.dumps({"statuses": ["new"], "areas": ["g-hd-1"], "limit": 10}))
    assert r[0] == 1 and r[1] == "1" and r[2] == '{"flow":"help"}', r
    contact = dict(zip(r[3][::2], r[3][1::2]))
    assert contact["name"] == "张大爷" and contact["first_seen"] == str(NOW), contact
    case = dict(zip(r[4][::2], r[4][1::2]))
    assert case["no"] == "1001" and case["status"] == "new" and case["v"] == "1", case
    assert len(r[5]) == 1, r[5]  # the timeline: "created"
    assert [dict(zip(c[::2], c[1::2]))["no"] for c in r[6]] == ["1001"]
    assert [dict(zip(c[::2], c[1::2]))["no"] for c in r[7]] == ["1001"]
    assert r[8] == [1, 0, 0, 0, 0], r[8]  # counts in scope, by status
    # The reply and the duty notice are queued, one per recipient.
    assert s.cmd("GET", P + "ob:depth") == "2"
    assert s.cmd("XLEN", P + "inbox") == 1
    # A request's replay record: the same signature and body again is a
    # retry (0), the same signature with another body a replay (-1).
    rec = ("mp", "oX", "m9", "", "", "", "sig-1", "digest-a", 600)
    assert s("inbound_load", *rec)[0] == 0
    assert s("inbound_load", *rec)[0] == 0
    assert s("inbound_load", *(rec[:7] + ("digest-b", 600)))[0] == -1
    assert s.cmd("GET", P + "replay:mp:sig-1") == "digest-a"
    assert 0 < s.cmd("TTL", P + "replay:mp:sig-1") <= 600
    # A response-time fire: no conversation, no dedupe mark; done on its
    # case, once.
    fire = json.loads(commit_doc(""))
    fire.update({"channel": "", "from": "", "fire": {"no": "1001", "id": "1001:respond:breach:0:1"},
                 "out": []})
    assert s("inbound_load", "", "", "", "1001", "", "1001:respond:breach:0:1")[0] == 0
    assert s("inbound_commit", json.dumps(fire))[0] == "OK"
    assert s("inbound_commit", json.dumps(fire)) == ["DUP"]
    assert s("inbound_load", "", "", "", "1001", "", "1001:respond:breach:0:1")[0] == 1
    assert s.cmd("HEXISTS", P + "case:1001:fired", "1001:respond:breach:0:1") == 1
    assert s.cmd("EXISTS", P + "session::") == 0 and s.cmd("XLEN", P + "inbox") == 1


def test_case_timeline_list_and_legacy_stream(env):
    s = Scripts(env.redis)
    assert s("inbound_commit", commit_doc("m1", cases=[open_op()]))[0] == "OK"
    raw = s.cmd("LRANGE", P + "case:1001:tl", 0, -1)
    assert [json.loads(e)["what"] for e in raw] == ["created"], raw
    log = {"op": "log", "no": "1001", "who": "sla", "what": "sla_warn", "detail": "x"}
    assert s("inbound_commit", commit_doc("m2", expect=1, cases=[log]))[0] == "OK"
    tl = s("case_timeline", "1001", 10)
    assert [dict(zip(f[::2], f[1::2]))["what"] for _, f in tl] == ["created", "sla_warn"]
    assert tl[0][0] == "%d-0" % NOW and tl[1][1][:2] == ["at", str(NOW)], tl
    # Newest first, as the inbound load reads it.
    r = s("inbound_load", "demo", "13900000001", "m3", "1001", "")
    assert [dict(zip(f[::2], f[1::2]))["what"] for _, f in r[5]] == ["sla_warn", "created"]
    # A timeline written as a stream before is read and appended to as one.
    s.cmd("HSET", P + "case:900", "no", "900", "v", "1", "status", "new")
    s.cmd("XADD", P + "case:900:tl", "*", "at", "1", "who", "w", "what", "created", "detail", "")
    log["no"] = "900"
    assert s("inbound_commit", commit_doc("m3", expect=2, cases=[log]))[0] == "OK"
    assert s.cmd("XLEN", P + "case:900:tl") == 2
    tl = s("case_timeline", "900", 10)
    assert [dict(zip(f[::2], f[1::2]))["what"] for _, f in tl] == ["created", "sla_warn"]


def test_outbox_pass(env):
    s = Scripts(env.redis)
    frm = "13900000002"
    out = [{"channel": "demo", "to": frm, "text": t} for t in ("一", "二")]
    assert s("inbound_commit", commit_doc("m1", frm=frm, out=out))[0] == "OK"

    def ob(owner, outcomes=(), lease=5000, mx=10):
        return s("outbox_pass", owner, lease, mx, json.dumps(list(outcomes)))

    def outcome(q, mid, what, delay=0, err=""):
        return {"q": q, "id": mid, "outcome": what, "delay_ms": delay, "error": err}

    lost, got = ob("d1")
    assert lost == [] and len(got) == 1, got  # one in flight per recipient
    q, mid, ch, to, text, tries = got[0]
    assert (q, ch, to, text, tries) == ("demo:" + frm, "demo", frm, "一", "0"), got
    assert ob("d2") == [[], []]
    # Not d2's lease: nothing changes, and d2 is told.
    assert ob("d2", [outcome(q, mid, "sent")]) == [[mid], []]
    # A retry backs off on Redis's clock, then the same message comes back.
    assert ob("d1", [outcome(q, mid, "retry", 300, "503")]) == [[], []]
    time.sleep(0.35)
    lost, got = ob("d1")
    assert got[0][1] == mid and got[0][5] == "1", got
    # Recording "sent" leases the recipient's next message in the same call.
    lost, got = ob("d1", [outcome(q, mid, "sent")])
    assert lost == [] and got[0][4] == "二", got
    assert ob("d1", [outcome(q, got[0][1], "dead", 0, "400")], mx=0) == [[], []]
    assert s.cmd("GET", P + "ob:depth") == "0"
    dead = json.loads(s.cmd("LINDEX", P + "ob:dead", 0))
    assert dead["text"] == "二" and dead["tries"] == 1 and dead["error"] == "400", dead
    assert ob("d1") == [[], []]
    # A lease that expires (its daemon died) is taken back.
    assert s("inbound_commit", commit_doc("m2", frm=frm, expect=1, out=out[:1]))[0] == "OK"
    # The lease is long enough that d2's first look is inside it even on a
    # busy machine, and the wait is longer than the lease.
    lost, got = ob("d1", lease=1500)
    assert len(got) == 1
    assert ob("d2", lease=1500) == [[], []]
    time.sleep(1.6)
    lost, got2 = ob("d2", lease=1500)
    assert got2[0][1] == got[0][1], got2
    assert ob("d1", [outcome(q, got[0][1], "sent")]) == [[got[0][1]], []]
    assert ob("d2", [outcome(q, got[0][1], "sent")]) == [[], []]
    assert s.cmd("GET", P + "ob:depth") == "0"


def test_case_create_and_list(env):
    s = Scripts(env.redis)
    doc = json.dumps({"now": NOW, "ext_ref": "12345-001", "op": open_op(frm="")},
                     ensure_ascii=False)
    assert s("case_create", doc) == ["CREATED", "1001"]
    assert s("case_create", doc) == ["EXISTS", "1001"]
    flt = {"from_ms": NOW - 1, "to_ms": NOW + 1, "status": None,
           "urgency": None, "areas": None, "offset": 0, "limit": 10}
    total, page = s("case_list", json.dumps(flt))
    assert total == 1 and dict(zip(page[0][::2], page[0][1::2]))["ext_ref"] == "12345-001"
    flt["status"] = "closed"
    assert s("case_list", json.dumps(flt)) == [0, []]
    rows = s("report_fetch", "case", NOW - 1, NOW + 1, 0, 10)
    assert rows[0][0] == "1001" and "area" in rows[0][1], rows
    assert s("report_fetch", "visit", 0, NOW, 0, 10) == []


def set_op(no, fields, expect=None):
    op = {"op": "set", "no": no, "fields": fields, "what": "updated",
          "who": "staff:u-li", "detail": "", "notify": []}
    if expect is not None:
        op["expect"] = expect
    return op


def index_q(**kw):
    q = {"statuses": ["new"], "areas": None, "holder": None, "after": None,
         "limit": 10}
    q.update(kw)
    return json.dumps(q)


def nos(page):
    return [dict(zip(h[::2], h[1::2]))["no"] for h in page]


def test_case_index_pages_and_counts(env):
    """The indexes the commit keeps: every status × area × holder, oldest
    first, with a cursor that steps over cases created in the same ms."""
    s = Scripts(env.redis)
    # Seven cases in one commit (same created ms), three in a later one.
    ops = [dict(open_op(frm=""), area="g-hd-1" if i % 2 else "g-hd-2")
           for i in range(7)]
    assert s("inbound_commit", commit_doc("i1", cases=ops))[0] == "OK"
    doc = json.loads(commit_doc("i2", frm="13900000002",
                                cases=[dict(open_op(frm=""), area="g-hd-1")] * 3))
    doc["now"] = NOW + 5
    assert s("inbound_commit", json.dumps(doc, ensure_ascii=False))[0] == "OK"
    counts, page = s("case_index", index_q(limit=4))
    assert counts == [10, 0, 0, 0, 0], counts
    assert nos(page) == ["1001", "1002", "1003", "1004"], nos(page)
    counts, page = s("case_index", index_q(limit=4, after=[str(NOW), "1004"]))
    assert nos(page) == ["1005", "1006", "1007", "1008"], nos(page)
    counts, page = s("case_index", index_q(limit=4, after=[str(NOW + 5), "1008"]))
    assert nos(page) == ["1009", "1010"], nos(page)
    # By area, and moved by a commit: claimed by u-li, then another area.
    counts, page = s("case_index", index_q(areas=["g-hd-1"]))
    assert counts[0] == 6, counts
    assert nos(page) == ["1002", "1004", "1006", "1008", "1009", "1010"], nos(page)
    assert s("inbound_commit", commit_doc(
        "i3", frm="13900000003",
        cases=[set_op("1002", {"status": "claimed", "claimed_by": "u-li"}),
               set_op("1004", {"area": "g-hd-2"})]))[0] == "OK"
    counts, page = s("case_index", index_q(statuses=["claimed"], holder="u-li"))
    assert counts == [0, 1, 0, 0, 0] and nos(page) == ["1002"], (counts, page)
    counts, page = s("case_index", index_q(areas=["g-hd-1"]))
    assert counts[:2] == [4, 1] and nos(page) == ["1006", "1008", "1009", "1010"], (counts, nos(page))
    counts, page = s("case_index", index_q(areas=["g-hd-2"], statuses=["new", "claimed"]))
    assert counts[:2] == [5, 0] and nos(page) == ["1001", "1003", "1004", "1005", "1007"], nos(page)
    assert s.cmd("ZSCORE", P + "cases:st:new:area:g-hd-2", "1004") == str(NOW)
    # Released: back to new, holder gone.
    assert s("inbound_commit", commit_doc(
        "i4", frm="13900000004",
        cases=[set_op("1002", {"status": "new", "claimed_by": None})]))[0] == "OK"
    assert s.cmd("ZCARD", P + "cases:st:claimed:holder:u-li") == 0
    assert s.cmd("ZCARD", P + "cases:st:new") == 10


def test_case_reindex_builds_old_data(env):
    s = Scripts(env.redis)
    # Cases as an older version stored them: hashes, `cases`, status sets.
    for i, st in enumerate(["new", "claimed", "resolved", "closed", "cancelled"] * 3):
        no = str(2001 + i)
        s.cmd("HSET", P + "case:" + no, "no", no, "status", st, "area",
              "c-hd" if i % 2 else "c-xh", "created", NOW + i,
              *(["claimed_by", "u-li"] if st != "new" else []))
        s.cmd("ZADD", P + "cases", NOW + i, no)
        s.cmd("SADD", P + "cases:status:" + st, no)
        if st != "new":
            s.cmd("SADD", P + "staff:mine:u-li", no)
    assert s("case_reindex", 0, 4) == [4, 0]
    assert s("case_reindex", 4, 4) == [4, 0]
    assert s("case_reindex", 8, 4) == [4, 0]
    assert s("case_reindex", 12, 4) == [3, 1]
    assert s("case_reindex", 0, 4) == [0, 1]  # built: nothing more to do
    counts, page = s("case_index", index_q(statuses=["claimed"], holder="u-li"))
    assert counts == [0, 3, 3, 3, 3], counts
    assert nos(page) == ["2002", "2007", "2012"], nos(page)
    counts, _ = s("case_index", index_q(areas=["c-hd"]))
    assert sum(counts) == 7, counts
    assert s.cmd("EXISTS", P + "cases:status:new", P + "staff:mine:u-li") == 0


def test_sched_run_once(env):
    s = Scripts(env.redis)
    doc = json.dumps({"done": "digest:2025-12-03", "ttl": 86400, "now": NOW,
                      "out": [{"channel": "demo", "to": "duty-street", "text": "晨报"}],
                      "next": '{"k":"sched"}', "at": NOW + 86400000}, ensure_ascii=False)
    assert s("sched_run", doc) == 1
    assert s("sched_run", doc) == 0
    assert s.cmd("GET", P + "ob:depth") == "1"
    assert s.cmd("ZSCORE", P + "timers", '{"k":"sched"}') == str(NOW + 86400000)


def test_timer_pop_and_done(env):
    s = Scripts(env.redis)
    s.cmd("ZADD", P + "timers", NOW - 1, "t-due", NOW + 60000, "t-later")
    assert s("timer_pop", NOW, 5000, 10) == ["t-due"]
    assert s("timer_pop", NOW, 5000, 10) == []
    assert s("timer_done", "t-due") == 1
    assert s("timer_done", "t-due") == 0
    # Leases run on Redis's clock: a daemon whose clock is far ahead does
    # not take a fire another still holds; an expired lease makes it due.
    assert s("timer_pop", NOW + 60000, 5000, 10) == ["t-later"]
    assert s("timer_pop", NOW + 3600000, 5000, 10) == []
    s.cmd("ZADD", P + "timers", NOW, "t-2", NOW, "t-3")
    assert sorted(s("timer_pop", NOW, 0, 10)) == ["t-2", "t-3"]
    assert sorted(s("timer_pop", NOW, 5000, 10)) == ["t-2", "t-3"]
    assert s("timer_done", "t-2", "t-3", "t-x") == 2


def test_daemon_runs_the_embedded_scripts(env):
    d = env.daemon()
    status, _ = d.hook({"id": "s1", "from": "13900000009", "text": "你好"})
    assert status == 200
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 10, what="reply sent")
    for name in ("inbound_load", "inbound_commit", "outbox_pass"):
        with open(os.path.join(LUA_OUT, name + ".lua"), "rb") as f:
            sha = hashlib.sha1(f.read()).hexdigest()
        assert env.redis.cmd("SCRIPT", "EXISTS", sha) == [1], name
    assert re.search(r"script failed", d.tail(200)) is None


if __name__ == "__main__":
    run([test_every_file_states_its_contract, test_inbound_load_and_commit,
         test_case_index_pages_and_counts, test_case_reindex_builds_old_data,
         test_case_timeline_list_and_legacy_stream,
         test_outbox_pass, test_case_create_and_list, test_sched_run_once,
         test_timer_pop_and_done, test_daemon_runs_the_embedded_scripts])
