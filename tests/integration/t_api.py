"""The admin API v1 as a consumer reads it (times ISO 8601 with the zone's
offset, the clocks as objects, names instead of codes, inclusive dates,
cursor pages, one error shape), and the console's sign-in: signed links,
the session cookie, CSRF, and what each role's session may read and do."""

import hashlib
import hmac
import json
import re
import time
import urllib.parse

from wltest import ADMIN, run, wait_until

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")

AREAS = [
    {"id": "tdj", "name": "太行东街街道", "level": "street",
     "duty": {"channel": "demo", "to": "duty-street"},
     "children": [
         {"id": "c-hd", "name": "惠丰社区", "level": "community",
          "duty": {"channel": "demo", "to": "duty-hd"},
          "children": [
              {"id": "g-hd-1", "name": "惠丰第一网格", "level": "grid",
               "duty": {"channel": "demo", "to": "duty-hd-1"}},
              {"id": "g-hd-2", "name": "惠丰第二网格", "level": "grid",
               "duty": {"channel": "demo", "to": "duty-hd-2"}}]},
         {"id": "c-xh", "name": "新华社区", "level": "community",
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


def daemon(env, **kw):
    return env.daemon(areas=AREAS, staff=STAFF, **kw)


def body(resp):
    return json.loads(resp[1])


def order(d, ref, area, **kw):
    o = {"ext_ref": ref, "area": area, "category": "取暖", "detail": "暖气不热",
         "phone": "13900000001", "name": "张大爷"}
    o.update(kw)
    s, b = d.admin("POST", "/api/v1/cases", o)
    assert s == 201, (s, b)
    return str(json.loads(b)["no"])


def sign(purpose, sid, exp):
    key = hmac.new(ADMIN.encode(), b"warmline console v1", hashlib.sha256).digest()
    return hmac.new(key, ("%s|%s|%d" % (purpose, sid, exp)).encode(),
                    hashlib.sha256).hexdigest()


def link(sid, exp_ms):
    return "/console/login?s=%s&exp=%d&sig=%s" % (sid, exp_ms, sign("login", sid, exp_ms))


class Session:
    """A browser's view: the cookie from a sign-in link, and the CSRF
    token from /api/v1/session."""

    def __init__(self, d, sid, now_ms=None):
        self.d = d
        now_ms = now_ms or int(time.time() * 1000)
        status, hdrs, _ = raw(d, "GET", link(sid, now_ms + 300000))
        assert status == 200, status
        cookie = hdrs["Set-Cookie"]
        self.set_cookie = cookie
        self.cookie = cookie.split(";")[0]
        s, b = self.get("/api/v1/session")
        assert s == 200, (s, b)
        self.me = json.loads(b)
        self.csrf = self.me["csrf"]

    def get(self, path):
        return self.d.request("GET", path, headers={"Cookie": self.cookie})

    def post(self, path, obj, csrf=True):
        h = {"Cookie": self.cookie, "Content-Type": "application/json"}
        if csrf is True:
            h["X-CSRF-Token"] = self.csrf
        elif csrf:
            h["X-CSRF-Token"] = csrf
        return self.d.request("POST", path, json.dumps(obj).encode(), headers=h)


def raw(d, method, path, headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    b = r.read()
    hdrs = {k: v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, b


def test_case_shape(env):
    d = daemon(env, fake_clock=True)
    no = order(d, "shape-1", "c-hd", deadline="2026-12-31")
    c = body(d.admin("GET", "/api/v1/cases/" + no))
    # The contract's fields keep their names and kinds.
    assert c["no"] == int(no) and c["status"] == "new" and c["urgency"] == "normal"
    assert c["area"] == "c-hd" and c["claimed_by"] is None and c["category"] == "取暖"
    # Times are ISO 8601 with the zone's offset; names, not codes.
    assert ISO.match(c["created"]) and ISO.match(c["updated"]), c
    assert c["ext_deadline"] == "2026-12-31T23:59:59+08:00", c
    assert c["source"] == "12345" and c["area_name"] == "惠丰社区", c
    assert c["status_label"] == "待认领", c
    assert "v" not in c and "ext_deadline_ms" not in c, c
    # The clocks: an object per clock.
    r = c["sla"]["respond"]
    assert r["state"] == "running" and ISO.match(r["due"]) and r["level"] == 0, r
    assert 0 < r["remaining_s"] <= 3600 and "late_s" not in r, r
    assert c["sla"]["handle"]["state"] == "running", c["sla"]
    assert c["sla"]["feedback"]["state"] == "idle" and c["sla"]["feedback"]["due"] is None
    assert c["phone"] == "13900000001", c  # the admin token sees it whole
    # An hour and a half later the respond clock is late, on level 1.
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 5400})
    r = body(d.admin("GET", "/api/v1/cases/" + no))["sla"]["respond"]
    assert r["state"] == "running" and r["late_s"] >= 1800 and r["level"] == 1, r
    assert "remaining_s" not in r, r
    # The chat resolves it with a measure; the API says its name.
    s, _ = d.hook({"id": "m1", "from": "u-liu", "text": "认领 " + no})
    s, _ = d.hook({"id": "m2", "from": "u-liu", "text": "办结 %s 棉被 2人次 300元 已送到" % no})
    c = body(d.admin("GET", "/api/v1/cases/" + no))
    assert c["status"] == "resolved" and c["measure"] == "棉被", c
    assert c["measure_kind"] == "goods" and c["amount_fen"] == 30000, c
    assert c["person_times"] == 2 and ISO.match(c["resolved_at"]), c
    assert c["claimed_by"] == "liu" and c["claimed_by_name"] == "刘敏", c
    assert c["sla"]["respond"]["state"] == "missed", c["sla"]
    tl = c["timeline"]
    assert [e["what"] for e in tl][:3] == ["created", "claimed", "resolved"], tl
    assert all(ISO.match(e["at"]) for e in tl), tl
    assert tl[1]["who"] == "liu" and tl[1]["who_name"] == "刘敏", tl
    assert tl[1]["what_label"] == "认领", tl


def test_errors_dates_and_pages(env):
    d = daemon(env)
    # One error shape, Chinese first, then English.
    for path, code in [("/api/v1/cases?status=bogus", 400),
                       ("/api/v1/cases?created_to=2026-13-01", 400),
                       ("/api/v1/cases?cursor=zzz", 400),
                       ("/api/v1/cases/424242", 404),
                       ("/api/v1/nothing", 404)]:
        s, b = d.admin("GET", path)
        e = json.loads(b)["error"]
        assert s == code and set(e) == {"code", "message"}, (path, s, b)
        assert re.search(r"[\u4e00-\u9fff]", e["message"]) and "(" in e["message"], e
    s, b = d.admin("GET", "/api/v1/cases", token="nope-nope-nope-nope")
    assert s == 401 and json.loads(b)["error"]["code"] == "unauthorized", b
    nos = [order(d, "p-%d" % i, "g-hd-1" if i % 2 else "c-xh") for i in range(7)]
    # Inclusive dates in the zone: today's cases are in "to=today".
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + 86400))
    assert body(d.admin("GET", "/api/v1/cases?created_to=" + today))["total"] == 7
    assert body(d.admin("GET", "/api/v1/cases?created_from=%s&created_to=%s"
                        % (today, today)))["total"] == 7
    assert body(d.admin("GET", "/api/v1/cases?created_from=" + tomorrow))["total"] == 0
    # Cursor pages: oldest first, each case once, then no cursor.
    seen, cur = [], None
    for _ in range(5):
        q = "/api/v1/cases?limit=3" + ("&cursor=" + urllib.parse.quote(cur) if cur else "")
        page = body(d.admin("GET", q))
        assert page["total"] == 7 and len(page["cases"]) <= 3, page
        seen += [str(c["no"]) for c in page["cases"]]
        cur = page["next_cursor"]
        if not cur:
            break
    assert seen == nos, (seen, nos)
    # A page after a filter the index does not hold still pages.
    page = body(d.admin("GET", "/api/v1/cases?limit=2&created_to=" + today))
    assert page["total"] == 7 and page["next_cursor"], page
    page2 = body(d.admin("GET", "/api/v1/cases?limit=2&created_to=%s&cursor=%s"
                         % (today, page["next_cursor"])))
    assert [c["no"] for c in page2["cases"]] == [int(n) for n in nos[2:4]], page2
    # The holder filter.
    d.hook({"id": "cl1", "from": "u-wang", "text": "认领 " + nos[1]})
    page = body(d.admin("GET", "/api/v1/cases?claimed_by=wang"))
    assert [c["no"] for c in page["cases"]] == [int(nos[1])] and page["total"] == 1, page
    page = body(d.admin("GET", "/api/v1/cases?area=c-hd&limit=2"))
    assert page["total"] == 3 and len(page["cases"]) == 2 and page["next_cursor"], page
    assert all(c["area"] == "g-hd-1" for c in page["cases"]), page


def test_sign_in_link_and_cookie(env):
    d = daemon(env)
    now = int(time.time() * 1000)
    # A forged, an expired and a tampered link open nothing.
    for path in [link("wang", now + 60000).replace("sig=", "sig=0"),
                 link("wang", now - 1000),
                 link("wang", now + 60000).replace("s=wang", "s=chen"),
                 link("nobody", now + 60000)]:
        s, h, b = raw(d, "GET", path)
        assert s == 403 and "Set-Cookie" not in h, (path, s, h)
        assert "登录" in b.decode(), b
    s, h, b = raw(d, "GET", link("wang", now + 60000))
    ck = h["Set-Cookie"]
    assert s == 200 and "HttpOnly" in ck and "SameSite=Strict" in ck, ck
    assert "Secure" not in ck and ck.startswith("wl_session="), ck
    assert "/console/" in b.decode()
    # Behind TLS (a proxy says so) the cookie is Secure.
    s, h, _ = raw(d, "GET", link("wang", now + 60000), {"X-Forwarded-Proto": "https"})
    assert "; Secure" in h["Set-Cookie"], h
    # A forged cookie is no session.
    s, _ = d.request("GET", "/api/v1/session",
                     headers={"Cookie": ck.split(";")[0][:-3] + "xyz"})
    assert s == 401
    s, _ = d.request("GET", "/api/v1/session",
                     headers={"Cookie": "wl_session=9999999999999.%s.chen"
                              % sign("session", "wang", 9999999999999)})
    assert s == 401
    # 登录 in chat answers with a link that signs the sender in.
    before = len(env.cb.messages())
    assert d.hook({"id": "login-1", "from": "u-wang", "text": "登录"})[0] == 200
    wait_until(lambda: [m for m in env.cb.messages()[before:] if m["to"] == "u-wang"],
               what="the login link")
    text = [m for m in env.cb.messages()[before:] if m["to"] == "u-wang"][0]["text"]
    assert "10 分钟" in text and "/console/login?s=wang&" in text, text
    url = urllib.parse.urlparse(text[text.index("http"):].split()[0])
    s, h, _ = raw(d, "GET", url.path + "?" + url.query)
    assert s == 200 and h["Set-Cookie"].startswith("wl_session="), (s, h)
    s, b = d.request("GET", "/api/v1/session", headers={"Cookie": h["Set-Cookie"].split(";")[0]})
    assert s == 200 and json.loads(b)["staff"]["name"] == "王芳", b
    # A resident typing 登录 gets no link.
    before = len(env.cb.messages())
    d.hook({"id": "login-2", "from": "13900000009", "text": "登录"})
    time.sleep(0.3)
    assert not any("/console/login" in m["text"] for m in env.cb.messages()[before:])
    me = Session(d, "wang").me
    assert me["staff"]["id"] == "wang" and me["staff"]["role"] == "grid_worker", me
    assert re.match(r"^[0-9a-f]{64}$", me["csrf"]), me
    # The pages are there, with a strict content policy.
    s, h, b = raw(d, "GET", "/console/")
    assert s == 200 and b"<!doctype html>" in b.lower(), b[:80]
    assert "default-src 'self'" in h["Content-Security-Policy"], h


def test_roles_see_and_act_in_their_area(env):
    d = daemon(env)
    g1 = order(d, "r-g1", "g-hd-1")
    g2 = order(d, "r-g2", "g-hd-2")
    xh = order(d, "r-xh", "c-xh")
    sees = {"wang": {g1}, "zhou": {g2}, "liu": {g1, g2}, "li": {g1, g2},
            "sun": {xh}, "zhao": {g1, g2, xh}, "chen": {g1, g2, xh}}
    for sid, want in sees.items():
        s = Session(d, sid)
        got = {str(c["no"]) for c in body(s.get("/api/v1/cases"))["cases"]}
        assert got == want, (sid, got, want)
        board = {str(c["no"]) for c in body(s.get("/api/v1/board"))["cases"]}
        assert board == want, (sid, board)
        for no in {g1, g2, xh} - want:
            assert s.get("/api/v1/cases/" + no)[0] == 404, (sid, no)
            st, b = s.post("/api/v1/cases/%s/actions" % no, {"action": "claim"})
            assert st == 404, (sid, no, st, b)
            assert s.get("/api/v1/reports/weekly?area=c-xh" if sid != "sun" else
                         "/api/v1/reports/weekly?area=c-hd")[0] == 403, sid
        # No area outside one's own, even by asking.
        if sid not in ("chen", "zhao"):
            assert s.get("/api/v1/cases?area=tdj")[0] == 403, sid
            # The monthly summary covers every unit: the street's only.
            assert s.get("/api/v1/summary/monthly")[0] == 403, sid
        else:
            assert s.get("/api/v1/summary/monthly")[0] == 200, sid
        assert s.get("/api/v1/reports/weekly?area=" + s.me["area"])[0] == 200
    # Nothing outside was touched.
    for no in (g1, g2, xh):
        assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "new"


def test_actions_csrf_and_chat(env):
    d = daemon(env)
    no = order(d, "a-1", "g-hd-1")
    s = Session(d, "wang")
    # The phone is masked until wang holds the case, as in chat.
    assert body(s.get("/api/v1/cases/" + no))["phone"] == "139****0001"
    # No token, a wrong token, another session's token: refused, no change.
    other = Session(d, "liu")
    for tok in [False, "0" * 64, other.csrf]:
        st, b = s.post("/api/v1/cases/%s/actions" % no, {"action": "claim"}, csrf=tok)
        assert st == 403 and json.loads(b)["error"]["code"] == "csrf", (tok, st, b)
    assert env.redis.cmd("HGET", "wl:case:" + no, "status") == "new"
    # Bad input gets a clear answer.
    st, b = s.post("/api/v1/cases/%s/actions" % no, {"action": "explode"})
    assert st == 400, b
    before = len(env.cb.messages())
    st, b = s.post("/api/v1/cases/%s/actions" % no, {"action": "claim"})
    r = json.loads(b)
    assert st == 200 and r["command"] == "认领 " + no, r
    assert any("已认领" in t for t in r["said"]), r
    # The same answer reaches wang's chat: one engine path.
    wait_until(lambda: any(m["to"] == "u-wang" and "已认领" in m["text"]
                           for m in env.cb.messages()[before:]), what="claim in chat")
    c = body(s.get("/api/v1/cases/" + no))
    assert c["claimed_by"] == "wang" and c["phone"] == "13900000001", c
    # liu (not the holder) still sees it masked.
    assert body(other.get("/api/v1/cases/" + no))["phone"] == "139****0001"
    st, b = s.post("/api/v1/cases/%s/actions" % no, {"action": "note", "text": "已电话联系"})
    assert st == 200, b
    st, b = s.post("/api/v1/cases/%s/actions" % no,
                   {"action": "resolve", "measure": "棉被", "person_times": 1,
                    "amount_yuan": 200, "text": "已送到家"})
    assert st == 200 and any("已办结" in t for t in json.loads(b)["said"]), b
    c = body(s.get("/api/v1/cases/" + no))
    assert c["status"] == "resolved" and c["amount_fen"] == 20000, c
    assert [e["what"] for e in c["timeline"]][-3:] == ["claimed", "note", "resolved"], c
    # An admin token has no person to act as.
    st, b = d.admin("POST", "/api/v1/cases/%s/actions" % no, {"action": "note", "text": "x"})
    assert st == 403, b


def _calls(r):
    """Scripts run: each inbound round trip is one script (load, commit);
    commands inside a script are counted apart."""
    n = 0
    for line in r.cmd("INFO", "commandstats").splitlines():
        m = re.match(r"cmdstat_(eval|evalsha):calls=(\d+)", line)
        if m:
            n += int(m.group(2))
    return n


def test_console_adds_no_round_trip_to_inbound(env):
    # A receive-only daemon: every command during the run is the inbound
    # path's. Sessions are signed, not stored: signing in and holding a
    # session costs the inbound path nothing.
    d = daemon(env, background=False)
    sessions = [Session(d, sid) for sid in ("wang", "liu", "chen")]
    for i in range(8):  # loads the scripts, connects the workers
        d.hook({"id": "warm%d" % i, "from": "warmup", "text": "你好"})
    r = env.redis.client()
    before = _calls(r)
    n = 20
    for i in range(n):
        status, _ = d.hook({"id": "rt%d" % i, "from": "1390000%04d" % i, "text": "你好"})
        assert status == 200
    assert _calls(r) - before == 2 * n, (_calls(r) - before, n)
    assert all(s.get("/api/v1/session")[0] == 200 for s in sessions)


def test_openapi_served(env):
    d = daemon(env)
    s, b = d.get("/api/v1/openapi.json")
    doc = json.loads(b)
    assert s == 200 and doc["openapi"].startswith("3."), doc.get("openapi")
    for p in ["/api/v1/cases", "/api/v1/cases/{no}", "/api/v1/cases/{no}/actions",
              "/api/v1/board", "/api/v1/session", "/api/v1/reports/{kind}"]:
        assert p in doc["paths"], p


if __name__ == "__main__":
    run([test_case_shape, test_errors_dates_and_pages, test_sign_in_link_and_cookie,
         test_roles_see_and_act_in_their_area, test_actions_csrf_and_chat,
         test_console_adds_no_round_trip_to_inbound, test_openapi_served])
