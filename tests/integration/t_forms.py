"""Places, forms and slot filling against the real daemon, with the demo
configuration's areas and staff (deploy/warmline.demo.json):

- a place a resident names (小区 and 楼号, a village) puts the case in the
  grid, whose worker (u-wang, as in the README) receives and claims it; a
  place that only reaches a community goes to its duty chat, which is told
  the grids it can 转派 to; a handover after three unclear answers keeps
  the place already known;
- `warmline check` refuses places that lead two ways and any prompt over
  one SMS segment, as FILE: WHERE: WHAT;
- a resident who writes everything at once is asked only what is missing
  (median exchanges to a case over realistic first messages ≤ 4), and
  every message they get fits one SMS segment;
- the visit form (附件1) keeps a yes/no's note whatever it says, stores the
  configured 乡镇/村 names, a date, several ticks, the worker's deadline;
  the printed 附件1 (XLSX, HTML) and the weekly 附件2 are compared cell by
  cell with the text of the county's forms.
"""

import datetime
import io
import json
import os
import re
import statistics
import subprocess
import shutil
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

from wltest import ADMIN, BIN, ROOT, run, wait_until

with open(os.path.join(ROOT, "deploy", "warmline.demo.json"), encoding="utf-8") as _f:
    DEMO = json.load(_f)

BJ = datetime.timezone(datetime.timedelta(hours=8))
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}

# The county bureau's 附件1 and 附件2 as published (临猗县民政局), one
# printed cell a line (tabs between cells on a line).
SEED_FORM1 = """困难群众走访排查记录表
乡镇（街道）：\t村（社区）：\t走访时间：
困难群众人员情况
姓名\t性 别\t年 龄
人员类别\t低保口 特困口 特殊困难老年人（独居、空巢、留守、失能、重残、计划生育特殊家庭等老年人） 困境儿童（孤儿、事实无人抚养儿童）\t其他困难群众（低保边缘户、刚性支出家庭、防返贫监测户）
身体健康状况\t健康 口 残疾 口 大病 口 慢性病 口
走访排查情况\t1、衣食住行医是否存在困难\t是 口 否 口
2、与困难群众分开居住的家庭成员是否履行赡养扶养义务，经常看望或者问候\t是 口 否 口
3、困难群众家中房屋和水电气暖设施设备是否存在积雪、覆冰、烟囱堵塞等安全隐患\t是 口 否 口
4、困难群众是否有生活照料、康复护理、精神慰藉、居家适老化改造等服务需求\t是 口 否 口
探访记录
存在问题
解决措施及时限
走访排查人签字：\t困难群众签字："""

SEED_FORM2 = """保障困难群众温暖过冬情况统计表
单位：（盖章）
日期：年月日
低保 (人)\t特困对象 (人)\t特殊困难老年人 (人)\t困境儿童 (人)\t其他困难群 众 (人)\t救助人次 (人次)\t支出金额 (万元)\t其他救助方式\t走访排查 发现急难 愁盼问题 数\t走访排查 解决急难 愁盼问题 数
救助方式\t救助人次
填报人：
备注：1、此表每周三报回。
2、其他救助方式包括：采取发放取暖炉具、取暖煤和棉衣、棉被、电热毯等御寒取暖物资等方式。
3、发现和解决问题情况（可附件简要说明）。
联系电话："""


def norm(s):
    """The same words whatever the print did: no spaces or boxes, one
    width of brackets."""
    s = re.sub(r"[\s口☐☑]", "", s)
    return s.replace("(", "（").replace(")", "）")


def seed_cells(text):
    return [norm(c) for line in text.splitlines() for c in line.split("\t")
            if norm(c)]


class Chat:
    def __init__(self, env, d):
        self.env, self.d, self.n = env, d, 0

    def send(self, frm, text):
        self.n += 1
        before = len(self.env.cb.messages())
        status, body = self.d.hook({"id": "f%d" % self.n, "from": frm, "text": text})
        assert status == 200, (status, body)
        wait_until(lambda: self.env.redis.cmd("GET", "wl:ob:depth") in (None, "0"),
                   10, what="outbox drained")
        return self.env.cb.messages()[before:]

    def say(self, frm, text):
        return "\n".join(m["text"] for m in self.send(frm, text) if m["to"] == frm)


def demo(env, **kw):
    return env.daemon(areas=DEMO["areas"], staff=DEMO["staff"], **kw)


def case_of(env, frm):
    nos = env.redis.cmd("ZRANGE", "wl:case:open:demo:" + frm, 0, -1)
    assert len(nos) == 1, (frm, nos)
    return nos[0]


def hget(env, no, field):
    return env.redis.cmd("HGET", "wl:case:" + no, field)


def sms_units(s):
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in s)


# What residents write when they write everything at once: who, where,
# what, how urgent, a phone, an age.
FULL = [
    "我妈78岁，一个人住惠丰小区3号楼2单元501，暖气不热家里很冷，很急，电话13912345678",
    "我爸八十二岁独居，住惠丰小区8号楼1单元302，家里煤不够烧，今天就需要，联系电话13800001111",
    "你好，我邻居张奶奶75岁，住新华小区5号楼，屋里暖气不热，很急，我的电话13700002222",
    "我是张家庄的，今年67岁，低保户，炉子坏了，这几天需要修，电话15900003333",
    "求助：我母亲85岁，失能卧床，住锦绣花园2号楼3单元201，缺棉被，不太急，电话 139 0000 4444",
    "家里老人70岁，住惠丰西里6号楼，生病缺药，马上需要帮助，手机18600005555",
    "我自己60岁，住东关街12号院，失业没收入，很急，电话13600006666",
    "我爷爷九十岁了，住电厂家属院3栋，取暖费交不起家里冷，这几天，电话13500007777",
    "我奶奶80岁空巢老人，住李家庄，房子漏风，不急，电话13400008888",
    "邻居刘大爷72岁，住新华里4号楼，暖气漏水屋里很冷，今天要人来，电话13300009999",
]

ANSWERS = [("是谁需要帮助", "家人"), ("哪个社区", "惠丰社区"), ("详细地址", "1号楼"),
           ("什么困难", "1"), ("具体情况", "跳过"), ("多急", "2"), ("电话", "本机"),
           ("哪一类", "不清楚"), ("是哪种情况", "其他"), ("多大年纪", "70"),
           ("怎么称呼", "跳过"), ("核对", "是")]


def test_place_routes_to_the_grid_worker(env):
    d = demo(env)
    c = Chat(env, d)
    r = "13900000101"
    first = FULL[0]
    out = c.say(r, first)
    assert "怎么称呼" in out and "是谁需要帮助" not in out, out
    assert "属于哪一类" not in out and "多大年纪" not in out, out
    c.say(r, "跳过")
    msgs = c.send(r, "是")
    no = case_of(env, r)
    assert hget(env, no, "area") == "g-hd-1", hget(env, no, "area")
    assert hget(env, no, "phone") == "13912345678"
    assert hget(env, no, "age") == "78" and hget(env, no, "category") == "取暖"
    assert hget(env, no, "address") == "惠丰小区3号楼2单元501", hget(env, no, "address")
    assert hget(env, no, "urgency") == "urgent"
    # The grid's duty chat hears of it, and the README's grid worker
    # u-wang (王芳, 惠丰社区第一网格) sees it and claims it.
    assert any(m["to"] == "duty-g-hd-1" and no in m["text"] for m in msgs), msgs
    assert no in c.say("u-wang", "待办")
    assert "已认领" in c.say("u-wang", "认领 " + no)
    assert hget(env, no, "claimed_by") == "wang"
    # 7-12号楼 of the same 小区 are the second grid's; a village is a
    # grid's too. Asking for a person at once keeps the place said.
    for frm, text, grid in (("13900000102", "惠丰小区9号楼暖气不热", "g-hd-2"),
                            ("13900000103", "张家庄的老人缺棉被", "g-xh-2")):
        c.say(frm, text)
        msgs = c.send(frm, "人工")
        no = case_of(env, frm)
        assert hget(env, no, "area") == grid, (text, hget(env, no, "area"))
        assert any(m["to"] == "duty-" + grid for m in msgs), msgs


def converse(c, env, r, first, answers):
    """Answers each question by the words it asks with; returns the
    number of messages the resident sent until a case was opened, and
    every text they got."""
    n, out, got = 1, c.send(r, first), []
    while not env.redis.cmd("ZRANGE", "wl:case:open:demo:" + r, 0, -1):
        texts = [m["text"] for m in out if m["to"] == r]
        got.extend(texts)
        ans = [a for k, a in answers if k in texts[-1]]
        assert ans, (first, texts[-1])
        n += 1
        out = c.send(r, ans[0])
        assert n <= 14, (first, n)
    got.extend(m["text"] for m in out if m["to"] == r)
    return n, got, out


def test_place_without_building_goes_to_the_community(env):
    d = demo(env)
    c = Chat(env, d)
    r = "13900000111"
    _, _, msgs = converse(c, env, r, "我家暖气不热",
                          [("哪个社区", "惠丰小区"), ("详细地址", "东门口平房")] + ANSWERS)
    no = case_of(env, r)
    assert hget(env, no, "area") == "c-hd", hget(env, no, "area")
    notice = [m["text"] for m in msgs if m["to"] == "duty-c-hd"]
    assert notice, msgs
    # The community is told where it can pass the case on.
    assert "可转派到：惠丰社区第一网格、惠丰社区第二网格" in notice[0], notice[0]
    assert "辖区内没有" in c.say("u-wang", "待办") or no not in c.say("u-wang", "待办")
    out = c.say("u-li", "转派 %s 惠丰社区第一网格" % no)
    assert hget(env, no, "area") == "g-hd-1", (out, hget(env, no, "area"))
    assert "已认领" in c.say("u-wang", "认领 " + no)


def test_handover_keeps_the_place(env):
    d = demo(env)
    c = Chat(env, d)
    r = "13900000121"
    c.say(r, "你好")
    c.say(r, "1")
    assert "遇到什么困难" in c.say(r, "惠丰小区11号楼")
    c.say(r, "啊")
    c.say(r, "嗯嗯")
    msgs = c.send(r, "哦")
    assert any("转接人工" in m["text"] for m in msgs if m["to"] == r), msgs
    no = case_of(env, r)
    # Three unclear answers: a person takes over, in the grid already known.
    assert hget(env, no, "source") == "handover"
    assert hget(env, no, "area") == "g-hd-2", hget(env, no, "area")
    assert any(m["to"] == "duty-g-hd-2" for m in msgs), msgs


def check(path):
    p = subprocess.run([BIN, "check", "-c", path], cwd=ROOT, capture_output=True,
                       timeout=30)
    return p.returncode, p.stdout.decode() + p.stderr.decode()


def test_check_refuses_places_and_long_prompts(env):
    cfg = json.loads(json.dumps(DEMO))
    cfg.pop("redis", None)
    cfg["flows_dir"] = os.path.join(ROOT, "flows")
    path = os.path.join(env.tmp, "w.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    rc, out = check(path)
    assert rc == 0 and "configuration OK" in out, out
    # The same buildings in two grids: which grid is 5号楼?
    grid2 = cfg["areas"][0]["children"][0]["children"][1]
    grid2["places"][0] = {"name": "惠丰小区", "buildings": "5-12"}
    cfg["areas"][0]["children"][1]["children"][0]["places"].append(
        {"name": "新华小区", "buildings": "3-x"})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    rc, out = check(path)
    assert rc == 1, out
    assert ("%s: areas[0].children[0].children[1].places[0]: place “惠丰小区” "
            "is also in areas[0].children[0].children[0]" % path) in out \
        or ("%s: areas[0].children[0].children[1].places[0]: place \"惠丰小区\" "
            "is also in areas[0].children[0].children[0]" % path) in out, out
    assert "%s: areas[0].children[1].children[0].places[3].buildings: must be " \
        "building numbers" % path in out, out
    # A resident's prompt over one SMS segment is an error.
    flows = os.path.join(env.tmp, "flows")
    shutil.copytree(os.path.join(ROOT, "flows"), flows)
    with open(os.path.join(flows, "help.json"), encoding="utf-8") as f:
        help_flow = json.load(f)
    help_flow["nodes"]["name"]["text"]["zh"] = "怎么称呼需要帮助的人？" * 7
    with open(os.path.join(flows, "help.json"), "w", encoding="utf-8") as f:
        json.dump(help_flow, f, ensure_ascii=False)
    cfg = json.loads(json.dumps(DEMO))
    cfg["flows_dir"] = flows
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    rc, out = check(path)
    assert rc == 1, out
    line = "%s/help.json: nodes.name.text.zh: prompt is 77 characters and needs " \
        "2 SMS segments" % flows
    assert line in out, out


def test_full_first_message_is_asked_only_what_is_missing(env):
    d = demo(env)
    c = Chat(env, d)
    counts, got = [], []
    for i, first in enumerate(FULL):
        r = "1580000%04d" % i
        n, texts, _ = converse(c, env, r, first, ANSWERS)
        got.extend(texts)
        counts.append(n)
        no = case_of(env, r)
        # The phone and the age the message said, and a grid when the
        # place names one.
        phone = re.sub(r"\D", "", first.split("电话")[-1].split("手机")[-1])[:11]
        assert hget(env, no, "phone") == phone, (first, hget(env, no, "phone"))
        assert hget(env, no, "trigger_text") == first
        assert hget(env, no, "area").startswith("g-"), (first, hget(env, no, "area"))
    print("exchanges to a case per full first message: %s, median %s"
          % (counts, statistics.median(counts)), flush=True)
    assert statistics.median(counts) <= 4, counts
    # Every message a resident got fits one SMS segment.
    long = [m for m in got if sms_units(m) > 70]
    assert not long, long


def visit(c):
    steps = ["走访", "太行东街", "惠丰", "今天上午", "刘大娘", "女", "七十八", "1 3", "独居",
             "残疾、慢性病", "是，缺棉被，煤不够", "否，子女在外地，很少来看", "有，烟囱堵塞",
             "没有", "屋里12度，米面油够一周", "缺棉被、缺煤，烟囱堵塞",
             "12月5日前送棉被和煤，联系清理烟囱"]
    for t in steps:
        out = c.say("u-wang", t)
    assert "核对" in out and "缺棉被，煤不够" in out, out
    assert "走访记录已提交" in c.say("u-wang", "是")


def nearest(month, day, today):
    return min((datetime.date(today.year + k, month, day) for k in (-1, 0, 1)),
               key=lambda x: abs((x - today).days))


def report(d, kind, fmt):
    """The report's bytes as served (an XLSX is binary)."""
    req = urllib.request.Request(d.url("/api/v1/reports/%s.%s" % (kind, fmt)),
                                 headers={"Authorization": "Bearer " + ADMIN})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200, r.status
        return r.read()


def sheets(data):
    """{sheet name: {"A1": text}} with shared strings resolved."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        names = [s.get("name") for s in wb.iter("{%s}sheet" % NS["m"])]
        for i, name in enumerate(names):
            sheet = ET.fromstring(z.read("xl/worksheets/sheet%d.xml" % (i + 1)))
            cells = {}
            for cell in sheet.iter("{%s}c" % NS["m"]):
                v = cell.find("m:v", NS)
                if v is None:
                    continue
                cells[cell.get("r")] = shared[int(v.text)] if cell.get("t") == "s" \
                    else v.text
            setup = sheet.find("m:pageSetup", NS)
            out[name] = (cells, setup.get("orientation") if setup is not None else None)
    return out


def test_visit_form_and_the_printed_forms(env):
    d = demo(env)
    c = Chat(env, d)
    visit(c)
    today = datetime.datetime.now(BJ).date()
    rows = json.loads(report(d, "visits", "json"))["rows"]
    assert len(rows) == 1, rows
    v = rows[0]
    assert v["town"] == "太行东街街道" and v["village"] == "惠丰社区", v
    assert v["visit_time"] == today.isoformat(), v
    assert v["person_category"] == "低保、特殊困难老年人（独居）", v
    assert v["health"] == "残疾、慢性病", v
    assert v["q1"] == "是：缺棉被，煤不够", v
    assert v["q2"] == "否：子女在外地，很少来看", v
    assert v["q3"] == "是：烟囱堵塞" and v["q4"] == "否", v
    deadline = nearest(12, 5, today)
    assert v["deadline"] == deadline.isoformat(), v
    # Each problem is a case: 发现急难愁盼问题数 counts all three.
    problems = json.loads(report(d, "problems", "json"))["rows"]
    assert sorted(p["category"] for p in problems) == \
        ["安全隐患", "家庭成员未履行赡养扶养义务", "衣食住行医困难"], problems
    assert {p["deadline"] for p in problems} == {deadline.isoformat() + " 23:59"}, problems
    assert "缺棉被，煤不够" in {p["problem"] for p in problems}, problems

    # 附件1 printed: a sheet per visit, portrait, every cell of the form.
    books = sheets(report(d, "forms", "xlsx"))
    assert list(books) == ["记录表1"], list(books)
    cells, orient = books["记录表1"]
    assert orient == "portrait"
    got = [norm(t) for t in cells.values()]
    for want in seed_cells(SEED_FORM1):
        assert any(g == want or g.startswith(want) for g in got), (want, got)
    by = {norm(t): ref for ref, t in cells.items()}
    assert "乡镇（街道）：太行东街街道" in by and "村（社区）：惠丰社区" in by, by
    assert "走访时间：%d年%d月%d日" % (today.year, today.month, today.day) in by, by
    row_of = lambda label: re.sub(r"\D", "", by[label])
    assert cells["B%s" % row_of("姓名")] == "刘大娘"
    assert cells["D%s" % row_of("性别")] == "女" and cells["F%s" % row_of("年龄")] == "78"
    cat = cells["B%s" % row_of("人员类别")]
    assert "低保☑" in cat and "特困☐" in cat and "老年人）☑" in cat and "儿童）☐" in cat, cat
    health = cells["B%s" % row_of("身体健康状况")]
    assert "健康 ☐" in health and "残疾 ☑" in health and "慢性病 ☑" in health, health
    q1 = [ref for ref, t in cells.items() if t.startswith("1、衣食住行医")][0]
    r1 = int(re.sub(r"\D", "", q1))
    assert cells["E%d" % r1] == "是 ☑ 否 ☐" and cells["F%d" % r1] == "缺棉被，煤不够"
    assert cells["E%d" % (r1 + 1)] == "是 ☐ 否 ☑"
    measures = cells["B%s" % row_of("解决措施及时限")]
    assert "（时限：%d年12月5日）" % deadline.year in measures, measures
    assert "走访排查人签字：" in by and "困难群众签字：" in by
    # The same form as a page to print to PDF.
    html = report(d, "forms", "html").decode("utf-8")
    assert html.count('<div class="form">') == 1 and "break-after:page" in html
    for want in ("困难群众走访排查记录表", "刘大娘", "缺棉被，煤不够", "走访排查人签字："):
        assert want in html, want

    # 附件2: 单位：（盖章）, 日期 年 月 日, 填报人 and 联系电话 from the config.
    books = sheets(report(d, "weekly", "xlsx"))
    cells = list(books.values())[0][0]
    got = {norm(t) for t in cells.values()}
    for want in seed_cells(SEED_FORM2):
        if want in ("单位：（盖章）", "日期：年月日", "填报人：", "联系电话："):
            continue
        assert want in got or want.replace("（", "").replace("）", "") in got, (want, got)
    assert "单位：太行东街街道（盖章）" in got, got
    assert "日期：%d年%d月%d日" % (today.year, today.month, today.day) in got, got
    assert "填报人：赵敏" in got and "联系电话：03596012345" in got, got


def test_retries_fit_one_sms(env):
    """Every question answered wrongly once: each hint and each question
    the resident gets is one SMS segment."""
    d = demo(env)
    c = Chat(env, d)
    r = "13900000131"
    got = []
    for t in ["你好", "嗯？", "1", "火星", "新华", "第一网格", "5号楼", "嗯", "1",
              "跳过", "嗯", "2", "abc", "本机", "嗯", "3", "嗯", "1", "很老", "80",
              "跳过", "对"]:
        got.extend(m["text"] for m in c.send(r, t) if m["to"] == r)
    assert any("工单号" in m for m in got), got
    long = [m for m in got if sms_units(m) > 70]
    assert not long, long


if __name__ == "__main__":
    run([test_place_routes_to_the_grid_worker,
         test_place_without_building_goes_to_the_community,
         test_handover_keeps_the_place,
         test_check_refuses_places_and_long_prompts,
         test_full_first_message_is_asked_only_what_is_missing,
         test_visit_form_and_the_printed_forms,
         test_retries_fit_one_sms])
