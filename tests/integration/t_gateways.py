"""Round trips against local stand-ins that follow the vendors' documented
request and response formats, one or more per adapter:

  wecom             gettoken + message/send, the 42001 token refresh
  telegram          secret-token webhook + sendMessage
  twilio            X-Twilio-Signature webhook + Messages API (Basic auth)
  feishu            event v2 in plain mode, url_verification, the
                    tenant_access_token + im/v1/messages send, and the
                    99991663 (token invalid) refresh
  dingtalk          the robot's HTTP callback (timestamp + sign headers, the
                    one-hour replay window), gettoken + robot send (1:1 and
                    group)
  wechat            plain mode: the GET URL check and a signed XML message,
                    stable_token + message/custom/send
  wecom_robot,
  feishu_bot,
  dingtalk_webhook  a new-case notice to a duty group, signed where the
                    vendor signs

Each stand-in checks what the vendor checks (credentials, tokens,
signatures) and answers in the vendor's documented shape, so a request
the real vendor would refuse is refused here too. Inbound, every round
trip asserts the webhook was committed (the dedupe mark) and that refused
requests changed nothing in Redis; outbound, that the reply reached the
stand-in once, with the right recipient and text."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wltest import free_port, run, wait_until

# Credentials the daemon is configured with and the stand-in expects.
FS_APP_ID, FS_APP_SECRET, FS_VTOKEN = "cli_a1b2c3d4e5f60001", "fs-app-secret", "fs-vtoken-0123"
DD_APP_KEY, DD_APP_SECRET = "dingtestappkey0001", "dd-app-secret-0123456789"
MP_APP_ID, MP_APP_SECRET, MP_TOKEN = "wx0123456789abcdef", "mp-app-secret", "mptoken0123"
WR_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FB_HOOK, FB_SECRET = "9f8e7d6c-0000-4bc4-97a0-0ec2sifa5aaa", "fb-bot-secret-0123"
DW_TOKEN, DW_SECRET = "dw-access-token-0123", "SECdw0123456789abcdef"


def b64_hmac_sha256(key, data):
    return base64.b64encode(hmac.new(key.encode(), data.encode(),
                                     hashlib.sha256).digest()).decode()


class Vendor:
    """One stand-in for every vendor API, on one loopback port."""

    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.calls = []           # (method, path, query, headers, body)
        self.tokens = 0
        self.expired = set()      # WeCom tokens answered 42001
        self.fs_tokens = 0
        self.fs_invalid = set()   # Feishu tokens answered 99991663
        self.fs_revoke_next = 0   # revoke the token of the next N sends
        self.dd_tokens = 0
        self.mp_tokens = 0
        v = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, obj):
                body = json.dumps(obj, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def json_body(self, body):
                try:
                    return json.loads(body)
                except ValueError:
                    return None

            def handle_any(self, method):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                n = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(n) if n else b""
                with v.lock:
                    v.calls.append((method, u.path, q, dict(self.headers), body))
                route = ROUTES.get((method, u.path))
                if not route:
                    return self.answer(404, {"error": "not found"})
                return route(self, q, body)

            # -- WeCom (developer.work.weixin.qq.com, 获取access_token /
            #    发送应用消息 / 群机器人配置说明)
            def wecom_gettoken(self, q, body):
                if q.get("corpid") != "ww-test-corp" or q.get("corpsecret") != "wx-secret":
                    return self.answer(200, {"errcode": 40013, "errmsg": "invalid corpid"})
                with v.lock:
                    v.tokens += 1
                    tok = "TOKEN-%d" % v.tokens
                return self.answer(200, {"errcode": 0, "errmsg": "ok",
                                         "access_token": tok, "expires_in": 7200})

            def wecom_send(self, q, body):
                tok = q.get("access_token", "")
                with v.lock:
                    bad = tok in v.expired or not tok.startswith("TOKEN-")
                if bad:
                    return self.answer(200, {"errcode": 42001,
                                             "errmsg": "access_token expired"})
                return self.answer(200, {"errcode": 0, "errmsg": "ok",
                                         "invaliduser": "", "msgid": "m1"})

            def wecom_robot(self, q, body):
                msg = self.json_body(body)
                if q.get("key") != WR_KEY:
                    return self.answer(200, {"errcode": 93000,
                                             "errmsg": "invalid webhook url"})
                if not msg or msg.get("msgtype") != "text" or \
                        not isinstance(msg.get("text", {}).get("content"), str):
                    return self.answer(200, {"errcode": 40008,
                                             "errmsg": "invalid message type"})
                return self.answer(200, {"errcode": 0, "errmsg": "ok"})

            # -- Telegram Bot API (core.telegram.org/bots/api#sendmessage)
            def telegram_send(self, q, body):
                return self.answer(200, {"ok": True, "result": {"message_id": 1}})

            # -- Twilio (twilio.com/docs/messaging/api/message-resource)
            def twilio_send(self, q, body):
                want = "Basic " + base64.b64encode(
                    b"AC0123456789abcdef0123456789abcdef:tw-auth-token").decode()
                if self.headers.get("Authorization") != want:
                    return self.answer(401, {"code": 20003, "message": "Authenticate"})
                return self.answer(201, {"sid": "SM00000000000000000000000000000001",
                                         "status": "queued"})

            # -- Feishu 自建应用获取 tenant_access_token
            #    (open.feishu.cn/document/ukTMukTMukTM/ukDNz4SO0MjL5QzM/auth-v3/
            #    auth/tenant_access_token_internal): POST JSON {app_id,
            #    app_secret} -> {code, msg, tenant_access_token, expire}.
            def feishu_token(self, q, body):
                req = self.json_body(body) or {}
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    return self.answer(400, {"code": 9499, "msg": "Bad Request"})
                if req.get("app_id") != FS_APP_ID or req.get("app_secret") != FS_APP_SECRET:
                    return self.answer(200, {"code": 10014, "msg": "app secret invalid"})
                with v.lock:
                    v.fs_tokens += 1
                    tok = "t-fs-%d" % v.fs_tokens
                return self.answer(200, {"code": 0, "msg": "ok",
                                         "tenant_access_token": tok, "expire": 7200})

            # -- Feishu 发送消息 (open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/
            #    reference/im-v1/message/create): POST ?receive_id_type=,
            #    Authorization: Bearer <tenant_access_token>, {receive_id,
            #    msg_type, content (a JSON string), uuid}. An invalid token is
            #    answered 400 with code 99991663 (服务端错误码说明).
            def feishu_send(self, q, body):
                auth = self.headers.get("Authorization", "")
                tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
                with v.lock:
                    if v.fs_revoke_next > 0 and tok.startswith("t-fs-"):
                        v.fs_revoke_next -= 1
                        v.fs_invalid.add(tok)
                    bad = tok in v.fs_invalid or not tok.startswith("t-fs-")
                if bad:
                    return self.answer(400, {"code": 99991663, "msg":
                                             "Invalid access token for authorization."})
                msg = self.json_body(body) or {}
                if q.get("receive_id_type") not in ("open_id", "chat_id", "union_id") or \
                        msg.get("msg_type") != "text" or \
                        not isinstance(msg.get("content"), str):
                    return self.answer(400, {"code": 230001, "msg": "invalid param"})
                return self.answer(200, {"code": 0, "msg": "success", "data": {
                    "message_id": "om_dc13264520392913993dd051dba21dcf",
                    "msg_type": "text", "chat_id": "oc_5ad11d72b830411d72b836c20"}})

            # -- Feishu 自定义机器人 (open.feishu.cn/document/ukTMukTMukTM/
            #    ucTM5YjL3ETO24yNxkjN): {timestamp, sign, msg_type, content},
            #    sign = Base64(HmacSHA256(key = timestamp + "\n" + secret,
            #    message = "")), timestamp in seconds within an hour.
            def feishu_bot(self, q, body):
                msg = self.json_body(body) or {}
                ts = str(msg.get("timestamp", ""))
                want = base64.b64encode(hmac.new((ts + "\n" + FB_SECRET).encode(), b"",
                                                 hashlib.sha256).digest()).decode()
                fresh = ts.isdigit() and abs(int(ts) - time.time()) < 3600
                if not fresh or not hmac.compare_digest(str(msg.get("sign", "")), want):
                    return self.answer(200, {"code": 19021, "msg": "sign match fail or "
                                             "timestamp is not within one hour from "
                                             "current time", "data": {}})
                if msg.get("msg_type") != "text" or \
                        not isinstance(msg.get("content", {}).get("text"), str):
                    return self.answer(200, {"code": 9499, "msg": "Bad Request", "data": {}})
                return self.answer(200, {"code": 0, "msg": "success", "data": {}})

            # -- DingTalk 获取企业内部应用的 access_token
            #    (open.dingtalk.com/document/orgapp/obtain-orgapp-token):
            #    GET /gettoken?appkey&appsecret -> {errcode, access_token,
            #    expires_in, errmsg}.
            def dingtalk_token(self, q, body):
                if q.get("appkey") != DD_APP_KEY or q.get("appsecret") != DD_APP_SECRET:
                    return self.answer(200, {"errcode": 40089,
                                             "errmsg": "不合法的corpid或corpsecret"})
                with v.lock:
                    v.dd_tokens += 1
                    tok = "ddtok%d" % v.dd_tokens
                return self.answer(200, {"errcode": 0, "access_token": tok,
                                         "expires_in": 7200, "errmsg": "ok"})

            def dingtalk_token_ok(self):
                tok = self.headers.get("x-acs-dingtalk-access-token", "")
                with v.lock:
                    return tok.startswith("ddtok") and int(tok[5:] or 0) <= v.dd_tokens

            # -- DingTalk 批量发送人与机器人会话中机器人消息 (open.dingtalk.com/
            #    document/orgapp/chatbots-send-one-on-one-chat-messages-in-
            #    batches) and 机器人发送群聊消息 (.../the-robot-sends-a-group-
            #    message): header x-acs-dingtalk-access-token; {robotCode,
            #    userIds | openConversationId, msgKey, msgParam (JSON string)}.
            def dingtalk_robot(self, q, body, group):
                if not self.dingtalk_token_ok():
                    return self.answer(401, {"code": "InvalidAuthentication",
                                             "message": "不合法的access_token"})
                msg = self.json_body(body) or {}
                if msg.get("robotCode") != DD_APP_KEY:
                    return self.answer(400, {"code": "invalidParameter.robotCode.auth",
                                             "message": "robotCode 不匹配"})
                if msg.get("msgKey") != "sampleText" or \
                        not isinstance(msg.get("msgParam"), str):
                    return self.answer(400, {"code": "invalidParameter.msgKey.empty",
                                             "message": "缺少msgKey"})
                if group:
                    return self.answer(200, {"processQueryKey": "pqk-group-1"})
                return self.answer(200, {"processQueryKey": "pqk-oto-1",
                                         "invalidStaffIdList": [],
                                         "flowControlledStaffIdList": []})

            def dingtalk_oto(self, q, body):
                return self.dingtalk_robot(q, body, False)

            def dingtalk_group(self, q, body):
                return self.dingtalk_robot(q, body, True)

            # -- DingTalk 自定义机器人 (open.dingtalk.com/document/robots/
            #    customize-robot-security-settings): POST webhook&timestamp=
            #    (ms)&sign=urlEncode(Base64(HmacSHA256(secret, timestamp +
            #    "\n" + secret))), {"msgtype":"text","text":{"content"}}.
            def dingtalk_webhook(self, q, body):
                ts = q.get("timestamp", "")
                fresh = ts.isdigit() and abs(int(ts) / 1000.0 - time.time()) < 3600
                want = b64_hmac_sha256(DW_SECRET, ts + "\n" + DW_SECRET)
                if q.get("access_token") != DW_TOKEN:
                    return self.answer(200, {"errcode": 300001,
                                             "errmsg": "token is not exist"})
                if not fresh or not hmac.compare_digest(q.get("sign", ""), want):
                    return self.answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                msg = self.json_body(body) or {}
                if msg.get("msgtype") != "text" or \
                        not isinstance(msg.get("text", {}).get("content"), str):
                    return self.answer(200, {"errcode": 40035, "errmsg": "缺少参数 json"})
                return self.answer(200, {"errcode": 0, "errmsg": "ok"})

            # -- WeChat 获取稳定版接口调用凭据 (developers.weixin.qq.com/doc/
            #    service/api/base/api_getstableaccesstoken): POST JSON
            #    {grant_type, appid, secret} -> {access_token, expires_in}.
            def wechat_token(self, q, body):
                req = self.json_body(body) or {}
                if req.get("grant_type") != "client_credential" or \
                        req.get("appid") != MP_APP_ID or req.get("secret") != MP_APP_SECRET:
                    return self.answer(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
                with v.lock:
                    v.mp_tokens += 1
                    tok = "mp-token-%d" % v.mp_tokens
                return self.answer(200, {"access_token": tok, "expires_in": 7200})

            # -- WeChat 发送客服消息 (developers.weixin.qq.com/doc/service/api/
            #    customer/message/api_sendcustommessage): POST ?access_token=
            #    {touser, msgtype, text: {content}} -> {errcode, errmsg}.
            def wechat_send(self, q, body):
                tok = q.get("access_token", "")
                with v.lock:
                    ok = tok.startswith("mp-token-") and int(tok[9:] or 0) <= v.mp_tokens
                if not ok:
                    return self.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                msg = self.json_body(body) or {}
                if msg.get("msgtype") != "text" or not msg.get("touser"):
                    return self.answer(200, {"errcode": 40008,
                                             "errmsg": "invalid message type"})
                return self.answer(200, {"errcode": 0, "errmsg": "ok"})

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

        ROUTES = {
            ("GET", "/cgi-bin/gettoken"): H.wecom_gettoken,
            ("POST", "/cgi-bin/message/send"): H.wecom_send,
            ("POST", "/cgi-bin/webhook/send"): H.wecom_robot,
            ("POST", "/bot123456:TEST-TOKEN/sendMessage"): H.telegram_send,
            ("POST", "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
                     "Messages.json"): H.twilio_send,
            ("POST", "/open-apis/auth/v3/tenant_access_token/internal"): H.feishu_token,
            ("POST", "/open-apis/im/v1/messages"): H.feishu_send,
            ("POST", "/open-apis/bot/v2/hook/" + FB_HOOK): H.feishu_bot,
            ("GET", "/gettoken"): H.dingtalk_token,
            ("POST", "/v1.0/robot/oToMessages/batchSend"): H.dingtalk_oto,
            ("POST", "/v1.0/robot/groupMessages/send"): H.dingtalk_group,
            ("POST", "/robot/send"): H.dingtalk_webhook,
            ("POST", "/cgi-bin/stable_token"): H.wechat_token,
            ("POST", "/cgi-bin/message/custom/send"): H.wechat_send,
        }

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
        # Feishu in plain mode: a verification token and no encrypt key,
        # accepted with its risk.
        {"id": "fs", "type": "feishu", "app_id": FS_APP_ID, "app_secret": FS_APP_SECRET,
         "verification_token": FS_VTOKEN, "api_base": vendor.base,
         "insecure_plain": True},
        {"id": "dd", "type": "dingtalk", "app_id": DD_APP_KEY,
         "app_secret": DD_APP_SECRET, "api_base": vendor.base},
        # The Official Account in plain mode: no encoding_aes_key,
        # accepted with its risk.
        {"id": "mp", "type": "wechat", "app_id": MP_APP_ID, "app_secret": MP_APP_SECRET,
         "token": MP_TOKEN, "api_base": vendor.base, "insecure_plain": True},
        {"id": "wr", "type": "wecom_robot",
         "webhook_url": vendor.base + "/cgi-bin/webhook/send?key=" + WR_KEY},
        {"id": "fb", "type": "feishu_bot",
         "webhook_url": vendor.base + "/open-apis/bot/v2/hook/" + FB_HOOK,
         "secret": FB_SECRET},
        {"id": "dw", "type": "dingtalk_webhook",
         "webhook_url": vendor.base + "/robot/send?access_token=" + DW_TOKEN,
         "secret": DW_SECRET},
    ]
    areas = [{"id": "tdj", "name": "太行东街街道", "level": "street",
              "duty": {"channel": "wx", "to": "ZhaoMin"},
              "children": [
                  {"id": "c-hd", "name": "惠丰社区", "level": "community",
                   "duty": {"channel": "wx", "to": "duty-hd|LiQiang"}},
                  {"id": "c-wr", "name": "东风社区", "level": "community",
                   "duty": {"channel": "wr", "to": "group"}},
                  {"id": "c-fb", "name": "建设社区", "level": "community",
                   "duty": {"channel": "fb", "to": "group"}},
                  {"id": "c-dw", "name": "和平社区", "level": "community",
                   "duty": {"channel": "dw", "to": "group"}}]}]
    staff = [{"id": "li", "name": "李强", "role": "community_director", "area": "c-hd",
              "chat": {"channel": "wx", "id": "LiQiang"}}]
    return env.daemon(channels=channels, areas=areas, staff=staff)


def drained(env):
    wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") == "0", 10,
               what="the outbox drained")
    assert env.redis.cmd("LLEN", "wl:ob:dead") == 0


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
        drained(env)
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


# ---- Feishu ---------------------------------------------------------------

def feishu_event(event_id, open_id, text, token=FS_VTOKEN, app_id=FS_APP_ID):
    """An im.message.receive_v1 event, schema 2.0, as 接收消息 documents it
    (open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/
    events/receive); content is itself a JSON string."""
    return {
        "schema": "2.0",
        "header": {"event_id": event_id, "event_type": "im.message.receive_v1",
                   "create_time": str(int(time.time() * 1000)), "token": token,
                   "app_id": app_id, "tenant_key": "2ca1d211f64f6438"},
        "event": {
            "sender": {"sender_id": {"union_id": "on_8ed6aa67826108097d9ee143816345",
                                     "user_id": "e33ggbyz",
                                     "open_id": open_id},
                       "sender_type": "user", "tenant_key": "2ca1d211f64f6438"},
            "message": {"message_id": "om_5ce6d572455d361153b7cb51da133945",
                        "root_id": "", "parent_id": "",
                        "create_time": str(int(time.time() * 1000)),
                        "chat_id": "oc_5ce6d572455d361153b7xx51da133945",
                        "chat_type": "p2p", "message_type": "text",
                        "content": json.dumps({"text": text}, ensure_ascii=False),
                        "mentions": []}}}


def post_json(d, path, obj):
    body = json.dumps(obj, ensure_ascii=False).encode()
    return d.request("POST", path, body, {"Content-Type": "application/json"})


def test_feishu_event_reply_and_token_refresh(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        before = env.redis.snapshot()
        # 配置请求地址 (将事件发送至开发者服务器): without an Encrypt Key the
        # check is {"challenge","token","type":"url_verification"}, and the
        # answer is {"challenge": ...} within one second.
        check = {"challenge": "ajls384kdjx98XX", "token": FS_VTOKEN,
                 "type": "url_verification"}
        status, body = post_json(d, "/hook/fs", check)
        assert status == 200 and json.loads(body) == {"challenge": "ajls384kdjx98XX"}, body
        assert post_json(d, "/hook/fs", dict(check, token="someone-elses-token"))[0] == 401
        # A forged event (wrong verification token), one with no token at
        # all, and another app's event (header.app_id): refused, 401 / 403.
        event_id = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
        open_id = "ou_7d8a6e6df7621556ce0d21922b676706ccs"
        ev = feishu_event(event_id, open_id, "进度")
        forged = feishu_event(event_id, open_id, "进度", token="fs-vtoken-0124")
        notoken = feishu_event(event_id, open_id, "进度")
        del notoken["header"]["token"]
        other = feishu_event(event_id, open_id, "进度", app_id="cli_another_app_0001")
        assert post_json(d, "/hook/fs", forged)[0] == 401
        assert post_json(d, "/hook/fs", notoken)[0] == 401
        assert post_json(d, "/hook/fs", other)[0] == 403
        assert env.redis.snapshot() == before, "a refused Feishu request wrote to Redis"
        assert vendor.calls == []

        # The first send finds its token revoked (99991663): fetch a new
        # tenant_access_token and send again, once.
        with vendor.lock:
            vendor.fs_revoke_next = 1
        assert post_json(d, "/hook/fs", ev)[0] == 200
        assert env.redis.cmd("EXISTS", "wl:dedupe:fs:" + event_id) == 1
        # Feishu redelivers an event it did not see acknowledged in time.
        assert post_json(d, "/hook/fs", ev)[0] == 200
        wait_until(lambda: len(vendor.find("/open-apis/im/v1/messages")) >= 2, 10,
                   what="the Feishu resend with a new token")
        drained(env)
        tokens = vendor.find("/open-apis/auth/v3/tenant_access_token/internal")
        sends = vendor.find("/open-apis/im/v1/messages")
        assert len(tokens) == 2 and len(sends) == 2, (tokens, sends)
        assert json.loads(tokens[0][4]) == {"app_id": FS_APP_ID, "app_secret": FS_APP_SECRET}
        assert [c[3].get("Authorization") for c in sends] == \
            ["Bearer t-fs-1", "Bearer t-fs-2"], sends
        first, second = json.loads(sends[0][4]), json.loads(sends[1][4])
        assert first == second, (first, second)  # same message, same uuid
        assert sends[1][2] == {"receive_id_type": "open_id"}, sends[1][2]
        assert second["receive_id"] == open_id, second
        assert second["msg_type"] == "text" and second.get("uuid"), second
        assert "求助" in json.loads(second["content"])["text"], second
    finally:
        vendor.close()


# ---- DingTalk -------------------------------------------------------------

def dingtalk_callback(msg_id, text, group=False):
    """A message to the robot as 机器人接收消息 (HTTP 模式) documents it
    (open.dingtalk.com/document/orgapp/receive-message); an @-message in a
    group starts with a space."""
    now = int(time.time() * 1000)
    m = {"conversationId": "cidTestGroup0123456789==" if group else
         "cidp2pConversation0123456789==",
         "chatbotCorpId": "dinge8a565xxxx", "chatbotUserId": "$:LWCP_v1:$Cxxxxx",
         "msgId": msg_id, "senderNick": "杨大爷", "isAdmin": False,
         "senderStaffId": "manager4220", "sessionWebhookExpiredTime": now + 5400000,
         "createAt": now, "senderCorpId": "dinge8a565xxxx",
         "conversationType": "2" if group else "1",
         "senderId": "$:LWCP_v1:$Ff09GIxxxxx",
         "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=xxxxx",
         "text": {"content": (" " if group else "") + text}, "msgtype": "text"}
    if group:
        m.update({"conversationTitle": "惠丰社区求助群", "isInAtList": True,
                  "atUsers": [{"dingtalkId": "$:LWCP_v1:$Cxxxxx"}]})
    return m


def dingtalk_headers(ts_ms, secret=DD_APP_SECRET):
    # sign = Base64(HmacSHA256(key = appSecret, timestamp + "\n" + appSecret))
    ts = str(ts_ms)
    return {"Content-Type": "application/json; charset=utf-8", "timestamp": ts,
            "sign": b64_hmac_sha256(secret, ts + "\n" + secret)}


def test_dingtalk_callback_and_robot_send(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        before = env.redis.snapshot()
        cb = dingtalk_callback("msgOtoA1b2C3d4E5f6==", "进度")
        body = json.dumps(cb, ensure_ascii=False).encode()
        now = int(time.time() * 1000)
        stale = dingtalk_headers(now - 3601 * 1000)      # replayed, > 1 h old
        early = dingtalk_headers(now + 3601 * 1000)
        wrong = dingtalk_headers(now, secret="not-the-app-secret")
        nosign = {"Content-Type": "application/json", "timestamp": str(now)}
        for name, hdr in (("stale", stale), ("early", early), ("wrong", wrong),
                          ("no sign", nosign)):
            status, _ = d.request("POST", "/hook/dd", body, hdr)
            assert status == 401, (name, status)
        assert env.redis.snapshot() == before, "a refused DingTalk request wrote to Redis"

        # Signed a few seconds ago: accepted. DingTalk signs only the
        # timestamp, so within the hour it is the msgId that stops a
        # redelivered (or replayed) message from acting twice.
        good = dingtalk_headers(now - 5000)
        assert d.request("POST", "/hook/dd", body, good)[0] == 200
        assert env.redis.cmd("EXISTS", "wl:dedupe:dd:msgOtoA1b2C3d4E5f6==") == 1
        assert d.request("POST", "/hook/dd", body, good)[0] == 200
        oto = wait_until(lambda: vendor.find("/v1.0/robot/oToMessages/batchSend"), 10,
                         what="the DingTalk 1:1 send")
        # In a group the whole group is the contact: the reply goes back there.
        gcb = dingtalk_callback("msgGroupA1b2C3d4E5f6==", "进度", group=True)
        gbody = json.dumps(gcb, ensure_ascii=False).encode()
        assert d.request("POST", "/hook/dd", gbody,
                         dingtalk_headers(int(time.time() * 1000)))[0] == 200
        assert env.redis.cmd("EXISTS", "wl:dedupe:dd:msgGroupA1b2C3d4E5f6==") == 1
        grp = wait_until(lambda: vendor.find("/v1.0/robot/groupMessages/send"), 10,
                         what="the DingTalk group send")
        drained(env)
        assert len(vendor.find("/gettoken")) == 1
        q = vendor.find("/gettoken")[0][2]
        assert q == {"appkey": DD_APP_KEY, "appsecret": DD_APP_SECRET}, q
        assert len(vendor.find("/v1.0/robot/oToMessages/batchSend")) == 1
        assert len(vendor.find("/v1.0/robot/groupMessages/send")) == 1
        m = json.loads(oto[0][4])
        assert oto[0][3].get("x-acs-dingtalk-access-token") == "ddtok1"
        assert m["userIds"] == ["manager4220"] and m["robotCode"] == DD_APP_KEY, m
        assert "求助" in json.loads(m["msgParam"])["content"], m
        g = json.loads(grp[0][4])
        assert g["openConversationId"] == "cidTestGroup0123456789==", g
        assert g["msgKey"] == "sampleText" and "求助" in json.loads(g["msgParam"])["content"]
    finally:
        vendor.close()


# ---- WeChat Official Account ---------------------------------------------

def wechat_query(token=MP_TOKEN, ts=None, nonce="1514711492", **extra):
    """接入指南: signature = SHA1(sort(token, timestamp, nonce)) (developers.
    weixin.qq.com/doc/service/guide/dev/push/, 明文模式)."""
    ts = str(int(time.time())) if ts is None else str(ts)
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    q = {"signature": sig, "timestamp": ts, "nonce": nonce}
    q.update(extra)
    return q


def wechat_text_xml(from_user, text, msg_id, created=None):
    # 接收普通消息 - 文本消息 (developers.weixin.qq.com/doc/service/guide/
    # product/message/Receiving_standard_messages)
    created = int(time.time()) if created is None else created
    return ("<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
            "<FromUserName><![CDATA[%s]]></FromUserName>"
            "<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[%s]]></Content><MsgId>%s</MsgId>"
            "<MsgDataId>xxxx</MsgDataId><Idx>xxxx</Idx></xml>"
            % (from_user, created, text, msg_id)).encode()


def test_wechat_plain_mode_round_trip(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
        before = env.redis.snapshot()
        # URL verification: echo echostr as it came.
        q = wechat_query(echostr="4812967123456789012")
        status, body = d.request("GET", "/hook/mp?" + urllib.parse.urlencode(q))
        assert (status, body) == (200, "4812967123456789012"), (status, body)
        bad = dict(q, signature="0" * 40)
        assert d.request("GET", "/hook/mp?" + urllib.parse.urlencode(bad))[0] == 401
        # A message with a wrong signature, one signed with another token,
        # and a correctly signed one replayed after the 5-minute window.
        xml = wechat_text_xml(openid, "进度", "23456789012345678")
        hdr = {"Content-Type": "text/xml"}
        for name, qq in (("wrong signature", dict(wechat_query(), signature="f" * 40)),
                         ("other token", wechat_query(token="not-our-token")),
                         ("stale", wechat_query(ts=int(time.time()) - 301))):
            path = "/hook/mp?" + urllib.parse.urlencode(dict(qq, openid=openid))
            assert d.request("POST", path, xml, hdr)[0] == 401, name
        assert env.redis.snapshot() == before, "a refused WeChat request wrote to Redis"

        path = "/hook/mp?" + urllib.parse.urlencode(wechat_query(openid=openid))
        status, body = d.request("POST", path, xml, hdr)
        assert (status, body) == (200, "success"), (status, body)
        assert env.redis.cmd("EXISTS", "wl:dedupe:mp:23456789012345678") == 1
        assert d.request("POST", path, xml, hdr) == (200, "success")  # WeChat retries
        sent = wait_until(lambda: vendor.find("/cgi-bin/message/custom/send"), 10,
                          what="the customer-service message")
        drained(env)
        assert len(vendor.find("/cgi-bin/message/custom/send")) == 1
        tokens = vendor.find("/cgi-bin/stable_token")
        assert len(tokens) == 1 and json.loads(tokens[0][4]) == {
            "grant_type": "client_credential", "appid": MP_APP_ID,
            "secret": MP_APP_SECRET}, tokens
        assert sent[0][2] == {"access_token": "mp-token-1"}, sent[0][2]
        m = json.loads(sent[0][4])
        assert m["touser"] == openid and m["msgtype"] == "text", m
        assert "求助" in m["text"]["content"], m
    finally:
        vendor.close()


# ---- the send-only group bots --------------------------------------------

def test_group_bots_get_signed_case_notices(env):
    vendor = Vendor()
    try:
        d = gateway_daemon(env, vendor)
        # Send-only: they take no input, and refusing it writes nothing.
        before = env.redis.snapshot()
        for ch in ("wr", "fb", "dw"):
            status, _ = post_json(d, "/hook/" + ch, {"msgtype": "text",
                                                     "text": {"content": "进度"}})
            assert status in (403, 404), (ch, status)
        assert env.redis.snapshot() == before
        nos = {}
        for area, ref in (("c-wr", "gw-wr"), ("c-fb", "gw-fb"), ("c-dw", "gw-dw")):
            status, body = d.admin("POST", "/api/v1/cases",
                                   {"ext_ref": ref, "area": area, "category": "取暖"})
            assert status == 201, body
            nos[area] = str(json.loads(body)["no"])
        paths = ("/cgi-bin/webhook/send", "/open-apis/bot/v2/hook/" + FB_HOOK, "/robot/send")
        wait_until(lambda: all(vendor.find(p) for p in paths), 10,
                   what="a notice at every group bot")
        drained(env)
        wr, fb, dw = (vendor.find(p) for p in paths)
        assert (len(wr), len(fb), len(dw)) == (1, 1, 1), (wr, fb, dw)
        # 企业微信群机器人: {"msgtype":"text","text":{"content"}}
        m = json.loads(wr[0][4])
        assert wr[0][2] == {"key": WR_KEY} and m["msgtype"] == "text", (wr[0][2], m)
        text = m["text"]["content"]
        assert nos["c-wr"] in text and "东风社区" in text, m
        # 飞书自定义机器人: signed in the body; the stand-in checked the sign.
        m = json.loads(fb[0][4])
        assert m["msg_type"] == "text" and nos["c-fb"] in m["content"]["text"], m
        assert m["sign"] and abs(int(m["timestamp"]) - time.time()) < 60, m
        # 钉钉自定义机器人: signed in the query; the stand-in checked the sign.
        q = dw[0][2]
        assert q["access_token"] == DW_TOKEN and q["sign"], q
        assert abs(int(q["timestamp"]) / 1000.0 - time.time()) < 60, q
        m = json.loads(dw[0][4])
        assert m["msgtype"] == "text" and nos["c-dw"] in m["text"]["content"], m
    finally:
        vendor.close()


if __name__ == "__main__":
    run([test_wecom_send_with_token_refresh,
         test_telegram_webhook_and_reply,
         test_twilio_signed_sms_and_reply,
         test_feishu_event_reply_and_token_refresh,
         test_dingtalk_callback_and_robot_send,
         test_wechat_plain_mode_round_trip,
         test_group_bots_get_signed_case_notices])
