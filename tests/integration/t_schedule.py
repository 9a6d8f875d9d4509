"""Scheduled jobs on the fake clock: the overdue digest reaches the
supervisors every morning, the weekly table every Wednesday, each once
even with two daemons sweeping."""

import datetime
import json
import time

from t_cases import AREAS, STAFF, Chat
from wltest import run, wait_until

CST = datetime.timezone(datetime.timedelta(hours=8))


def seconds_until(weekday, hour, minute):
    """Seconds from now until the next local time (weekday: 1..7 or None)."""
    now = datetime.datetime.now(CST)
    t = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while t <= now or (weekday and t.isoweekday() != weekday):
        t += datetime.timedelta(days=1)
    return int((t - now).total_seconds()) + 5


def test_digest_and_weekly_table(env):
    d1 = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="a")
    d2 = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, name="b")
    c = Chat(env, d1)
    status, body = d1.admin("POST", "/api/v1/cases",
                            {"ext_ref": "dg-1", "area": "c-hd", "category": "取暖"})
    no = str(json.loads(body)["no"])
    c.settle()
    wait_until(lambda: env.redis.cmd("ZCARD", "wl:timers") > 0, 5, what="plans")
    # The next 08:00: the case is hours late by then.
    s = seconds_until(None, 8, 0)
    if s < 2 * 3600:
        s += 86400
    advanced = s
    for d in (d1, d2):
        d.admin("POST", "/api/v1/debug/clock", {"advance_s": s})
    digest = wait_until(lambda: [m for m in env.cb.messages(to="u-chen")
                                 if "逾期工单日报" in m["text"]], 15, what="the digest")
    time.sleep(1.0)
    c.settle()
    digest = [m for m in env.cb.messages(to="u-chen") if "逾期工单日报" in m["text"]]
    assert len(digest) == 1, digest
    assert no in digest[0]["text"] and "惠丰社区" in digest[0]["text"], digest[0]
    assert any("逾期工单日报" in m["text"] for m in env.cb.messages(to="duty-street"))
    # On to Wednesday 09:00: the weekly table.
    s = seconds_until(3, 9, 0)
    advanced += s
    for d in (d1, d2):
        d.admin("POST", "/api/v1/debug/clock", {"advance_s": s})
    wait_until(lambda: [m for m in env.cb.messages(to="u-chen") if "周报" in m["text"]],
               20, what="the weekly table")
    time.sleep(1.0)
    c.settle()
    weekly = [m for m in env.cb.messages(to="u-chen") if "周报" in m["text"]]
    assert len(weekly) == 1, weekly
    text = weekly[0]["text"]
    for word in ["惠丰社区", "低保", "救助", "万元", "发现问题", "合计"]:
        assert word in text, (word, text)
    assert "/api/v1/reports/download?" in text and "sig=" in text, text
    # On to the 19th at 09:00: the monthly progress summary (before the 20th).
    now = datetime.datetime.now(CST) + datetime.timedelta(seconds=advanced)
    t = now.replace(day=19, hour=9, minute=0, second=0, microsecond=0)
    if t <= now:
        t = (t + datetime.timedelta(days=40)).replace(day=19)
    for d in (d1, d2):
        d.admin("POST", "/api/v1/debug/clock",
                {"advance_s": int((t - now).total_seconds()) + 5})
    wait_until(lambda: [m for m in env.cb.messages(to="u-chen") if "月度小结" in m["text"]],
               20, what="the monthly summary")
    time.sleep(1.0)
    c.settle()
    monthly = [m for m in env.cb.messages(to="u-chen") if "月度小结" in m["text"]]
    assert len(monthly) == 1, monthly


if __name__ == "__main__":
    run([test_digest_and_weekly_table])
