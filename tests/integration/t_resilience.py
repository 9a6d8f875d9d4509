"""Failures: Redis down and back, the daemon killed with replies queued or
in flight, SIGTERM draining a request in flight, timer fires after Redis
forgot the scripts."""

import json
import socket
import time

from wltest import SECRET, run, sign, wait_until


def msg(i, frm="13800000003", text="进度"):
    return {"id": "r-%s" % i, "from": frm, "text": text}


def test_redis_down_gives_503_and_recovers(env):
    d = env.daemon()
    assert d.hook(msg(0))[0] == 200
    wait_until(lambda: env.cb.messages(), 10, what="first reply")
    env.redis.stop()
    assert d.get("/healthz")[0] == 503
    status, _ = d.hook(msg(1))
    assert status == 503, status
    env.redis.start()
    # Nothing of message 1 was written while Redis was down.
    assert env.redis.cmd("EXISTS", "wl:dedupe:demo:r-1") == 0
    wait_until(lambda: d.get("/healthz")[0] == 200, 10, what="healthz back")
    # The gateway's retry of the same message now succeeds, once.
    assert d.hook(msg(1))[0] == 200
    assert d.hook(msg(1))[0] == 200
    assert env.redis.cmd("XLEN", "wl:inbox") == 2
    wait_until(lambda: len(env.cb.messages()) == 2, 10, what="second reply")
    _, metrics = d.get("/metrics")
    errors = [l for l in metrics.splitlines() if l.startswith("warmline_redis_errors_total ")]
    assert errors and int(errors[0].split()[1]) >= 1, errors


def test_sigkill_with_replies_queued_then_restart_delivers_all(env):
    # The receiver hangs, so replies are in flight (leased) or queued when
    # the daemon dies.
    env.cb.delay = 3.0
    d = env.daemon(outbox={"lease_ms": 1500, "timeout_ms": 10000})
    senders = ["1380000%04d" % i for i in range(6)]
    for i, s in enumerate(senders):
        assert d.hook(msg("k%d" % i, frm=s))[0] == 200
    for i in range(3):  # a queue of three behind one recipient
        assert d.hook(msg("k-extra%d" % i, frm=senders[0]))[0] == 200
    wait_until(lambda: len(env.cb.requests()) >= 1 or env.redis.cmd("ZCARD", "wl:ob:lease") > 0,
               5, what="sends in flight")
    d.kill()
    assert int(env.redis.cmd("GET", "wl:ob:depth")) == 9
    env.cb.delay = 0.0
    d2 = env.daemon(outbox={"lease_ms": 1500})
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 20,
               what="every reply delivered")
    got = {(m["to"], m["id"]) for m in env.cb.messages()}
    assert {to for to, _ in got} == set(senders), got
    assert len([1 for to, _ in got if to == senders[0]]) == 4, got
    assert len(got) == 9, got
    assert d2.get("/healthz")[0] == 200


def test_sigterm_drains_a_request_in_flight(env):
    d = env.daemon()
    body = json.dumps(msg("drain")).encode()
    head = ("POST /hook/demo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n"
            "X-Warmline-Signature: %s\r\nConnection: close\r\n\r\n"
            % (len(body), sign(body, SECRET))).encode()
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    s.sendall(head + body[:10])
    time.sleep(0.3)
    d.proc.send_signal(15)
    time.sleep(0.3)
    assert d.proc.poll() is None, "exited with a request in flight"
    s.sendall(body[10:])
    resp = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        resp += chunk
    s.close()
    assert resp.startswith(b"HTTP/1.1 200"), resp[:80]
    assert d.proc.wait(15) == 0
    d.proc = None
    d.logf.close()
    assert env.redis.cmd("EXISTS", "wl:dedupe:demo:r-drain") == 1


def test_fires_after_redis_forgot_the_scripts(env):
    """A batch of fires whose pipelined calls come back NOSCRIPT (Redis
    restarted empty, or SCRIPT FLUSH) is sent again as source, once each:
    every reminder goes out, none twice."""
    d = env.daemon(fake_clock=True, session_ttl_s=600)
    people = ["1380000%04d" % (7000 + i) for i in range(12)]
    for i, p in enumerate(people):
        assert d.hook({"id": "sf-%d" % i, "from": p, "text": "求助"})[0] == 200
    wait_until(lambda: all(env.cb.messages(to=p) for p in people), 10, what="first replies")
    before = {p: len(env.cb.messages(to=p)) for p in people}
    env.redis.cmd("SCRIPT", "FLUSH")
    d.admin("POST", "/api/v1/debug/clock", {"advance_s": 301})
    for p in people:
        wait_until(lambda: any("还在吗" in m["text"] for m in env.cb.messages(to=p)),
                   10, what="reminder to %s" % p[-4:])
    wait_until(lambda: env.redis.cmd("ZCARD", "wl:timers:lease") == 0, 10, what="leases released")
    for p in people:
        ids = {m["id"] for m in env.cb.messages(to=p)[before[p]:] if "还在吗" in m["text"]}
        assert len(ids) == 1, (p, ids)


if __name__ == "__main__":
    run([test_redis_down_gives_503_and_recovers,
         test_sigkill_with_replies_queued_then_restart_delivers_all,
         test_sigterm_drains_a_request_in_flight,
         test_fires_after_redis_forgot_the_scripts])
