"""The outbox: retries with backoff on 5xx and 429 (Retry-After honoured),
no retry on other 4xx, dead letters, per-recipient order."""

import json
import time

from wltest import SECRET, run, wait_until


def msg(i, frm="13800000002", text="进度"):
    return {"id": "o-%s" % i, "from": frm, "text": text}


def test_500_then_200_is_delivered_once_after_a_retry(env):
    env.cb.script = [500]
    d = env.daemon()
    assert d.hook(msg(1))[0] == 200
    wait_until(lambda: env.cb.messages(to="13800000002"), 10, what="delivery")
    time.sleep(0.5)
    reqs = env.cb.requests()
    assert [r["status"] for r in reqs] == [500, 200], reqs
    assert reqs[0]["msg"]["id"] == reqs[1]["msg"]["id"], "a retry resends the same id"
    assert reqs[1]["at"] - reqs[0]["at"] >= 0.04, "retried without backoff"
    assert env.redis.cmd("LLEN", "wl:ob:dead") == 0
    assert env.redis.cmd("GET", "wl:ob:depth") == "0"
    _, metrics = d.get("/metrics")
    assert 'warmline_outbound_messages_total{channel="demo",result="retry"} 1' in metrics
    assert 'warmline_outbound_messages_total{channel="demo",result="sent"} 1' in metrics


def test_400_is_dead_lettered_and_not_retried(env):
    env.cb.script = [400]
    d = env.daemon()
    assert d.hook(msg(2))[0] == 200
    wait_until(lambda: env.redis.cmd("LLEN", "wl:ob:dead") == 1, 10, what="dead letter")
    time.sleep(1.0)
    assert len(env.cb.requests()) == 1, env.cb.requests()
    dead = json.loads(env.redis.cmd("LINDEX", "wl:ob:dead", 0))
    assert dead["to"] == "13800000002" and dead["error"] == "http 400", dead
    assert env.redis.cmd("GET", "wl:ob:depth") == "0"


def test_429_honours_retry_after(env):
    env.cb.script = [(429, {"Retry-After": "1"})]
    d = env.daemon()
    assert d.hook(msg(3))[0] == 200
    wait_until(lambda: env.cb.messages(to="13800000002"), 10, what="delivery")
    reqs = env.cb.requests()
    assert [r["status"] for r in reqs] == [429, 200]
    assert reqs[1]["at"] - reqs[0]["at"] >= 0.95, reqs[1]["at"] - reqs[0]["at"]


def test_gives_up_after_max_tries(env):
    env.cb.script = [503] * 10
    d = env.daemon(outbox={"max_tries": 3, "backoff_ms": 20, "max_backoff_ms": 100})
    assert d.hook(msg(4))[0] == 200
    wait_until(lambda: env.redis.cmd("LLEN", "wl:ob:dead") == 1, 10, what="dead letter")
    assert len(env.cb.requests()) == 3
    dead = json.loads(env.redis.cmd("LINDEX", "wl:ob:dead", 0))
    assert dead["tries"] == 3, dead


def test_order_is_kept_per_recipient_across_retries(env):
    # The first message fails twice; the later ones must wait behind it.
    env.cb.script = [500, 500]
    d = env.daemon()
    for i in range(5):
        assert d.hook(msg("q%d" % i))[0] == 200
    wait_until(lambda: len(env.cb.messages(to="13800000002")) == 5, 15,
               what="five deliveries")
    # Outbound ids grow in the order the replies were queued.
    ids = [int(m["id"].split("-")[1]) for m in env.cb.messages(to="13800000002")]
    assert ids == sorted(ids) and len(set(ids)) == 5, ids
    statuses = [r["status"] for r in env.cb.requests()]
    assert statuses == [500, 500, 200, 200, 200, 200, 200], statuses


def test_channel_rate_limit(env):
    # 5 messages a second on this channel: 15 replies take at least 2 s
    # (a second's worth may go at once), and none is lost or counted as a
    # failed try.
    d = env.daemon(channels=[{"id": "demo", "type": "generic", "secret": SECRET,
                              "callback_url": env.cb.url, "rate_per_s": 5}])
    for i in range(15):
        assert d.hook(msg("rl%d" % i, frm="1380000%04d" % i))[0] == 200
    wait_until(lambda: len(env.cb.messages()) == 15, 20, what="15 deliveries")
    at = [r["at"] for r in env.cb.requests()]
    assert max(at) - min(at) >= 1.8, max(at) - min(at)
    assert env.redis.cmd("LLEN", "wl:ob:dead") == 0


def test_a_daemon_120s_ahead_neither_double_sends_nor_steals_leases(env):
    # Two daemons share the outbox; one's clock is two minutes ahead (a
    # fake clock moved forward). Every send takes 0.3 s at the receiver,
    # so leases are held while the other daemon looks for work. Leases
    # run on Redis's clock: no reply goes out twice, none is taken over.
    env.cb.delay = 0.3
    a = env.daemon(name="on_time")
    b = env.daemon(fake_clock=True, name="ahead")
    assert b.admin("POST", "/api/v1/debug/clock", {"advance_s": 120})[0] == 200
    n = 20
    for i in range(n):
        d = (a, b)[i % 2]
        assert d.hook(msg("sk%d" % i, frm="1390000%04d" % (i % 10)))[0] == 200
    wait_until(lambda: len(env.cb.messages()) >= n, 30, what="%d deliveries" % n)
    time.sleep(2.5)  # past the 2 s lease: a stolen lease would resend now
    ids = [m["id"] for m in env.cb.messages()]
    assert len(ids) == n and len(set(ids)) == n, ids
    for frm in ("1390000%04d" % k for k in range(10)):
        mine = [int(m["id"].split("-")[1]) for m in env.cb.messages(to=frm)]
        assert mine == sorted(mine) and len(mine) == 2, (frm, mine)
    assert env.redis.cmd("GET", "wl:ob:depth") == "0"
    for d in (a, b):
        log = d.tail(2000)
        assert "lease lost" not in log, log
        assert "13900000" not in log, "a recipient in the log"


if __name__ == "__main__":
    run([test_500_then_200_is_delivered_once_after_a_retry,
         test_400_is_dead_lettered_and_not_retried,
         test_429_honours_retry_after,
         test_gives_up_after_max_tries,
         test_order_is_kept_per_recipient_across_retries,
         test_channel_rate_limit,
         test_a_daemon_120s_ahead_neither_double_sends_nor_steals_leases])
