"""Round trips against local stand-ins that follow the vendors' documented
request and response formats: WeCom app messages with gettoken and the
42001 token-expired refresh, Telegram webhooks and sendMessage, Twilio
webhooks (X-Twilio-Signature) and the Messages API with Basic auth."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wltest import free_port, run, wait_until


class Vendor:
    """One stand-in for the three vendors' APIs, on one loopback port."""

    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.calls = []           # (method, path, query, headers, body)
        self.tokens = 0
        self.expired = set()
        v = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def handle_any(self, method):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                n = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(n) if n else b""
                with v.lock:
                    v.calls.append((method, u.path, q, dict(self.headers), body))
                # WeCom (developer.work.weixin.qq.com, 获取access_token / 发送应用消息)
                if u.path == "/cgi-bin/gettoken":
                    if q.get("corpid") != "ww-test-corp" or q.get("corpsecret") != "wx-secret":
                        return self.answer(200, {"errcode": 40013, "errmsg": "invalid corpid"})
                    with v.lock:
                        v.tokens += 1
                        tok = "TOKEN-%d" % v.tokens
                    return self.answer(200, {"errcode": 0, "errmsg": "ok",
                                             "access_token": tok, "expires_in": 7200})
                if u.path == "/cgi-bin/message/send":
                    tok = q.get("access_token", "")
                    with v.lock:
                        bad = tok in v.expired or not tok.startswith("TOKEN-")
                    if bad:
                        return self.answer(200, {"errcode": 42001,
                                                 "errmsg": "access_token expired"})
                    return self.answer(200, {"errcode": 0, "errmsg": "ok",
                                             "invaliduser": "", "msgid": "m1"})
                # Telegram Bot API (core.telegram.org/bots/api#sendmessage)
                if u.path == "/bot123456:TEST-TOKEN/sendMessage":
                    return self.answer(200, {"ok": True, "result": {"message_id": 1}})
                # Twilio (twilio.com/docs/messaging/api/message-resource)
                if u.path == "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json":
                    want = "Basic " + base64.b64encode(
                        b"AC0123456789abcdef0123456789abcdef:tw-auth-token").decode()
                    if self.headers.get("Authorization") != want:
                        return self.answer(401, {"code": 20003, "message": "Authenticate"})
                    return self.answer(201, {"sid": "SM00000000000000000000000000000001",
                                             "status": "queued"})
                return self.answer(404, {"error": "not found"})

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def find(self, path):
        with self.lock:
            return [c for c in self.calls if c[1] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def gateway_daemon(env, vendor):
    channels = [
        {"id": "demo", "type": "generic", "secret": "it-secret-0123456789",
         "callback_url": env.cb.url},
        {"id": "wx", "type": "wecom", "corp_id": "ww-test-corp", "agent_id": "1000002",
         "secret": "wx-secret", "token": "wx-token",
         "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
         "api_base": vendor.base},
        {"id": "tg", "type": "telegram", "token": "123456:TEST-TOKEN",
         "secret": "tg-secret-token", "api_base": vendor.base},
        {"id": "tw", "type": "twilio", "account_sid": "AC0123456789abcdef0123456789abcdef",
         "auth_token": "tw-auth-token", "from": "+15005550006", "api_base": vendor.base},
    ]
    areas = [{"id": "tdj", "name": "太行东街街道", "level": "street",
              "duty": {"channel": "wx", "to": "ZhaoMin"},
              "children": [{"id": "c-hd", "name": "惠丰社区", "level": "community",
                            "duty": {"channel": "wx", "to": "duty-hd|LiQiang"}}]}]
    staff = [{"id": "li", "name": "李强", "role": "community_director", "area": "c-hd",
              "chat": {"channel": "wx", "id": "LiQiang"}}]
    return env.daemon(channels=channels, areas=areas, staff=staff)


def test_wecom_send_with_token_refresh(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        status, body = d.admin("POST", "/api/v1/cases",
                               {"ext_ref": "gw-1", "area": "c-hd", "category": "取暖"})
        assert status == 201, body
        sent = wait_until(lambda: [c for c in vendor.find("/cgi-bin/message/send")], 10,
                          what="a WeCom send")
        assert len(vendor.find("/cgi-bin/gettoken")) == 1
        msg = json.loads(sent[0][4])
        assert msg["touser"] == "duty-hd|LiQiang" and msg["msgtype"] == "text", msg
        assert msg["agentid"] == 1000002 and "工单" in msg["text"]["content"], msg
        assert sent[0][2]["access_token"] == "TOKEN-1"
        # The token expires (errcode 42001): fetch a new one, send again.
        with vendor.lock:
            vendor.expired.add("TOKEN-1")
        no = str(json.loads(body)["no"])
        d.admin("POST", "/api/v1/cases", {"ext_ref": "gw-2", "area": "c-hd"})
        wait_until(lambda: len(vendor.find("/cgi-bin/message/send")) >= 3, 10,
                   what="the retry with a new token")
        sends = vendor.find("/cgi-bin/message/send")
        assert [c[2]["access_token"] for c in sends[1:3]] == ["TOKEN-1", "TOKEN-2"], sends
        assert len(vendor.find("/cgi-bin/gettoken")) == 2
        wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 10, what="drained")
        assert env.redis.cmd("LLEN", "wl:ob:dead") == 0
        assert no
    finally:
        vendor.close()


def test_telegram_webhook_and_reply(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        update = {"update_id": 900001,
                  "message": {"message_id": 5, "date": 1700000000,
                              "from": {"id": 4242, "is_bot": False, "first_name": "张"},
                              "chat": {"id": 4242, "type": "private"}, "text": "进度"}}
        body = json.dumps(update, ensure_ascii=False).encode()
        hdr = {"Content-Type": "application/json"}
        assert d.request("POST", "/hook/tg", body, hdr)[0] == 401
        bad = dict(hdr, **{"X-Telegram-Bot-Api-Secret-Token": "tg-secret-tokeN"})
        assert d.request("POST", "/hook/tg", body, bad)[0] == 401
        good = dict(hdr, **{"X-Telegram-Bot-Api-Secret-Token": "tg-secret-token"})
        assert d.request("POST", "/hook/tg", body, good)[0] == 200
        assert d.request("POST", "/hook/tg", body, good)[0] == 200  # Telegram retries
        sent = wait_until(lambda: vendor.find("/bot123456:TEST-TOKEN/sendMessage"), 10,
                          what="sendMessage")
        msg = json.loads(sent[0][4])
        assert msg["chat_id"] in (4242, "4242") and "求助" in msg["text"], msg
        assert env.redis.cmd("EXISTS", "wl:dedupe:tg:900001") == 1
        assert len(vendor.find("/bot123456:TEST-TOKEN/sendMessage")) == 1
    finally:
        vendor.close()


def test_twilio_signed_sms_and_reply(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        params = {"MessageSid": "SM11111111111111111111111111111111",
                  "AccountSid": "AC0123456789abcdef0123456789abcdef",
                  "From": "+8613800000007", "To": "+15005550006", "Body": "进度",
                  "NumMedia": "0"}
        url = "http://127.0.0.1:%d/hook/tw" % d.port
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(b"tw-auth-token", data.encode(),
                                        hashlib.sha1).digest()).decode()
        body = urllib.parse.urlencode(params).encode()
        hdr = {"Content-Type": "application/x-www-form-urlencoded"}
        flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
        assert d.request("POST", "/hook/tw", body,
                         dict(hdr, **{"X-Twilio-Signature": flipped}))[0] in (401, 403)
        assert d.request("POST", "/hook/tw", body,
                         dict(hdr, **{"X-Twilio-Signature": sig}))[0] == 200
        path = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
        sent = wait_until(lambda: vendor.find(path), 10, what="a Twilio send")
        form = dict(urllib.parse.parse_qsl(sent[0][4].decode()))
        assert form["To"] == "+8613800000007" and form["From"] == "+15005550006", form
        assert "求助" in form["Body"], form
    finally:
        vendor.close()


if __name__ == "__main__":
    run([test_wecom_send_with_token_refresh,
         test_telegram_webhook_and_reply,
         test_twilio_signed_sms_and_reply])
