"""Reports against the real daemon and a real redis-server: cases opened
through the admin API and a grid worker's visit filed in chat, handled by
staff through the generic channel, a week passing on the fake clock; then
`warmline report` writes the weekly table as XLSX (read back here with
zipfile: the title, the merged two-level header, the numbers, 宋体,
landscape), the admin API serves the same table as CSV and JSON and the
ledgers, and Open311 GeoReport v2 lists the cases without a phone number,
a name or an address in sight."""

import csv
import datetime
import io
import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile

from wltest import ADMIN, BIN, ROOT, run, wait_until

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
         staff("liu", "刘敏", "community_staff", "c-hd"),
         staff("sun", "孙丽", "community_staff", "c-xh"),
         staff("zhao", "赵敏", "street_staff", "tdj")]

VISIT = ["走访", "太行东街街道", "惠丰社区", "今天上午", "刘大娘", "女", "七十八", "3",
         "独居", "慢性病", "是", "缺棉被，煤不够", "否", "子女在外地，很少来看", "有",
         "烟囱堵塞", "没有", "屋里12度，米面油够一周", "缺棉被、缺煤，烟囱堵塞有煤气中毒风险",
         "三天内送棉被和煤，联系清理烟囱", "是"]

BJ = datetime.timezone(datetime.timedelta(hours=8))
XLSX_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


class Chat:
    def __init__(self, env, d):
        self.env, self.d, self.n = env, d, 0

    def say(self, frm, text):
        self.n += 1
        status, body = self.d.hook({"id": "rep-%d" % self.n, "from": frm, "text": text})
        assert status == 200, (status, body)
        wait_until(lambda: self.env.redis.cmd("GET", "wl:ob:depth") in (None, "0"),
                   10, what="outbox drained")
        return "\n".join(m["text"] for m in self.env.cb.messages() if m["to"] == frm)


def open_case(d, ref, **fields):
    body = dict(fields, ext_ref=ref)
    status, out = d.admin("POST", "/api/v1/cases", body)
    assert status == 201, (status, out)
    return str(json.loads(out)["no"])


def wait_away_from_week_end():
    """The scenario takes seconds; do not start it in the last two
    minutes of a reporting week (Tuesday 24:00 +08:00)."""
    now = datetime.datetime.now(BJ)
    if now.weekday() == 1 and now.hour == 23 and now.minute >= 58:
        time.sleep((60 - now.minute) * 60 - now.second + 1)


def week_start(day):
    """The Wednesday that starts the reporting week of a date."""
    return day - datetime.timedelta(days=(day.weekday() - 2) % 7)


def hget(env, no, field):
    return env.redis.cmd("HGET", "wl:case:" + no, field)


def scenario(env):
    """Returns (daemon, the reporting week's Wednesday, case numbers)."""
    wait_away_from_week_end()
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    a = open_case(d, "r-a", area="c-hd", category="取暖", name="张大爷",
                  phone="13900000001", person_category="低保",
                  address="幸福小区3号楼2单元501", detail="暖气不热，家里只有12度")
    b = open_case(d, "r-b", area="c-hd", category="取暖", name="张大爷",
                  phone="139 0000 0001", person_category="低保")
    cx = open_case(d, "r-c", area="c-xh", category="吃穿物资", name="李奶奶",
                   phone="13900000005", person_category="特困")
    dx = open_case(d, "r-d", area="c-xh", category="取暖", name="周爷爷",
                   phone="13900000006", person_category="特殊困难老年人")
    e = open_case(d, "r-e", area="tdj", category="生活困难", name="吴某",
                  phone="13900000007", person_category="困境儿童")
    assert "已认领" in c.say("u-liu", "认领 " + a)
    assert "已办结" in c.say("u-liu", "办结 %s 临时救助 1人次 1500元 已发放" % a)
    assert "已认领" in c.say("u-liu", "认领 " + b)
    assert "已办结" in c.say("u-liu", "办结 %s 取暖煤 2人次" % b)
    assert "已认领" in c.say("u-sun", "认领 " + cx)
    assert "已撤销" in c.say("u-sun", "撤销 %s 重复工单" % cx)
    assert "已认领" in c.say("u-sun", "认领 " + dx)
    assert "已认领" in c.say("u-zhao", "认领 " + e)
    assert "已办结" in c.say("u-zhao", "办结 %s 纳入特困 0元" % e)
    # A grid worker files a visit; three problems become three cases.
    before = set(env.redis.cmd("ZRANGE", "wl:cases", 0, -1))
    for t in VISIT:
        out = c.say("u-wang", t)
    assert "走访记录已提交" in out, out
    assert env.redis.cmd("ZCARD", "wl:visits") == 1
    visit_cases = sorted(set(env.redis.cmd("ZRANGE", "wl:cases", 0, -1)) - before, key=int)
    assert len(visit_cases) == 3, visit_cases
    assert all(hget(env, n, "source") == "visit" for n in visit_cases)
    v1 = visit_cases[0]
    assert "已认领" in c.say("u-wang", "认领 " + v1)
    assert "已办结" in c.say("u-wang", "办结 %s 棉被 1人次 200元 已送到家" % v1)
    # Everything so far happened in one reporting week.
    times = [int(hget(env, n, "resolved_at")) for n in (a, b, e, v1)]
    days = {week_start(datetime.datetime.fromtimestamp(t / 1000, BJ).date())
            for t in times}
    assert len(days) == 1, days
    week = days.pop()
    # A week passes; 周爷爷's case is resolved in the next reporting week.
    status, _ = d.admin("POST", "/api/v1/debug/clock", {"advance_s": 7 * 86400})
    assert status == 200
    assert "已办结" in c.say("u-sun", "办结 %s 临时救助 1人次 500元" % dx)
    return d, week, {"a": a, "b": b, "c": cx, "d": dx, "e": e, "visit": visit_cases}


def report_cli(d, *args):
    p = subprocess.run([BIN, "report"] + list(args), cwd=ROOT, capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def xlsx_cells(path):
    """{"A1": value} of the first sheet, shared strings resolved, and the
    sheet's XML root, the styles XML text."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "xl/worksheets/sheet1.xml" in names, names
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", XLSX_NS):
                shared.append("".join(t.text or "" for t in si.iter(
                    "{%s}t" % XLSX_NS["m"])))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
        styles = z.read("xl/styles.xml").decode("utf-8")
        wb = z.read("xl/workbook.xml").decode("utf-8")
    cells = {}
    for c in sheet.iter("{%s}c" % XLSX_NS["m"]):
        v = c.find("m:v", XLSX_NS)
        if v is None:
            continue
        if c.get("t") == "s":
            cells[c.get("r")] = shared[int(v.text)]
        else:
            cells[c.get("r")] = float(v.text)
    return cells, sheet, styles, wb


HEAD = ["单位", "低保（人）", "特困对象（人）", "特殊困难老年人（人）", "困境儿童（人）",
        "其他困难群众（人）", "救助人次（人次）", "支出金额（万元）", "其他救助方式-救助方式",
        "其他救助方式-救助人次", "走访排查发现急难愁盼问题数", "走访排查解决急难愁盼问题数"]

# Week 1, by hand: 惠丰 — 张大爷 (two cases, one person, 低保), 刘大娘
# (the visit and her resolved visit case: one person, 特殊困难老年人);
# 临时救助 1500元 = 0.15万元; 取暖煤 2 + 棉被 1; three problems found on
# the visit, one solved. 新华 — 李奶奶 cancelled, 周爷爷 resolved next
# week. 街道本级 — 吴某 (困境儿童) 纳入特困.
WEEK1 = [["惠丰社区", 1, 0, 1, 0, 0, 1, 0.15, "取暖煤、棉被", 3, 3, 1],
         ["新华社区", 0, 0, 0, 0, 0, 0, 0.0, "", 0, 0, 0],
         ["街道本级", 0, 0, 0, 1, 0, 1, 0.0, "", 0, 0, 0],
         ["合计", 1, 0, 1, 1, 0, 2, 0.15, "取暖煤、棉被", 3, 3, 1]]
WEEK2 = [["惠丰社区", 0, 0, 0, 0, 0, 0, 0.0, "", 0, 0, 0],
         ["新华社区", 0, 0, 1, 0, 0, 1, 0.05, "", 0, 0, 0],
         ["街道本级", 0, 0, 0, 0, 0, 0, 0.0, "", 0, 0, 0],
         ["合计", 0, 0, 1, 0, 0, 1, 0.05, "", 0, 0, 0]]


def check_xlsx(path, want, week):
    cells, sheet, styles, wb = xlsx_cells(path)
    cols = "ABCDEFGHIJKL"
    assert cells["A1"] == "保障困难群众温暖过冬情况统计表", cells.get("A1")
    assert cells["A2"] == "单位：太行东街街道（盖章）", cells.get("A2")
    end = week + datetime.timedelta(days=6)
    period = "%d年%d月%d日至%d年%d月%d日" % (week.year, week.month, week.day,
                                        end.year, end.month, end.day)
    assert period in cells["E2"], cells.get("E2")
    assert re.match(r"^日期：\d{4}年\d{1,2}月\d{1,2}日$", cells["J2"]), cells.get("J2")
    # The two-level header: 其他救助方式 over 救助方式 and 救助人次.
    assert cells["I3"] == "其他救助方式" and cells["I4"] == "救助方式" \
        and cells["J4"] == "救助人次", (cells.get("I3"), cells.get("I4"))
    for i, h in enumerate(HEAD):
        if "-" not in h:
            assert cells["%s3" % cols[i]] == h, (i, cells.get("%s3" % cols[i]))
    merges = {m.get("ref") for m in sheet.iter("{%s}mergeCell" % XLSX_NS["m"])}
    assert {"A1:L1", "I3:J3", "A3:A4", "B3:B4", "L3:L4"} <= merges, merges
    for r, row in enumerate(want):
        for i, v in enumerate(row):
            got = cells.get("%s%d" % (cols[i], 5 + r), "")
            if isinstance(v, str):
                assert got == v, (r, i, got, v)
            else:
                assert abs(got - v) < 1e-9, (r, i, got, v)
    assert "备注：1、此表每周三报回。" in cells.values()
    # Printed like the paper form: 宋体, landscape, one page wide.
    assert "宋体" in styles
    setup = sheet.find("m:pageSetup", XLSX_NS)
    assert setup is not None and setup.get("orientation") == "landscape", setup
    assert setup.get("fitToHeight") == "0"
    pr = sheet.find("m:sheetPr/m:pageSetUpPr", XLSX_NS)
    assert pr is not None and pr.get("fitToPage") == "1"
    assert "周报表" in wb


def test_weekly_xlsx_from_the_cli(env):
    d, week, nos = scenario(env)
    out = os.path.join(env.tmp, "week1.xlsx")
    rc, _, err = report_cli(d, "weekly", "-c", d.path, "--week",
                            (week + datetime.timedelta(days=3)).isoformat(),
                            "--format", "xlsx", "-o", out)
    assert rc == 0, err
    assert "已生成" in err, err
    check_xlsx(out, WEEK1, week)
    week2 = week + datetime.timedelta(days=7)
    out2 = os.path.join(env.tmp, "week2.xlsx")
    rc, _, err = report_cli(d, "weekly", "-c", d.path, "--from", week2.isoformat(),
                            "--to", (week2 + datetime.timedelta(days=6)).isoformat(),
                            "--format", "xlsx", "-o", out2)
    assert rc == 0, err
    check_xlsx(out2, WEEK2, week2)
    # CSV on stdout: BOM, the flat header, the same numbers.
    rc, body, err = report_cli(d, "weekly", "-c", d.path, "--week", week.isoformat())
    assert rc == 0, err
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert rows[0] == HEAD, rows[0]
    assert rows[1] == ["惠丰社区", "1", "0", "1", "0", "0", "1", "0.15", "取暖煤、棉被",
                       "3", "3", "1"], rows[1]
    assert rows[4][0] == "合计" and rows[4][6] == "2", rows[4]
    # Clear errors, in Chinese first.
    rc, _, err = report_cli(d, "weekly", "-c", d.path, "--area", "火星")
    assert rc == 2 and "没有这个区域" in err, (rc, err)
    rc, _, err = report_cli(d, "weekly", "-c", d.path, "--from", "2025-13-01",
                            "--to", "2025-12-01")
    assert rc == 2 and "YYYY-MM-DD" in err, (rc, err)
    rc, _, err = report_cli(d, "monthly", "-c", d.path)
    assert rc == 2 and "不认识的报表" in err, (rc, err)
    dead = dict(d.cfg)
    dead["redis"] = {"url": "redis://127.0.0.1:1/0", "prefix": "wl:"}
    dead_path = os.path.join(env.tmp, "dead.json")
    with open(dead_path, "w") as f:
        json.dump(dead, f, ensure_ascii=False)
    rc, _, err = report_cli(d, "weekly", "-c", dead_path)
    assert rc == 1 and "无法连接 Redis" in err, (rc, err)


def test_reports_over_the_admin_api(env):
    d, week, nos = scenario(env)
    q = "?week=%s" % week.isoformat()
    assert d.request("GET", "/api/v1/reports/weekly" + q)[0] == 401
    status, body = d.admin("GET", "/api/v1/reports/weekly" + q)
    assert status == 200, body
    j = json.loads(body)
    assert j["report"] == "weekly" and j["from"] == week.isoformat(), j
    assert [r["unit"] for r in j["rows"]] == ["惠丰社区", "新华社区", "街道本级", "合计"]
    hd = j["rows"][0]
    assert (hd["dibao"], hd["elderly"], hd["relief_times"], hd["amount_wan"],
            hd["goods"], hd["goods_times"], hd["found"], hd["solved"]) == \
        (1, 1, 1, 0.15, "取暖煤、棉被", 3, 3, 1), hd
    assert j["rows"][3].get("total") is True
    # CSV by query and by extension; the same table.
    req = d.url("/api/v1/reports/weekly.csv" + q)
    import urllib.request
    r = urllib.request.urlopen(urllib.request.Request(
        req, headers={"Authorization": "Bearer " + ADMIN}), timeout=30)
    raw = r.read()
    assert r.headers["Content-Type"].startswith("text/csv"), r.headers
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert rows[0] == HEAD and rows[1][7] == "0.15", rows[:2]
    # XLSX over HTTP is the same workbook.
    r = urllib.request.urlopen(urllib.request.Request(
        d.url("/api/v1/reports/weekly" + q + "&format=xlsx"),
        headers={"Authorization": "Bearer " + ADMIN}), timeout=30)
    path = os.path.join(env.tmp, "api.xlsx")
    with open(path, "wb") as f:
        f.write(r.read())
    check_xlsx(path, WEEK1, week)
    # Ledgers.
    status, body = d.admin("GET", "/api/v1/reports/visits" + q)
    v = json.loads(body)["rows"]
    assert len(v) == 1 and v[0]["name"] == "刘大娘" and v[0]["staff"] == "王芳", v
    assert v[0]["q1"] == "是：缺棉被，煤不够" and v[0]["age"] == 78, v[0]
    status, body = d.admin("GET", "/api/v1/reports/needs" + q)
    needs = json.loads(body)["rows"]
    by_no = {r["no"]: r for r in needs}
    assert nos["c"] not in by_no  # cancelled
    assert by_no[nos["a"]]["phone"] == "13900000001"
    assert by_no[nos["a"]]["amount_yuan"] == 1500.0
    assert by_no[nos["a"]]["status"] == "已办结" and by_no[nos["a"]]["staff"] == "刘敏"
    assert by_no[nos["d"]]["status"] == "已办结"  # resolved since, listed by opening
    status, body = d.admin("GET", "/api/v1/reports/problems" + q)
    probs = {r["no"]: r for r in json.loads(body)["rows"]}
    assert set(probs) == set(nos["visit"]) | {nos["a"], nos["b"], nos["d"], nos["e"]}, \
        probs.keys()  # every work order here came from the API (12345)
    v1 = probs[nos["visit"][0]]
    assert v1["source"] == "走访排查" and v1["measure"] == "棉被：已送到家", v1
    assert v1["staff"] == "王芳" and v1["problem"] == "缺棉被，煤不够", v1
    # A week later, the two unhandled visit problems are overdue.
    for n in nos["visit"][1:]:
        assert probs[n]["status"] == "待认领（已超期）", probs[n]
        assert probs[n]["staff"] == "未认领", probs[n]
    # A resident's survey closes a case without writing feedback_at: the
    # ledger takes the time of the feedback event on the timeline.
    v1 = nos["visit"][0]
    at = int(hget(env, v1, "resolved_at")) + 3600 * 1000
    env.redis.cmd("RPUSH", "wl:case:%s:tl" % v1, json.dumps(
        {"at": str(at), "who": "13900000009", "what": "feedback", "detail": "居民回访反馈"}))
    env.redis.cmd("HSET", "wl:case:" + v1, "status", "closed", "solved", "是",
                  "satisfaction", "满意")
    status, body = d.admin("GET", "/api/v1/reports/problems" + q)
    row = {r["no"]: r for r in json.loads(body)["rows"]}[v1]
    when = datetime.datetime.fromtimestamp(at / 1000, BJ).strftime("%Y-%m-%d %H:%M")
    assert (row["feedback_at"], row["solved"], row["satisfaction"], row["status"]) == \
        (when, "是", "满意", "已回访"), row
    status, body = d.admin("GET", "/api/v1/reports/needs.csv?area=c-xh")
    assert status == 200 and body.startswith("\ufeff"), body[:20]
    assert "周爷爷" in body and "张大爷" not in body
    assert d.admin("GET", "/api/v1/reports/monthly")[0] == 404
    assert d.admin("GET", "/api/v1/reports/weekly?week=2025-02-30")[0] == 400
    assert d.admin("GET", "/api/v1/reports/weekly?format=pdf")[0] == 400
    assert d.admin("GET", "/api/v1/reports/weekly?area=nowhere")[0] == 400


def test_open311(env):
    d, week, nos = scenario(env)
    status, body = d.get("/open311/v2/services.json")
    assert status == 200, body
    services = json.loads(body)
    codes = {s["service_code"] for s in services}
    assert {"help", "hazard", "rough_sleeper", "visit", "12345"} <= codes, codes
    for s in services:
        assert s["metadata"] is False and s["type"] == "realtime" and s["service_name"]
    status, body = d.get("/open311/v2/requests.json")
    assert status == 200, body
    reqs = json.loads(body)
    assert isinstance(reqs, list) and len(reqs) == 8, reqs
    # No person in a public answer.
    for secret in ("1390000000", "张大爷", "刘大娘", "幸福小区", "暖气不热", "王芳"):
        assert secret not in body, secret
    by_id = {r["service_request_id"]: r for r in reqs}
    for r in reqs:
        assert r["status"] in ("open", "closed"), r
        assert ISO.match(r["requested_datetime"]), r
        assert ISO.match(r["updated_datetime"]), r
        assert "phone" not in r and "name" not in r
    a = by_id[nos["a"]]
    assert a["status"] == "closed" and a["status_notes"] == "已办结", a
    assert a["service_code"] == "12345" and a["description"] == "取暖", a
    assert a["agency_responsible"] == "惠丰社区" and a["address"] == "太行东街街道 惠丰社区", a
    assert by_id[nos["c"]]["status"] == "closed" and by_id[nos["c"]]["status_notes"] == "已撤销"
    v2 = by_id[nos["visit"][1]]
    assert v2["status"] == "open" and v2["service_code"] == "visit", v2
    assert v2["address"] == "太行东街街道 惠丰社区 惠丰第一网格", v2
    assert ISO.match(v2["expected_datetime"]), v2
    # Newest first.
    assert [r["service_request_id"] for r in reqs] == \
        list(reversed(env.redis.cmd("ZRANGE", "wl:cases", 0, -1)))
    # Filters.
    opened = json.loads(d.get("/open311/v2/requests.json?status=open")[1])
    assert {r["service_request_id"] for r in opened} == set(nos["visit"][1:]), opened
    visits = json.loads(d.get("/open311/v2/requests.json?service_code=visit")[1])
    assert {r["service_request_id"] for r in visits} == set(nos["visit"])
    two = json.loads(d.get("/open311/v2/requests.json?service_request_id=%s,%s" %
                           (nos["a"], nos["e"]))[1])
    assert [r["service_request_id"] for r in two] == [nos["a"], nos["e"]], two
    future = json.loads(d.get("/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z"
                              "&end_date=2099-01-02T00:00:00%2B08:00")[1])
    assert future == [], future
    status, body = d.get("/open311/v2/requests/%s.json" % nos["e"])
    one = json.loads(body)
    assert status == 200 and len(one) == 1 and one[0]["service_request_id"] == nos["e"]
    assert one[0]["agency_responsible"] == "太行东街街道", one
    status, body = d.get("/open311/v2/requests/999999.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404, body
    assert d.get("/open311/v2/requests.xml")[0] == 400
    assert d.get("/open311/v2/requests.json?status=bogus")[0] == 400
    assert d.get("/open311/v2/requests.json?start_date=yesterday")[0] == 400
    assert d.get("/open311/v2/requests.json?start_date=2020-01-01")[0] == 400  # > 90 days


if __name__ == "__main__":
    run([test_weekly_xlsx_from_the_cli,
         test_reports_over_the_admin_api,
         test_open311])
