"""Attacks on alert integrity and on the gateways, each against the real
daemon and redis-server, each of which worked before the fix:

  forged fire       a gateway message whose platform type says "timer"
                    (WeChat plain mode, Feishu) must not fire an alert
  silenced alert    a generic message whose id is a fire's id must not
                    stop that alert from going out
  alerts come back  a note on a case breached long ago (its message dedupe
                    marks expired) must not send the past alerts again
  stale timers      a re-plan removes the fires it supersedes, and a stale
                    fire writes nothing
  slow clients      1,100 connections trickling a header line each second
                    do not stop a webhook from being answered within 1 s,
                    and are cut after request_timeout_s; one address gets
                    per_ip_connections
  hung Redis        a webhook gets 503 within 2.5 s
  replays           a captured request's query (WeChat plain) or headers
                    (DingTalk) with a new body is refused; Feishu's signed
                    events are taken for the 7 h of its retries and no
                    longer; the generic channel's signed timestamp stops a
                    replay after the dedupe window"""

import base64
import hashlib
import json
import os
import resource
import signal
import socket
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from t_cases import AREAS, STAFF, Chat
from t_gateways import (FS_APP_ID, FS_APP_SECRET, FS_VTOKEN, Vendor,
                        dingtalk_callback, dingtalk_headers, feishu_event,
                        gateway_daemon, post_json, wechat_query, wechat_text_xml)
from t_sla import advance, alerts, new_case, sla_events
from wltest import SECRET, run, sign, wait_until


def expire_dedupe_marks(env):
    """What the dedupe TTL (24 h of real time) does to every message mark,
    done at once."""
    c = env.redis.client()
    try:
        cursor = "0"
        while True:
            cursor, keys = c.cmd("SCAN", cursor, "MATCH", "wl:dedupe:*", "COUNT", 1000)
            for k in keys:
                c.cmd("DEL", k)
            if cursor == "0":
                break
    finally:
        c.close()


def quiet(env):
    """Every reply sent (or given up): the sender writes nothing more."""
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") in (None, "0") and
               env.redis.cmd("ZCARD", "wl:ob:lease") == 0, 15, what="the outbox idle")
    time.sleep(0.3)


def test_forged_timer_type_on_wechat_and_feishu_fires_nothing(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        status, body = d.admin("POST", "/api/v1/cases",
                               {"ext_ref": "forge-1", "area": "c-hd", "category": "取暖"})
        assert status == 201, body
        no = str(json.loads(body)["no"])
        member = "%s:respond:breach:0:1|1" % no
        # WeChat plain mode: MsgType=timer, the fire in MediaId.
        openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
        for i in range(3):
            xml = ("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
                   "<FromUserName><![CDATA[%s]]></FromUserName>"
                   "<CreateTime>%d</CreateTime><MsgType><![CDATA[timer]]></MsgType>"
                   "<MediaId><![CDATA[%s]]></MediaId><MsgId>7700000000000%d</MsgId>"
                   "</xml>" % (openid, int(time.time()), member, i)).encode()
            q = wechat_query(nonce="77%d" % i, openid=openid)
            status, _ = d.request("POST", "/hook/mp?" + urllib.parse.urlencode(q),
                                  xml, {"Content-Type": "text/xml"})
            assert status == 200, status
        # Feishu: message_type=timer, the fire in file_key.
        ev = feishu_event("ev-forge-1", "ou_forger", "x", token=FS_VTOKEN)
        ev["event"]["message"]["message_type"] = "timer"
        ev["event"]["message"]["content"] = json.dumps({"file_key": member})
        assert post_json(d, "/hook/fs", ev)[0] == 200
        # The forged messages were taken as messages (kind "other"), never
        # as fires: no alert on the case, no fire marked done.
        kinds = [dict(zip(f[::2], f[1::2])).get("kind")
                 for _id, f in env.redis.cmd("XRANGE", "wl:inbox", "-", "+")]
        assert kinds.count("other") == 4 and "timer" not in kinds, kinds
        time.sleep(0.5)
        assert sla_events(env, no) == [], sla_events(env, no)
        assert env.redis.cmd("EXISTS", "wl:case:%s:fired" % no) == 0
        assert not [c for c in vendor.calls if b"\xe5\xb7\xb2\xe8\xb6\x85\xe6\x97\xb6"
                    in c[4]], "an alert went out"
    finally:
        vendor.close()


def test_generic_message_with_a_fire_id_does_not_silence_it(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    no = new_case(d, "silence-1")
    c.settle()
    for fid in ("sla:%s:respond:breach:0:1" % no, "%s:respond:breach:0:1" % no):
        assert d.hook({"id": fid, "from": "13900000077", "text": "你好"})[0] == 200
    c.settle()
    advance([d], 61 * 60)
    wait_until(lambda: "%s:respond:breach:0:1" % no in sla_events(env, no), 10,
               what="the breach alert")
    c.settle()
    assert any("已超时" in m["text"] and m["to"] == "duty-hd"
               for m in env.cb.messages()), "the breach alert did not go out"


def test_note_long_after_breach_sends_no_past_alert_again(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    no = new_case(d, "again-1")
    c.settle()
    advance([d], 4 * 3600)   # breach and the whole ladder
    wait_until(lambda: len([i for i in sla_events(env, no) if "escalate:3" in i]) == 1,
               10, what="the last ladder step")
    # A day and more later: the handling clock has run out too, and every
    # message dedupe mark is gone.
    advance([d], 26 * 3600)
    wait_until(lambda: len([i for i in sla_events(env, no) if "escalate:3" in i]) == 2,
               10, what="the handling ladder")
    c.settle()
    first = sla_events(env, no)
    assert len(first) == len(set(first)) == 8, first
    n = len(env.cb.messages())
    expire_dedupe_marks(env)
    c.say("u-li", "备注 %s 已联系家属，明天上门" % no)
    c.send("13900000088", "你好")
    time.sleep(1.0)          # several sweeps
    c.settle()
    assert sla_events(env, no) == first, sla_events(env, no)
    again = [m for m in alerts(env, n) if no in m["text"]]
    assert again == [], again


def test_replan_removes_superseded_fires_and_stale_fires_write_nothing(env):
    d = env.daemon(fake_clock=True, areas=AREAS, staff=STAFF)
    c = Chat(env, d)
    no = new_case(d, "replan-1")
    c.settle()
    planned = env.redis.cmd("ZRANGE", "wl:timers", 0, -1)
    mine = [m for m in planned if m.startswith(no + ":")]
    assert mine and all(m.endswith("|1") for m in mine), mine
    c.say("u-li", "认领 " + no)
    now = [m for m in env.redis.cmd("ZRANGE", "wl:timers", 0, -1)
           if m.startswith(no + ":")]
    # Only the current plan's fires are left: the version-1 ones went in
    # the commit that claimed the case.
    assert now and all(m.endswith("|2") for m in now), now
    # A stale fire (an older version) that still comes due writes nothing:
    # no done mark, no alert, no key of any kind.
    env.redis.cmd("ZADD", "wl:timers", 0, "%s:respond:breach:0:1|1" % no)
    before = env.redis.cmd("DBSIZE")
    wait_until(lambda: env.redis.cmd("ZSCORE", "wl:timers",
                                     "%s:respond:breach:0:1|1" % no) is None,
               10, what="the stale fire swept")
    wait_until(lambda: env.redis.cmd("ZCARD", "wl:timers:lease") == 0, 10,
               what="its lease released")
    assert env.redis.cmd("DBSIZE") == before
    assert env.redis.cmd("EXISTS", "wl:case:%s:fired" % no) == 0
    # Conversation timers: one per conversation and kind, whatever the
    # number of steps.
    for text in ("求助", "1", "张大爷"):
        c.send("13900000099", text)
    sess = [m for m in env.redis.cmd("ZRANGE", "wl:timers", 0, -1) if m.startswith("{")]
    assert len(sess) == 2, sess


def test_wechat_plain_query_replayed_with_new_body_is_refused(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        hdr = {"Content-Type": "text/xml"}
        path = "/hook/mp?" + urllib.parse.urlencode(
            wechat_query(nonce="5550001", openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"))
        xml = wechat_text_xml("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "你好", "3300000000000001")
        assert d.request("POST", path, xml, hdr)[0] == 200
        assert d.request("POST", path, xml, hdr)[0] == 200   # WeChat's own retry
        quiet(env)
        before = env.redis.settled_snapshot()
        forged = wechat_text_xml("oAttackerAttackerAttacker01", "人工", "3300000000000002")
        assert d.request("POST", path, forged, hdr)[0] == 401
        assert env.redis.snapshot() == before, "a replayed query wrote to Redis"
        assert env.redis.cmd("EXISTS", "wl:dedupe:mp:3300000000000002") == 0
    finally:
        vendor.close()


def test_dingtalk_headers_replayed_with_new_body_are_refused(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        hdr = dingtalk_headers(int(time.time() * 1000) - 2000)
        body = json.dumps(dingtalk_callback("msgReplayA0001==", "你好"),
                          ensure_ascii=False).encode()
        assert d.request("POST", "/hook/dd", body, hdr)[0] == 200
        assert d.request("POST", "/hook/dd", body, hdr)[0] == 200   # a retry
        quiet(env)
        before = env.redis.settled_snapshot()
        other = dingtalk_callback("msgReplayB0002==", "人工")
        other["senderStaffId"] = "attacker0001"
        forged = json.dumps(other, ensure_ascii=False).encode()
        assert d.request("POST", "/hook/dd", forged, hdr)[0] == 401
        assert env.redis.snapshot() == before, "replayed headers wrote to Redis"
    finally:
        vendor.close()


FS_EKEY = "fs-encrypt-key-0123"


def feishu_encrypted(event, ts, nonce, key=FS_EKEY):
    """将事件发送至开发者服务器 with an Encrypt Key: the body is {"encrypt":
    base64(iv + AES-256-CBC(sha256(key), PKCS7(event)))}, signed with
    X-Lark-Signature = hex sha256(timestamp + nonce + key + body)."""
    iv = os.urandom(16)
    p = padding.PKCS7(128).padder()
    plain = p.update(json.dumps(event, ensure_ascii=False).encode()) + p.finalize()
    enc = Cipher(algorithms.AES(hashlib.sha256(key.encode()).digest()),
                 modes.CBC(iv)).encryptor()
    body = json.dumps({"encrypt": base64.b64encode(
        iv + enc.update(plain) + enc.finalize()).decode()}).encode()
    sig = hashlib.sha256((str(ts) + nonce + key).encode() + body).hexdigest()
    return body, {"Content-Type": "application/json", "X-Lark-Request-Timestamp": str(ts),
                  "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": sig}


def test_feishu_signed_events_taken_through_the_retries_and_no_longer(env):
    vendor = Vendor()
    try:
        _feishu_window(env, vendor)
    finally:
        vendor.close()


def _feishu_window(env, vendor):
    d = env.daemon(channels=[
        {"id": "demo", "type": "generic", "secret": SECRET, "callback_url": env.cb.url},
        {"id": "fs", "type": "feishu", "app_id": FS_APP_ID, "app_secret": FS_APP_SECRET,
         "verification_token": FS_VTOKEN, "encrypt_key": FS_EKEY,
         "api_base": vendor.base}])
    now = int(time.time())
    # Feishu retries an unanswered event for about 7 hours with its
    # original timestamp: six hours old is still taken.
    body, hdr = feishu_encrypted(feishu_event("ev-retry-1", "ou_a1", "你好"),
                                 now - 6 * 3600, "n-1")
    assert d.request("POST", "/hook/fs", body, hdr)[0] == 200
    assert env.redis.cmd("EXISTS", "wl:dedupe:fs:ev-retry-1") == 1
    quiet(env)
    before = env.redis.settled_snapshot()
    # The same headers with another body, and an event nine hours old.
    other, _ = feishu_encrypted(feishu_event("ev-forged-2", "ou_evil", "人工"),
                                now - 6 * 3600, "n-1")
    assert d.request("POST", "/hook/fs", other, hdr)[0] == 401
    old, ohdr = feishu_encrypted(feishu_event("ev-old-3", "ou_a1", "你好"),
                                 now - 9 * 3600, "n-3")
    assert d.request("POST", "/hook/fs", old, ohdr)[0] == 401
    assert env.redis.snapshot() == before


def test_generic_signed_timestamp_stops_replays_after_the_window(env):
    chans = [{"id": "demo", "type": "generic", "secret": SECRET, "callback_url": env.cb.url},
             {"id": "ts", "type": "generic", "secret": SECRET, "callback_url": env.cb.url,
              "require_timestamp": True}]
    d = env.daemon(fake_clock=True, channels=chans)

    def post(channel, msg, ts=None, sig_ts=None):
        body = json.dumps(msg, ensure_ascii=False).encode()
        hdr = {"Content-Type": "application/json"}
        if ts is None:
            hdr["X-Warmline-Signature"] = sign(body)
        else:
            hdr["X-Warmline-Timestamp"] = str(ts)
            hdr["X-Warmline-Signature"] = sign(str(sig_ts or ts).encode() + b"." + body)
        return d.request("POST", "/hook/" + channel, body, hdr)[0], body, hdr

    msg = {"id": "g-1", "from": "13900000055", "text": "你好"}
    # DESIGN §5 senders (no timestamp) still work where it is not required.
    assert post("demo", msg)[0] == 200
    assert post("ts", msg)[0] == 401
    now = int(time.time())
    status, body, hdr = post("ts", msg, now)
    assert status == 200
    assert post("ts", msg, now, sig_ts=now + 1)[0] == 401   # signature over another time
    # A day later the message's dedupe mark is gone; the captured request
    # is past its window and refused, not handled twice.
    advance([d], 26 * 3600)
    expire_dedupe_marks(env)
    quiet(env)
    before = env.redis.settled_snapshot()
    assert d.request("POST", "/hook/ts", body, hdr)[0] == 401
    assert env.redis.snapshot() == before


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def slow_clients(port, n):
    """n connections, each sending the start of a request and no more."""
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"POST /hook/demo HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.setblocking(False)
        socks.append(s)
    return socks


def closed_by_peer(s):
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_slow_connections_do_not_stop_webhooks(env):
    n = 1100
    assert raise_nofile(4096) >= n + 100, "the test needs %d descriptors" % (n + 100)
    d = env.daemon(max_connections=4096, per_ip_connections=4096, request_timeout_s=3)
    socks = slow_clients(d.port, n)
    stop = threading.Event()

    def trickle():
        # One header line a second on every connection: bytes keep coming,
        # which renews an idle timeout but not the request deadline.
        k = 0
        while not stop.is_set() and k < 8:
            for s in socks:
                try:
                    s.send(b"X-Slow-%d: 1\r\n" % k)
                except OSError:
                    pass
            k += 1
            stop.wait(1.0)
    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        status, _ = d.hook({"id": "slow-1", "from": "13900000066", "text": "你好"})
        took = time.monotonic() - t0
        assert status == 200 and took < 1.0, (status, took)
        assert d.request("HEAD", "/healthz") == (200, "")
        # Past request_timeout_s every slow connection is cut, though it
        # never went quiet.
        wait_until(lambda: sum(closed_by_peer(s) for s in socks) >= n, 8, step=0.25,
                   what="the slow connections cut")
    finally:
        stop.set()
        t.join()
        for s in socks:
            s.close()
    with open(d.log, encoding="utf-8", errors="replace") as f:
        warns = [l for l in f if " WARN " in l and " http " in l]
    assert len(warns) <= 10, warns[:20]


def test_one_address_gets_per_ip_connections(env):
    d = env.daemon(per_ip_connections=20)
    # The harness's health checks came from this address too: until the
    # daemon has seen them close they hold slots of the 20 (under ASan
    # that took long enough, once, for an eleventh refusal).
    time.sleep(0.5)
    socks = slow_clients(d.port, 30)
    try:
        wait_until(lambda: sum(closed_by_peer(s) for s in socks) >= 10, 5,
                   what="the connections over the limit refused")
        # The worker threads accept in parallel, so which ten are refused
        # is not fixed; how many is: the limit keeps exactly 20 open.
        time.sleep(0.3)
        closed = sum(closed_by_peer(s) for s in socks)
        assert closed == 10, closed
    finally:
        for s in socks:
            s.close()
    # Once they are gone the address has its connections back.
    wait_until(lambda: d.hook({"id": "ip-1", "from": "13900000067",
                               "text": "你好"})[0] == 200, 5, step=0.2,
               what="a request after the slow ones left")


def test_hung_redis_gets_503_within_2_5_s(env):
    d = env.daemon()
    assert d.hook({"id": "hung-0", "from": "13900000068", "text": "你好"})[0] == 200
    assert d.request("HEAD", "/healthz") == (200, "")
    os.kill(env.redis.proc.pid, signal.SIGSTOP)
    try:
        for i in range(1, 4):
            t0 = time.monotonic()
            status, _ = d.hook({"id": "hung-%d" % i, "from": "13900000068", "text": "你好"})
            took = time.monotonic() - t0
            assert status == 503 and took < 2.5, (i, status, took)
        t0 = time.monotonic()
        assert d.get("/healthz")[0] == 503 and time.monotonic() - t0 < 2.5
    finally:
        os.kill(env.redis.proc.pid, signal.SIGCONT)
    wait_until(lambda: d.hook({"id": "hung-9", "from": "13900000068",
                               "text": "你好"})[0] == 200, 10, step=0.2,
               what="answers again once Redis is back")


if __name__ == "__main__":
    run([test_forged_timer_type_on_wechat_and_feishu_fires_nothing,
         test_generic_message_with_a_fire_id_does_not_silence_it,
         test_note_long_after_breach_sends_no_past_alert_again,
         test_replan_removes_superseded_fires_and_stale_fires_write_nothing,
         test_wechat_plain_query_replayed_with_new_body_is_refused,
         test_dingtalk_headers_replayed_with_new_body_are_refused,
         test_feishu_signed_events_taken_through_the_retries_and_no_longer,
         test_generic_signed_timestamp_stops_replays_after_the_window,
         test_slow_connections_do_not_stop_webhooks,
         test_one_address_gets_per_ip_connections,
         test_hung_redis_gets_503_within_2_5_s])
