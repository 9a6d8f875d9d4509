"""What duty staff see and do, against the real daemon: true counts and
oldest-first lists from the indexes the commit keeps (hundreds of cases in
every status, some stored by an older version and indexed at start), the
morning digest over every open case, the resident's own words on the case
card and in 查看 and the ledgers in plain Chinese, a resident's 取消, and
several measures per case counted in 附件2."""

import datetime
import json
import random
import re
import time

from t_cases import AREAS, STAFF, Chat, daemon, open_help_case
from t_reports import VISIT, wait_away_from_week_end, week_start
from t_schedule import seconds_until
from wltest import run, wait_until

BJ = datetime.timezone(datetime.timedelta(hours=8))
STATUSES = ["new", "claimed", "resolved", "closed", "cancelled"]
HOLDER = {"c-hd": "liu", "g-hd-1": "liu", "g-hd-2": "liu", "c-xh": "sun"}

# Writes cases the way an older version stored them (hash, `cases`, the
# status sets it kept): ARGV = prefix, JSON list of [no, status, area,
# created, holder or "", sla or ""].
SEED = """
local p = ARGV[1]
for _, c in ipairs(cjson.decode(ARGV[2])) do
  local k = p .. 'case:' .. c[1]
  redis.call('HSET', k, 'no', c[1], 'v', 1, 'status', c[2], 'area', c[3],
    'created', c[4], 'updated', c[4], 'urgency', 'normal',
    'source', '12345', 'category', '取暖', 'channel', '', 'from', '')
  if c[5] ~= '' then redis.call('HSET', k, 'claimed_by', c[5]) end
  if c[6] ~= '' then redis.call('HSET', k, 'sla', c[6]) end
  if c[2] == 'resolved' or c[2] == 'closed' then
    redis.call('HSET', k, 'resolved_at', c[4], 'measure', '棉被',
      'measure_kind', 3, 'person_times', 1)
  end
  redis.call('ZADD', p .. 'cases', c[4], c[1])
  redis.call('SADD', p .. 'cases:status:' .. c[2], c[1])
  if c[5] ~= '' then redis.call('SADD', p .. 'staff:mine:' .. c[5], c[1]) end
end
local top = redis.call('GET', p .. 'case:seq') or '1000'
for _, c in ipairs(cjson.decode(ARGV[2])) do
  if tonumber(c[1]) > tonumber(top) then top = c[1] end
end
redis.call('SET', p .. 'case:seq', top)
return 1
"""


def seed(env, cases):
    for i in range(0, len(cases), 500):
        env.redis.cmd("EVAL", SEED, 0, "wl:",
                      json.dumps(cases[i:i + 500], ensure_ascii=False))


def listed(text):
    """Case numbers of a list reply, in order."""
    return re.findall(r"^(\d{4,}) ", text, re.M)


def test_counts_and_lists_from_the_indexes(env):
    rnd = random.Random(13)
    base = int(time.time() * 1000) - 3 * 86400 * 1000
    cases, no = [], 5000
    # 120 cases in every status in each of four areas, created in shuffled
    # order so that the oldest are not simply the lowest numbers.
    for area in ("c-hd", "g-hd-1", "g-hd-2", "c-xh"):
        for st in STATUSES:
            for _ in range(120):
                no += 1
                cases.append([str(no), st, area, 0,
                              "" if st == "new" else HOLDER[area], ""])
    times = rnd.sample(range(0, 86400 * 1000), len(cases))
    for c, t in zip(cases, times):
        c[3] = base + t
    seed(env, cases)
    d = daemon(env)  # indexes what an older version stored, at start
    assert env.redis.cmd("GET", "wl:cases:idx") == "1"
    assert env.redis.cmd("EXISTS", "wl:cases:status:new", "wl:staff:mine:liu") == 0
    c = Chat(env, d)

    def oldest(status, areas, n=10):
        got = sorted((x[3], int(x[0])) for x in cases
                     if x[1] == status and x[2] in areas)
        return [str(k) for _, k in got[:n]]

    hd = ("c-hd", "g-hd-1", "g-hd-2")
    report = c.say("u-liu", "统计")
    assert "待认领 360 件，处理中 360 件，已办结待回访 360 件" in report, report
    assert "累计已回访 360 件，已撤销 360 件" in report, report
    report = c.say("u-chen", "统计")
    assert "待认领 480 件，处理中 480 件，已办结待回访 480 件" in report, report
    assert "全街道" in report
    opened = c.say("u-liu", "待办")
    assert "共 360 件" in opened and "另有 350 件" in opened, opened
    assert listed(opened) == oldest("new", hd), (listed(opened), oldest("new", hd))
    opened = c.say("u-wang", "待办")  # a grid worker: their grid only
    assert "共 120 件" in opened, opened
    assert listed(opened) == oldest("new", ("g-hd-1",))
    mine = c.say("u-liu", "我的")
    assert "共 360 件" in mine and "另有已办结待回访 360 件" in mine, mine
    assert listed(mine) == oldest("claimed", hd)
    mine = c.say("u-sun", "我的")
    assert "共 120 件" in mine and listed(mine) == oldest("claimed", ("c-xh",))
    # The commit keeps the indexes: the oldest new case claimed, then
    # resolved, another cancelled; counts and lists move at once.
    first, second = oldest("new", hd, 2)
    assert "已认领" in c.say("u-li", "认领 " + first)
    assert "已撤销" in c.say("u-liu", "撤销 %s 重复" % second)
    opened = c.say("u-liu", "待办")
    assert "共 358 件" in opened and first not in listed(opened), opened
    assert listed(opened) == oldest("new", hd, 12)[2:]
    assert "已办结" in c.say("u-li", "办结 %s 棉被 1人次" % first)
    report = c.say("u-liu", "统计")
    assert "待认领 358 件，处理中 360 件，已办结待回访 361 件" in report, report
    assert "已撤销 361 件" in report, report
    assert "另有已办结待回访 1 件" in c.say("u-li", "我的")


def test_digest_reads_every_open_case(env):
    """An older version's store with 300 overdue open cases under 1900
    newer closed ones: the morning digest counts all 300."""
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="first")
    status, body = d.admin("POST", "/api/v1/cases",
                           {"ext_ref": "dg-0", "area": "c-hd", "category": "取暖",
                            "detail": "暖气不热 家里只有十度"})
    assert status == 201, body
    first = str(json.loads(body)["no"])
    sla = env.redis.cmd("HGET", "wl:case:" + first, "sla")
    created = int(env.redis.cmd("HGET", "wl:case:" + first, "created"))
    assert sla
    d.stop()
    env.redis.cmd("DEL", "wl:cases:idx")
    cases = []
    for i in range(2200):
        st = "new" if i < 150 else "claimed" if i < 300 else "closed"
        cases.append([str(3001 + i), st, "c-hd" if i % 2 else "c-xh",
                      created - 1000 + i, "" if st == "new" else "liu", sla])
    seed(env, cases)
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="second")
    c = Chat(env, d)
    s = seconds_until(None, 8, 0)
    if s < 2 * 3600:
        s += 86400
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": s})
    wait_until(lambda: [m for m in env.cb.messages(to="u-chen")
                        if "逾期工单日报" in m["text"]], 30, what="the digest")
    time.sleep(0.5)
    c.settle(30)
    digest = "\n".join(m["text"] for m in env.cb.messages(to="u-chen")
                       if "逾期工单日报" in m["text"] or "共 " in m["text"])
    assert "共 301 件" in digest, digest[-300:]
    assert "3001" in digest and "3300" in digest and "3301 " not in digest
    # The alerts of the one case with clocks: Chinese only, 工单.
    alerts = [m["text"] for m in env.cb.messages(to="duty-hd")
              if m["text"].startswith("【") and "时限" in m["text"]]
    assert alerts and all(("工单 " + first) in t and "Case" not in t
                          and "案件" not in t for t in alerts), alerts
    # ... and carry the resident's own words.
    assert all("居民说：暖气不热 家里只有十度" in t for t in alerts), alerts
    # 逾期 in chat counts the same way.
    assert "共 301 件" in c.say("u-chen", "逾期")


def hazard_case(c, env, frm):
    for t in ["楼道电线老化了 外皮都破了", "惠丰", "幸福小区5号楼", "跳过"]:
        c.send(frm, t)
    out = c.send(frm, frm)
    nos = env.redis.cmd("ZRANGE", "wl:case:open:demo:" + frm, 0, -1)
    assert len(nos) == 1, (nos, out)
    return nos[0], out


def test_case_card_and_plain_chinese(env):
    wait_away_from_week_end()
    d = daemon(env)
    c = Chat(env, d)
    no, out = hazard_case(c, env, "13900000021")
    notice = "\n".join(m["text"] for m in out if m["to"] == "duty-hd")
    assert "楼道电线老化了 外皮都破了" in notice, out
    assert "工单" in notice and "案件" not in notice
    assert "已认领" in c.say("u-liu", "认领 " + no)
    card = c.say("u-liu", "查看 " + no)
    assert "居民说：" in card and "楼道电线老化了 外皮都破了" in card, card
    assert "来源：安全隐患报告" in card, card
    for internal in ("flow:", "c-hd", "g-hd", "sla_", "staff:"):
        assert internal not in card, (internal, card)
    # Transfer: an unknown area lists the valid names; a known one shows
    # on the timeline by its name.
    bad = c.say("u-liu", "转派 %s 幸福社区" % no)
    assert "没有叫“幸福社区”的区域" in bad and "新华社区" in bad, bad
    assert "惠丰社区 惠丰第一网格" in bad and "c-xh" not in bad, bad
    assert c.say("u-liu", "转派 %s 惠丰社区 惠丰第一网格" % no).count("已转派") == 1
    card = c.say("u-li", "查看 " + no)
    assert "转派 惠丰社区 惠丰第一网格" in card and "g-hd-1" not in card, card
    # Something that is no command: a short answer, not the command list.
    short = c.say("u-liu", "今天降温了")
    assert "没有看懂" in short and "帮助" in short, short
    assert short.count("\n") == 0 and len(short) < 90, short
    assert len(c.say("u-liu", "帮助").splitlines()) > 10
    # A resident's survey words reach the holder as written.
    r = "13900000022"
    n2, _, _ = open_help_case(c, r)
    assert "已认领" in c.say("u-liu", "认领 " + n2)
    assert "已办结" in c.say("u-liu", "办结 %s 棉被 1人次" % n2)
    c.send(r, "否")           # not solved
    c.send(r, "不满意")
    out = c.send(r, "屋里还是冷 没人来看过")
    told = "\n".join(m["text"] for m in out if m["to"] == "u-liu")
    assert "屋里还是冷 没人来看过" in told, out
    # A visit's problem, plan and deadline reach the duty chat.
    out = []
    for t in VISIT:
        out += c.send("u-wang", t)
    visit = "\n".join(m["text"] for m in out if m["to"].startswith("duty-"))
    assert "发现问题：缺棉被，煤不够" in visit, visit
    assert "计划措施及时限：三天内送棉被和煤" in visit, visit
    assert re.search(r"整改时限：\d{4}-\d\d-\d\d", visit), visit
    # The ledgers carry the resident's own words.
    status, body = d.admin("GET", "/api/v1/reports/needs")
    assert status == 200 and "楼道电线老化了 外皮都破了" in body, body[:400]
    assert "未解决，不满意：屋里还是冷 没人来看过" in body, body[-600:]
    status, body = d.admin("GET", "/api/v1/reports/problems")
    assert status == 200 and "楼道电线老化了 外皮都破了" in body, body[:400]


def test_resident_withdraws(env):
    d = daemon(env)
    c = Chat(env, d)
    r1, r2 = "13900000031", "13900000032"
    n1, _, _ = open_help_case(c, r1)
    out = c.send(r1, "取消")
    to_r = "\n".join(m["text"] for m in out if m["to"] == r1)
    assert "已撤回您的求助" in to_r and n1 in to_r, out
    duty = "\n".join(m["text"] for m in out if m["to"] == "duty-hd")
    assert "居民已撤回求助" in duty and n1 in duty, out
    assert env.redis.cmd("HGET", "wl:case:" + n1, "status") == "cancelled"
    assert env.redis.cmd("ZSCORE", "wl:cases:st:cancelled", n1) is not None
    # Claimed: the holder is asked; nothing changes until they confirm.
    n2, _, _ = open_help_case(c, r2)
    assert "已认领" in c.say("u-liu", "认领 " + n2)
    out = c.send(r2, "取消")
    asked = "\n".join(m["text"] for m in out if m["to"] == "u-liu")
    assert "居民想撤回求助" in asked and ("撤销 %s" % n2) in asked, out
    assert "已有工作人员在办理" in "\n".join(m["text"] for m in out if m["to"] == r2)
    assert env.redis.cmd("HGET", "wl:case:" + n2, "status") == "claimed"
    assert "居民请求撤回" in c.say("u-liu", "查看 " + n2)
    assert "已撤销" in c.say("u-liu", "撤销 %s 居民撤回" % n2)


def test_several_measures_counted(env):
    wait_away_from_week_end()
    d = daemon(env)
    c = Chat(env, d)
    status, body = d.admin("POST", "/api/v1/cases",
                           {"ext_ref": "m-1", "area": "c-hd", "category": "取暖",
                            "name": "赵大爷", "phone": "13900000041",
                            "person_category": "低保"})
    no = str(json.loads(body)["no"])
    assert "已认领" in c.say("u-liu", "认领 " + no)
    # Money without an amount: asked for, nothing changes.
    ask = c.say("u-liu", "办结 %s 临时救助 1人次" % no)
    assert "临时救助发放了多少钱" in ask and ("办结 %s 临时救助" % no) in ask, ask
    ask = c.say("u-liu", "办结 %s 低保" % no)
    assert "纳入低保发放了多少钱" in ask, ask
    assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "claimed"
    done = c.say("u-liu", "办结 %s 临时救助 1人次 800元 电热毯 1人次 已送到家" % no)
    assert "已办结" in done and "临时救助 1人次 800.00元；电热毯 1人次" in done, done
    added = c.say("u-liu", "补录 %s 煤 2人次；棉衣 1人次" % no)
    assert "取暖煤 2人次；棉衣 1人次" in added and "本工单共记" in added, added
    card = c.say("u-liu", "查看 " + no)
    assert "救助措施：临时救助 1人次 800.00元；电热毯 1人次；取暖煤 2人次；棉衣 1人次" in card, card
    assert "补录措施" in card
    week = week_start(datetime.datetime.now(BJ).date())
    status, body = d.admin("GET", "/api/v1/reports/weekly?week=%s" % week.isoformat())
    assert status == 200, body
    hd = json.loads(body)["rows"][0]
    assert (hd["unit"], hd["relief_times"], hd["amount_wan"], hd["goods"],
            hd["goods_times"], hd["dibao"]) == \
        ("惠丰社区", 1, 0.08, "取暖煤、棉衣、电热毯", 4, 1), hd
    status, body = d.admin("GET", "/api/v1/reports/needs?week=%s" % week.isoformat())
    assert "电热毯 1人次" in body and "取暖煤 2人次" in body, body[:600]


def test_resident_after_resolve_reaches_the_case(env):
    """A resident whose case was resolved, with the survey gone (its
    conversation expired), writes again: the words go onto that case and to
    its holder, the survey opens again, and the answers settle the case."""
    d = daemon(env)
    c = Chat(env, d)
    r = "13900000035"
    no, _, _ = open_help_case(c, r)
    assert "已认领" in c.say("u-liu", "认领 " + no)
    c.say("u-liu", "办结 %s 棉被 1人次 已送到家" % no)
    assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "resolved"
    env.redis.cmd("DEL", "wl:session:demo:" + r)   # the survey timed out
    out = c.send(r, "收到了，被子很暖和，谢谢你们")
    to_r = "\n".join(m["text"] for m in out if m["to"] == r)
    assert no in to_r and "解决了吗" in to_r, out
    held = "\n".join(m["text"] for m in out if m["to"] == "u-liu")
    assert no in held and "被子很暖和" in held, out
    assert "请问您遇到了什么困难" not in to_r and "紧急" not in to_r, out
    tl = [e["what"] for e in json.loads(d.admin("GET", "/api/v1/cases/" + no)[1])["timeline"]]
    assert tl.count("resident_message") >= 1, tl
    for t in ["是", "1", "没有"]:
        c.send(r, t)
    assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "closed"
    assert env.redis.cmd("HGET", "wl:case:" + no, "satisfaction") == "满意"
    # An emergency still comes first, whatever case was resolved.
    out = c.send(r, "屋里烧着煤炉子，我妈头晕想吐")
    assert "120" in "\n".join(m["text"] for m in out if m["to"] == r), out


if __name__ == "__main__":
    run([test_counts_and_lists_from_the_indexes, test_digest_reads_every_open_case,
         test_case_card_and_plain_chinese, test_resident_withdraws,
         test_several_measures_counted, test_resident_after_resolve_reaches_the_case])
