"""HTTP surface: body caps, routes, metrics, admin token, fake clock."""

import json
import re

from wltest import run, wait_until


def test_body_over_limit_gets_413_and_changes_nothing(env):
    d = env.daemon(body_limit=4096)
    before = env.redis.snapshot()
    big = {"id": "big", "from": "1", "text": "冷" * 3000}
    status, _ = d.hook(big)
    assert status == 413, status
    assert env.redis.snapshot() == before
    # The default is 64 KiB.
    d2 = env.daemon()
    status, _ = d2.hook({"id": "big2", "from": "1", "text": "x" * 70000})
    assert status == 413, status


def test_routes_and_metrics(env):
    d = env.daemon()
    assert d.get("/healthz") == (200, "ok\n")
    assert d.get("/nope")[0] == 404
    assert d.request("POST", "/healthz")[0] == 404
    d.hook({"id": "m1", "from": "13800000009", "text": "你好"})
    d.hook({"id": "m1", "from": "13800000009", "text": "你好"})
    d.hook({"id": "m2", "from": "13800000009", "text": "你好"}, signature="sha256=00")
    wait_until(lambda: env.cb.messages(), 10, what="reply")
    status, text = d.get("/metrics")
    assert status == 200
    assert re.search(r'warmline_http_requests_total\{route="healthz",status="200"\} [1-9]', text)
    assert 'warmline_http_requests_total{route="other",status="404"} 2' in text
    for want in [
                 'warmline_http_requests_total{route="hook",status="200"} 2',
                 'warmline_http_requests_total{route="hook",status="401"} 1',
                 'warmline_inbound_messages_total{channel="demo",result="ok"} 1',
                 'warmline_inbound_messages_total{channel="demo",result="duplicate"} 1',
                 'warmline_inbound_messages_total{channel="demo",result="rejected"} 1',
                 'warmline_commit_seconds_count 1',
                 'warmline_outbox_depth ',
                 'warmline_redis_errors_total 0']:
        assert want in text, (want, text)
    # Every sample line is "name{labels} value" with a numeric value.
    for line in text.splitlines():
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_fake_clock_route_only_with_flag_and_token(env):
    d = env.daemon()
    assert d.admin("POST", "/api/v1/debug/clock", {"advance_s": 60})[0] == 404
    f = env.daemon(fake_clock=True)
    assert f.admin("POST", "/api/v1/debug/clock", {"advance_s": 60}, token="wrong")[0] == 401
    assert f.admin("POST", "/api/v1/debug/clock", {"advance_s": "x"})[0] == 400
    status, body = f.admin("POST", "/api/v1/debug/clock", {"advance_s": 3600})
    assert status == 200, body
    import time
    assert json.loads(body)["now_ms"] >= time.time() * 1000 + 3590 * 1000


if __name__ == "__main__":
    run([test_body_over_limit_gets_413_and_changes_nothing,
         test_routes_and_metrics,
         test_fake_clock_route_only_with_flag_and_token])
