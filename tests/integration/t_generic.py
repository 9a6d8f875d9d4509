"""The generic channel end to end: signature, commit before 200, reply
through the outbox, dedupe, and the two-round-trip budget."""

import json
import re
import threading
import time

from wltest import SECRET, run, sign, wait_until


# "进度" (status) gets exactly one reply and opens nothing, which keeps the
# transport tests independent of the flows' wording.
def msg(i, frm="13800000001", text="进度"):
    return {"id": "m-%s" % i, "from": frm, "text": text, "name": "张三"}


def test_signed_message_is_committed_and_answered(env):
    d = env.daemon()
    status, body = d.hook(msg(1))
    assert status == 200, (status, body)
    # Committed before the 200: the inbox and the session are there now.
    assert env.redis.cmd("XLEN", "wl:inbox") == 1
    assert env.redis.cmd("EXISTS", "wl:dedupe:demo:m-1") == 1
    assert env.redis.cmd("HGET", "wl:contact:demo:13800000001", "name") == "张三"
    replies = wait_until(lambda: env.cb.messages(to="13800000001"), 10,
                         what="reply at the callback")
    assert len(replies) == 1
    r = replies[0]
    assert "没有正在办理的求助" in r["text"], r
    assert env.cb.requests()[0]["signed"], "outbound must be signed"
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 5,
               what="outbox depth back to 0")
    # The log knows the message, but never the phone number or the name.
    log = d.tail()
    assert "from=138****0001" in log and "name=张*" in log, log
    assert "13800000001" not in log and "张三" not in log, log


def test_forged_or_unsigned_gets_401_and_changes_nothing(env):
    d = env.daemon()
    before = env.redis.snapshot()
    body = json.dumps(msg(2)).encode()
    bad = sign(body)
    flipped = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    cases = [
        ("unsigned", dict(signature=False)),
        ("flipped byte", dict(signature=flipped)),
        ("wrong secret", dict(secret="not-the-secret")),
        ("sha1 prefix", dict(signature=bad.replace("sha256=", "sha1="))),
        ("empty", dict(signature="")),
    ]
    for name, kw in cases:
        status, _ = d.hook(msg(2), **kw)
        assert status == 401, (name, status)
    # A correct signature over a different body is still forged.
    status, _ = d.hook(None, raw=body + b" ", signature=bad)
    assert status == 401, status
    assert env.redis.snapshot() == before, "a rejected request wrote to Redis"
    time.sleep(0.3)
    assert env.cb.requests() == []


def test_bad_json_and_unknown_channel(env):
    d = env.daemon()
    before = env.redis.snapshot()
    for raw in [b"{", b"[]", b'{"id":"x","from":"y"}', b'{"id":"","from":"y","text":"t"}',
                b'{"id":1,"from":"y","text":"t"}']:
        status, _ = d.hook(None, raw=raw)
        assert status == 400, (raw, status)
    status, _ = d.hook(msg(3), channel="nope")
    assert status == 404
    assert env.redis.snapshot() == before


def test_same_id_five_times_one_effect(env):
    d = env.daemon()
    m = msg(7)
    results = []

    def send():
        results.append(d.hook(m)[0])
    # Two sequential, then three at once.
    send()
    send()
    ts = [threading.Thread(target=send) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == [200] * 5, results
    wait_until(lambda: env.cb.messages(to=m["from"]), 10, what="reply")
    time.sleep(0.6)
    assert len(env.cb.messages(to=m["from"])) == 1, env.cb.messages()
    assert env.redis.cmd("XLEN", "wl:inbox") == 1
    assert env.redis.cmd("HGET", "wl:session:demo:" + m["from"], "v") == "1"


def test_concurrent_distinct_messages_same_sender(env):
    d = env.daemon()
    results = []

    def send(i):
        results.append(d.hook(msg("c%d" % i))[0])
    ts = [threading.Thread(target=send, args=(i,)) for i in range(12)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == [200] * 12, results
    # The session version check serialized them: 12 steps, 12 versions.
    assert env.redis.cmd("HGET", "wl:session:demo:13800000001", "v") == "12"
    assert env.redis.cmd("XLEN", "wl:inbox") == 12
    wait_until(lambda: len(env.cb.messages()) == 12, 15, what="12 replies")


def _cmdstats(r):
    out = {}
    for line in r.cmd("INFO", "commandstats").splitlines():
        m = re.match(r"cmdstat_(\w+):calls=(\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def test_two_round_trips_per_message(env):
    # A receive-only daemon (no sender, no timers), so every command the
    # daemon sends during the run belongs to the inbound path.
    d = env.daemon(background=False)
    for i in range(16):  # loads the scripts, connects the workers
        d.hook(msg("warm%d" % i, frm="warmup"))
    n = 40
    r = env.redis.client()
    before = _cmdstats(r)
    mon = env.redis.client()
    mon.send("MONITOR")
    assert mon.read() == "OK"
    for i in range(n):
        status, _ = d.hook(msg("rt%d" % i, frm="1390000%04d" % i))
        assert status == 200
    after = _cmdstats(r)
    # Which connections are the daemon's HTTP workers.
    workers = set()
    for line in r.cmd("CLIENT", "LIST").splitlines():
        f = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
        if f.get("name") == "warmline-http":
            workers.add(f["addr"])
    assert workers, r.cmd("CLIENT", "LIST")
    mon.sock.settimeout(0.3)
    lines = []
    try:
        while len(lines) < 100000:
            lines.append(mon.read())
    except OSError:
        pass
    mon.close()
    scripted = sum(after.get(k, 0) - before.get(k, 0) for k in ("eval", "evalsha"))
    assert scripted == 2 * n, (scripted, n)
    # MONITOR shows every command a client sent, tagged with its address;
    # those run inside a script are tagged "lua" instead.
    # A worker that connects for the first time names its connection:
    # that is per connection, not per message.
    sent = [l for l in lines if isinstance(l, str) and
            any("[0 %s]" % a in l for a in workers) and '"SETNAME"' not in l]
    assert len(sent) == 2 * n, (len(sent), sent[:4])
    assert env.redis.cmd("XLEN", "wl:inbox") == n + 16
    r.close()


if __name__ == "__main__":
    run([test_signed_message_is_committed_and_answered,
         test_forged_or_unsigned_gets_401_and_changes_nothing,
         test_bad_json_and_unknown_channel,
         test_same_id_five_times_one_effect,
         test_concurrent_distinct_messages_same_sender,
         test_two_round_trips_per_message])
